"""What the desk's figures mean, as SQL conditions written once: the managers' dashboards count with them
(dashboards.measures.complaints) and the SLA board filters with them (its drill-down filters), so a
figure and the list behind it cannot disagree."""

from __future__ import annotations

import datetime

from django.db.models import Exists, F, OuterRef, Q

from .models import Complaint, Status

# A complaint about the same unit and category within this long before is a repeat.
REPEAT_WINDOW = datetime.timedelta(days=90)

# Resolved now: a resolution date, and not reopened since (a reopened complaint keeps its old date).
RESOLVED_NOW = Q(resolved_at__isnull=False) & ~Q(status=Status.REOPENED)

# Answered by the due time the desk set (moved by each pause when the clock resumed).
FIRST_RESPONSE_ON_TIME = Q(first_responded_at__isnull=False) & Q(
    first_responded_at__lte=F("first_response_due_at")
)


def first_response_known(now: datetime.datetime) -> Q:
    """A first response whose outcome is known at `now`: answered, or not answered and its due time has
    passed, except while the clock is paused since before the due time (it moves when the clock resumes)."""
    clock_stopped_before_due = Q(paused_at__isnull=False) & Q(paused_at__lt=F("first_response_due_at"))
    return Q(first_responded_at__isnull=False) | (
        Q(first_response_due_at__lte=now) & ~clock_stopped_before_due
    )


def first_response_late(now: datetime.datetime) -> Q:
    return first_response_known(now) & ~FIRST_RESPONSE_ON_TIME


def repeat_condition() -> Q:
    """An earlier complaint of the same unit and category received within REPEAT_WINDOW before (one probe
    of the complaint_unit_category_time index). A complaint without a unit repeats nothing."""
    earlier = Complaint.objects.filter(
        unit_id=OuterRef("unit_id"),
        category_id=OuterRef("category_id"),
        received_at__lt=OuterRef("received_at"),
        received_at__gte=OuterRef("received_at") - REPEAT_WINDOW,
    )
    return Q(unit_id__isnull=False) & Q(Exists(earlier))
