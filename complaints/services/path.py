"""The handling path of a complaint, 分派 → 方案 → 解决 → 回访 → 关闭: each transition, pauses and notes.

Each transition locks the complaint row (SELECT … FOR UPDATE), checks the caller's version
when one is given, checks the status on the fresh row, writes a timeline event and moves
the SLA clock. Illegal transitions raise ValidationError with a message for the user.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Department, User

from .. import sla
from ..models import (
    Complaint,
    ComplaintEvent,
    MajorComplaintReport,
    ReturnVisit,
    RootCause,
    Severity,
    Status,
    WorkOrder,
)
from ..signals import complaint_closed
from ._common import _event, _in_scope, _lock, _notify, _require, _save
from .rules import require_actor, require_state

MAX_RETURN_VISIT_ATTEMPTS = 3
SATISFIED_FROM = 3  # a return-visit score of 3–5 lets the complaint close; 1–2 reopens it


@transaction.atomic
def complaint_dispatch(
    *,
    complaint: Complaint,
    by: User,
    department: str,
    handler: User | None = None,
    note: str = "",
    expected_version: int | None = None,
) -> Complaint:
    """分派: to a responsible department and a handler."""
    _require(by, "dispatch")
    complaint = _lock(complaint, expected_version)
    require_state(complaint, "dispatch")
    if handler is not None and (not handler.is_active or not _in_scope(handler, complaint.project_id)):
        raise ValidationError(
            {"handler": _("The handler must be an active colleague working on this project.")}
        )
    if department not in Department.values:
        raise ValidationError({"department": _("Choose a department.")})
    complaint.department = department
    complaint.handler = handler
    complaint.status = Status.DISPATCHED
    _save(complaint, ["department", "handler", "status"], by=by)
    _event(
        complaint,
        by,
        ComplaintEvent.Kind.DISPATCHED,
        note,
        department=department,
        handler=handler.pk if handler else None,
    )
    if handler is not None and handler.pk != by.pk:
        _notify(
            [handler],
            kind="assigned",
            complaint=complaint,
            title=_("Complaint %(number)s assigned to you") % {"number": complaint.number},
        )
    return complaint


@transaction.atomic
def complaint_bulk_assign(
    *, complaints: Iterable[Complaint], by: User, handler: User, department: str
) -> int:
    """The board's bulk assignment: dispatch each selected complaint that can still be dispatched."""
    count = 0
    for complaint in sorted(complaints, key=lambda c: c.pk):  # fixed lock order: no deadlock with a peer
        try:
            complaint_dispatch(complaint=complaint, by=by, department=department, handler=handler)
        except ValidationError:
            continue
        count += 1
    return count


RESPONSE_METHODS = {"call": _("Phone call"), "visit": _("Visit"), "message": _("Message")}


@transaction.atomic
def complaint_respond(
    *,
    complaint: Complaint,
    by: User,
    method: str,
    content: str,
    at: datetime.datetime | None = None,
    expected_version: int | None = None,
) -> Complaint:
    """A direct contact with the owner. The first one stops the 24-hour first-response clock."""
    _require(by, "respond")
    complaint = _lock(complaint, expected_version)
    require_state(complaint, "respond")
    if method not in RESPONSE_METHODS:
        raise ValidationError({"method": _("Choose call, visit or message.")})
    if not (content or "").strip():
        raise ValidationError({"content": _("Write down what was said to the owner.")})
    at = at or timezone.now()
    fields = []
    if complaint.first_responded_at is None:
        complaint.first_responded_at = at
        fields += ["first_responded_at", *sla.refresh_clock(complaint)]
        _save(complaint, fields, by=by)
    _event(complaint, by, ComplaintEvent.Kind.RESPONDED, content.strip(), at=at, method=method)
    return complaint


@transaction.atomic
def complaint_agree_plan(
    *, complaint: Complaint, by: User, plan: str, expected_version: int | None = None
) -> Complaint:
    """方案: a solution agreed with the owner."""
    _require(by, "agree_plan")
    complaint = _lock(complaint, expected_version)
    require_state(complaint, "agree_plan")
    if not (plan or "").strip():
        raise ValidationError({"plan": _("Describe the plan agreed with the owner.")})
    now = timezone.now()
    complaint.plan = plan.strip()
    complaint.status = Status.PLAN_AGREED
    if complaint.plan_agreed_at is None:
        complaint.plan_agreed_at = now
    if complaint.first_responded_at is None:
        complaint.first_responded_at = now  # agreeing a plan is a direct contact too
    fields = ["plan", "status", "plan_agreed_at", "first_responded_at", *sla.refresh_clock(complaint)]
    _save(complaint, fields, by=by)
    _event(complaint, by, ComplaintEvent.Kind.PLAN_AGREED, complaint.plan)
    return complaint


