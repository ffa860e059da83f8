"""The audit trail of changes (who, when, old → new), kept in django-auditlog's LogEntry table.

Apps register the models that keep one (`register_audited_model` in `ready()`) and their services
record each write (`audit_snapshot` + `audit_changes`, `audit_created`, `audit_log`); a record's page
shows the trail with `{% include "audit/history_section.html" with record=… %}`.
"""

from .erasure import audit_trail_anonymise
from .recording import (
    audit_changes,
    audit_created,
    audit_is_paused,
    audit_log,
    audit_paused,
    audit_snapshot,
)
from .registry import (
    AuditedModel,
    audited,
    audited_by_label,
    audited_models,
    is_audited,
    register_audited_model,
)

__all__ = [
    "AuditedModel",
    "audit_changes",
    "audit_created",
    "audit_is_paused",
    "audit_log",
    "audit_paused",
    "audit_snapshot",
    "audit_trail_anonymise",
    "audited",
    "audited_by_label",
    "audited_models",
    "is_audited",
    "register_audited_model",
]
