"""Complaints on the audit trail (core.audit): what people change along the path. The SLA clock's own
columns (due times, next check, warned, escalation level) are the sweep's, not anyone's edit: left out,
so the sweep writes no entry and costs no query more per complaint."""

from core.audit import register_audited_model
from core.masking import mask_phone

from .models import Complaint

COMPLAINT_AUDITED_FIELDS = (
    "complaint_type",
    "channel",
    "category",
    "severity",
    "status",
    "customer",
    "reporter_name",
    "reporter_phone",
    "unit",
    "project",
    "title",
    "description",
    "department",
    "handler",
    "group_case",
    "plan",
    "resolution",
    "root_cause",
    "satisfaction",
    "closed_unreachable",
    "reopen_count",
    "pause_reason",
)


def register() -> None:
    register_audited_model(
        Complaint, fields=COMPLAINT_AUDITED_FIELDS, personal={"reporter_phone": mask_phone}
    )