@transaction.atomic
def complaint_resolve(
    *, complaint: Complaint, by: User, resolution: str, expected_version: int | None = None
) -> Complaint:
    _require(by, "resolve")
    complaint = _lock(complaint, expected_version)
    require_state(complaint, "resolve")
    if not (resolution or "").strip():
        raise ValidationError({"resolution": _("Describe how the problem was solved.")})
    if complaint.work_orders.exclude(status__in=[WorkOrder.Status.DONE, WorkOrder.Status.CANCELLED]).exists():
        raise ValidationError({"status": _("Some work orders are still open.")})
    complaint.resolution = resolution.strip()
    complaint.resolved_at = timezone.now()
    complaint.status = Status.RESOLVED
    _save(complaint, ["resolution", "resolved_at", "status", *sla.refresh_clock(complaint)], by=by)
    _event(complaint, by, ComplaintEvent.Kind.RESOLVED, complaint.resolution)
    return complaint


@transaction.atomic
def complaint_return_visit(
    *,
    complaint: Complaint,
    by: User,
    reached: bool,
    satisfaction: int | None = None,
    comment: str = "",
    expected_version: int | None = None,
) -> ReturnVisit:
    """回访: satisfied → ready to close; unsatisfied → reopened; a third unreachable attempt closes it as unreachable."""
    _require(by, "return_visit")
    complaint = _lock(complaint, expected_version)
    require_state(complaint, "return_visit")
    attempts = complaint.return_visits.filter(visited_at__gte=complaint.resolved_at).count()
    if attempts >= MAX_RETURN_VISIT_ATTEMPTS:
        raise ValidationError({"status": _("Three return visits were already made.")})
    if reached and satisfaction not in (1, 2, 3, 4, 5):
        raise ValidationError({"satisfaction": _("Give the owner's satisfaction from 1 to 5.")})
    visit = ReturnVisit.objects.create(
        complaint=complaint,
        attempt=complaint.return_visits.count() + 1,
        reached=reached,
        satisfaction=satisfaction if reached else None,
        comment=(comment or "").strip(),
        visited_by=by,
    )
    _event(
        complaint,
        by,
        ComplaintEvent.Kind.RETURN_VISIT,
        visit.comment,
        reached=reached,
        satisfaction=visit.satisfaction,
    )
    if reached:
        complaint.satisfaction = satisfaction
        _save(complaint, ["satisfaction"], by=by)
        if satisfaction < SATISFIED_FROM:  # type: ignore[operator]  # reached: satisfaction was checked to be 1-5 above
            _reopen(
                complaint,
                by,
                _("Owner not satisfied at the return visit: %(comment)s") % {"comment": visit.comment},
            )
    elif attempts + 1 >= MAX_RETURN_VISIT_ATTEMPTS:
        complaint.closed_unreachable = True
        _save(complaint, ["closed_unreachable"], by=by)
    return visit


@transaction.atomic
def complaint_close(
    *, complaint: Complaint, by: User, root_cause: str, note: str = "", expected_version: int | None = None
) -> Complaint:
    """关闭: after a satisfied return visit (or three unreachable attempts), with a root cause."""
    _require(by, "close")
    complaint = _lock(complaint, expected_version)
    require_state(complaint, "close")
    errors = {}
    if root_cause not in RootCause.values:
        errors["root_cause"] = _("Choose the root cause.")
    satisfied_visit = complaint.return_visits.filter(
        reached=True, satisfaction__gte=SATISFIED_FROM, visited_at__gte=complaint.resolved_at
    ).exists()
    if not satisfied_visit and not complaint.closed_unreachable:
        errors["status"] = _(
            "Record a satisfied return visit (or three unreachable attempts) before closing."
        )
    if (
        complaint.severity == Severity.MAJOR
        and not MajorComplaintReport.objects.filter(complaint=complaint).exists()
    ):
        errors["major_report"] = _(
            "A major complaint needs its written report (cause, handling, lessons) before closing."
        )
    require_actor(complaint, by, "close")
    if errors:
        raise ValidationError(errors)
    complaint.root_cause = root_cause
    complaint.status = Status.CLOSED
    complaint.closed_at = timezone.now()
    _save(complaint, ["root_cause", "status", "closed_at", *sla.refresh_clock(complaint)], by=by)
    _event(complaint, by, ComplaintEvent.Kind.CLOSED, note, root_cause=root_cause)
    # In this transaction: what the apps above do about a close (a satisfaction survey) commits with it.
    complaint_closed.send(sender=Complaint, complaint=complaint, by=by)
    return complaint


