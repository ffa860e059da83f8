"""Recording a touchpoint's outcome: reached, no answer (tried again the next working day), declined, done."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.services import ConcurrentEditError

from ..deadlines import clock_set, clock_stop
from ..models import Touchpoint
from ..permissions import may_record
from ..schedule import WorkingDays

OUTCOMES = (
    Touchpoint.Status.REACHED,
    Touchpoint.Status.NO_ANSWER,
    Touchpoint.Status.DECLINED,
    Touchpoint.Status.DONE,
)


def touchpoint_record(*, touchpoint_id: int, by, outcome: str, note: str = "", version: int) -> Touchpoint:
    """One attempt's outcome. "No answer" keeps the touchpoint to do, due the next working day after
    today (its clock moves, the steps already fired stay fired); any other outcome closes it. The
    attempt counts either way; an unassigned touchpoint becomes the recorder's."""
    if outcome not in OUTCOMES:
        raise ValidationError({"outcome": _("Choose an outcome.")})
    with transaction.atomic():
        touchpoint = Touchpoint.objects.visible_to(by).select_for_update(of=("self",)).get(pk=touchpoint_id)
        if not may_record(by, touchpoint):
            raise PermissionDenied(_("This touchpoint is someone else's."))
        if touchpoint.version != version:
            raise ConcurrentEditError()
        if not touchpoint.is_pending:
            raise ValidationError(_("This touchpoint is already closed."))
        fields = ["status", "attempts", "outcome_note", "version", "assignee", "updated_at"]
        touchpoint.status = outcome
        touchpoint.attempts = F("attempts") + 1
        touchpoint.version = F("version") + 1
        touchpoint.assignee_id = touchpoint.assignee_id or by.pk
        if note.strip():
            stamp = timezone.localtime().strftime("%Y-%m-%d %H:%M")
            line = f"[{stamp} {by.get_username()} {touchpoint.get_status_display()}] {note.strip()}"
            touchpoint.outcome_note = f"{touchpoint.outcome_note}\n{line}".strip()
        if outcome == Touchpoint.Status.NO_ANSWER:
            fields += clock_set(touchpoint, WorkingDays().next_after(timezone.localdate()))
        else:
            touchpoint.done_at = timezone.now()
            touchpoint.done_by = by
            fields += ["done_at", "done_by", *clock_stop(touchpoint)]
        touchpoint.save(update_fields=fields)
        touchpoint.refresh_from_db()
    return touchpoint
