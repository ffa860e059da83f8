"""Recording changes: every service write to an audited model calls one of these, inside its transaction.

Why explicit calls and not django-auditlog's save signals: the services also write with
`QuerySet.update()` and `bulk_update()`, which send no signal, and the signal reads the row again
before each save (one more query per write, and per row in a sweep). So a service takes a snapshot
where it loads or locks the row (`audit_snapshot`), changes it, and records the difference with
`audit_changes` after its save; a write made with `update()` records its known old and new values
with `audit_log`. The rows are django-auditlog's `LogEntry` (its admin, its middleware for the
request's user and address); who is the service's `by`, else the request's user (the middleware),
else nobody (a task, the owner on a public page).

Bulk loads (seed_demo, bench_data, the Excel import) run under `audit_paused()`, the library's
`disable_auditlog`: a load is not an edit, and it must not slow down by a row per record.
"""

from __future__ import annotations

import datetime
import json
from decimal import Decimal
from typing import Any

from auditlog.context import auditlog_disabled, disable_auditlog
from auditlog.models import LogEntry
from django.contrib.auth import get_user_model
from django.db import models
from django.utils import timezone

from .registry import EXTRA_KEY_SEPARATOR, AuditedModel, audited

NONE = "None"  # how django-auditlog writes an empty value (its admin reads it so)
_SNAPSHOT = "_audit_before"

audit_paused = disable_auditlog


def audit_is_paused() -> bool:
    return auditlog_disabled.get()


def _value(instance: models.Model, name: str) -> Any:
    field = instance._meta.get_field(name)
    return getattr(instance, field.attname)


def audit_snapshot(instance: models.Model) -> dict[str, Any]:
    """The audited fields' values now, kept on the instance for `audit_changes` (and returned)."""
    config = audited(type(instance))
    before = {name: _value(instance, name) for name in config.fields}
    setattr(instance, _SNAPSHOT, before)
    return before


def as_text(value: Any) -> str:
    """A value as the trail stores it: text, datetimes in UTC without zone (as django-auditlog does)."""
    if value is None:
        return NONE
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.make_naive(value, datetime.UTC)
        return str(value)
    if isinstance(value, datetime.date | Decimal | bool | int):
        return str(value)
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, models.Model):
        return str(value.pk)
    return str(value)


def _stored(config: AuditedModel, name: str, value: Any) -> str:
    text = as_text(value)
    mask = config.personal.get(name.partition(EXTRA_KEY_SEPARATOR)[0])
    if mask is not None and text != NONE:
        return mask(text)
    return text


def audit_log(
    instance: models.Model,
    *,
    by,
    changes: dict[str, tuple[Any, Any]],
    action: int = LogEntry.Action.UPDATE,
) -> LogEntry | None:
    """Record `changes` ({field or extra name: (old, new)}) of `instance`; unchanged pairs are dropped,
    personal data is masked before it is stored. None when nothing changed or the trail is paused."""
    if audit_is_paused():
        return None
    config = audited(type(instance))
    stored = {}
    for name, (old, new) in changes.items():
        if name not in config.fields and config.extra_label(name) is None:
            raise ValueError(f"{config.label}.{name} is not an audited field")
        pair = [_stored(config, name, old), _stored(config, name, new)]
        if pair[0] != pair[1]:
            stored[name] = pair
    if not stored:
        return None
    actor = by if isinstance(by, get_user_model()) and by.pk else None
    return LogEntry.objects.log_create(instance, action=action, changes=stored, actor=actor)


def audit_changes(
    instance: models.Model,
    *,
    by,
    before: dict[str, Any] | None = None,
    extra: dict[str, tuple[Any, Any]] | None = None,
) -> LogEntry | None:
    """Record what changed in the audited fields since `before` (default: the instance's last
    `audit_snapshot`), with `extra` changes beside them; the snapshot moves on to the values now, so a
    second write in the same service records only its own change."""
    config = audited(type(instance))
    if before is None:
        before = getattr(instance, _SNAPSHOT, None)
        if before is None:
            raise RuntimeError(f"audit_changes on a {config.label} without audit_snapshot() first")
    after = {name: _value(instance, name) for name in config.fields}
    setattr(instance, _SNAPSHOT, after)
    changes = {name: (before.get(name), value) for name, value in after.items() if before.get(name) != value}
    changes.update(extra or {})
    return audit_log(instance, by=by, changes=changes)


def audit_created(
    instance: models.Model, *, by, extra: dict[str, tuple[Any, Any]] | None = None
) -> LogEntry | None:
    """Record a new record: each audited field that holds something, from nothing."""
    config = audited(type(instance))
    after = {name: _value(instance, name) for name in config.fields}
    setattr(instance, _SNAPSHOT, after)
    changes = {name: (None, value) for name, value in after.items() if value not in (None, "", [], {})}
    changes.update(extra or {})
    return audit_log(instance, by=by, changes=changes, action=LogEntry.Action.CREATE)