def _reopen(complaint: Complaint, by: User, reason: str) -> Complaint:
    now = timezone.now()
    complaint.status = Status.REOPENED
    complaint.reopen_count += 1
    complaint.closed_at = None
    complaint.closed_unreachable = False
    sla.start_clock(complaint, start=now, targets=("resolution",))
    fields = [
        "status",
        "reopen_count",
        "closed_at",
        "closed_unreachable",
        "resolution_due_at",
        "sla_started_at",
    ]
    _save(complaint, [*fields, *sla.refresh_clock(complaint)], by=by)
    _event(complaint, by, ComplaintEvent.Kind.REOPENED, reason)
    return complaint


@transaction.atomic
def complaint_reopen(
    *, complaint: Complaint, by: User, reason: str, expected_version: int | None = None
) -> Complaint:
    _require(by, "reopen")
    complaint = _lock(complaint, expected_version)
    require_state(complaint, "reopen")
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the complaint is reopened.")})
    return _reopen(complaint, by, reason.strip())


@transaction.atomic
def complaint_pause(
    *, complaint: Complaint, by: User, reason: str, expected_version: int | None = None
) -> Complaint:
    """The clock stops while the complaint waits on the owner (e.g. away until next week)."""
    _require(by, "pause")
    complaint = _lock(complaint, expected_version)
    require_state(complaint, "pause")
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say what the complaint is waiting for.")})
    complaint.paused_at = timezone.now()
    complaint.pause_reason = reason.strip()[:200]
    complaint.sla_next_check_at = None
    _save(complaint, ["paused_at", "pause_reason", "sla_next_check_at"], by=by)
    _event(complaint, by, ComplaintEvent.Kind.PAUSED, complaint.pause_reason)
    return complaint


@transaction.atomic
def complaint_resume(
    *, complaint: Complaint, by: User, note: str = "", expected_version: int | None = None
) -> Complaint:
    _require(by, "resume")
    complaint = _lock(complaint, expected_version)
    require_state(complaint, "resume")
    now = timezone.now()
    shifted = sla.pause_shift(complaint, resumed_at=now)
    paused_for = now - complaint.paused_at  # type: ignore[operator]  # require_state(resume): it is paused
    complaint.paused_at = None
    complaint.pause_reason = ""
    _save(complaint, [*shifted, "paused_at", "pause_reason", *sla.refresh_clock(complaint)], by=by)
    _event(
        complaint, by, ComplaintEvent.Kind.RESUMED, note, paused_minutes=int(paused_for.total_seconds() // 60)
    )
    return complaint


@transaction.atomic
def major_report_save(
    *,
    complaint: Complaint,
    by: User,
    cause: str,
    handling: str,
    lessons: str,
    expected_version: int | None = None,
) -> MajorComplaintReport:
    """重大投诉报告: cause, handling and lessons of a major complaint (and of no other)."""
    _require(by, "major_report")
    complaint = _lock(complaint, expected_version)
    require_state(complaint, "major_report")
    errors = {
        name: _("This part of the report is required.")
        for name, value in (("cause", cause), ("handling", handling), ("lessons", lessons))
        if not (value or "").strip()
    }
    if errors:
        raise ValidationError(errors)
    report, _created = MajorComplaintReport.objects.update_or_create(
        complaint=complaint,
        defaults={
            "cause": cause.strip(),
            "handling": handling.strip(),
            "lessons": lessons.strip(),
            "author": by,
        },
    )
    _event(complaint, by, ComplaintEvent.Kind.REPORT, report.cause[:200])
    return report


@transaction.atomic
def complaint_add_note(
    *, complaint: Complaint, by: User, note: str, expected_version: int | None = None
) -> ComplaintEvent:
    _require(by, "note")
    complaint = _lock(complaint, expected_version)
    require_state(complaint, "note")
    if not (note or "").strip():
        raise ValidationError({"note": _("The note is empty.")})
    return _event(complaint, by, ComplaintEvent.Kind.NOTE, note.strip())
