"""Reclassification: the type, category or severity of a complaint changed after intake (a repair turns
out to be a major complaint, a leak was filed as a crack), with the reason on the timeline and the
SLA clocks planned again under the policy the new facts choose."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from accounts.models import User

from .. import sla
from ..models import Category, Complaint, ComplaintEvent, ComplaintType, Severity
from ._common import _event, _lock, _notify, _require, _save, _supervisors_of
from .rules import require_actor, require_state

RECLASSIFIABLE = ("complaint_type", "category", "severity")


@transaction.atomic
def complaint_reclassify(
    *,
    complaint: Complaint,
    by: User,
    reason: str,
    complaint_type: str | None = None,
    category: Category | None = None,
    severity: str | None = None,
    expected_version: int | None = None,
) -> Complaint:
    """Change what the complaint is (None keeps a fact as it is), by a supervisor or its handler.

    The SLA policy is chosen again and each pending clock re-planned from the clock's start
    (sla.replan_clock): a stricter policy may put the complaint in breach at once, and the next
    sweep escalates it, once. A complaint raised to major or group severity is announced to the
    project's supervisors, as at intake.
    """
    _require(by, "reclassify")
    complaint = _lock(complaint, expected_version)
    require_state(complaint, "reclassify")
    require_actor(complaint, by, "reclassify")
    wanted: dict[str, Any] = {
        "complaint_type": complaint.complaint_type if complaint_type is None else complaint_type,
        "category": complaint.category if category is None else category,
        "severity": complaint.severity if severity is None else severity,
    }
    errors = {}
    if wanted["complaint_type"] not in ComplaintType.values:
        errors["complaint_type"] = _("Choose a type.")
    if wanted["severity"] not in Severity.values:
        errors["severity"] = _("Choose a severity.")
    elif complaint.group_case_id is not None and wanted["severity"] != Severity.GROUP:
        errors["severity"] = _("A complaint in a group case keeps the group severity.")
    if wanted["category"].pk != complaint.category_id and not wanted["category"].is_active:
        errors["category"] = _("This category is no longer used.")
    reason = (reason or "").strip()
    if not reason:
        errors["reason"] = _("Say why the complaint is reclassified.")
    if errors:
        raise ValidationError(errors)
    changes = {
        name: value
        for name, value in wanted.items()
        if (value.pk if name == "category" else value) != _raw(complaint, name)
    }
    if not changes:
        raise ValidationError(_("Nothing changed: choose another type, category or severity."))
    before = {name: (_raw(complaint, name), _shown(complaint, name)) for name in changes}
    was_raised = complaint.severity in sla.RAISED_SEVERITIES
    for name, value in changes.items():
        setattr(complaint, name, value)
    _save(complaint, [*changes, *sla.replan_clock(complaint)], by=by)
    lines = [
        f"{capfirst(Complaint._meta.get_field(name).verbose_name)}: {before[name][1]} → {_shown(complaint, name)}"  # type: ignore[union-attr]  # a concrete field by name, never a reverse relation
        for name in changes
    ]
    _event(
        complaint,
        by,
        ComplaintEvent.Kind.RECLASSIFIED,
        "\n".join([reason, *lines]),
        changes={name: [before[name][0], _raw(complaint, name)] for name in changes},
        policy=complaint.sla_policy.name if complaint.sla_policy else None,
        due_at=complaint.current_due_at.isoformat() if complaint.current_due_at else None,
    )
    if complaint.severity in sla.RAISED_SEVERITIES and not was_raised:
        _notify(
            _supervisors_of(complaint.project_id),
            kind="major_complaint",
            complaint=complaint,
            title=_("Major complaint %(number)s: %(title)s")
            % {"number": complaint.number, "title": complaint.title},
        )
    return complaint


def _raw(complaint: Complaint, name: str):
    return complaint.category_id if name == "category" else getattr(complaint, name)


def _shown(complaint: Complaint, name: str) -> str:
    if name == "category":
        return str(complaint.category)
    return str(getattr(complaint, f"get_{name}_display")())
