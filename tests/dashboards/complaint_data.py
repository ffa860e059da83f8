"""Hand-built complaint desk data for the complaint measures' tests: every row's moments set by hand, so
each figure can be worked out on paper (the expected numbers are in the tests)."""

from __future__ import annotations

import datetime

from django.utils import timezone

from complaints.models import Category, Complaint, GroupCase, ImprovementItem, RootCause, Status
from tests.factories import ContractFactory, UnitFactory

# "Now" of every test: 10 April 2026, noon in Shanghai. The period under test is March 2026.
NOW = (2026, 4, 10, 12, 0)


def at(year, month, day, hour=10, minute=0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(year, month, day, hour, minute))


def now() -> datetime.datetime:
    return at(*NOW)


def complaint(project, *, received, unit=None, category="leak", **fields) -> Complaint:
    """A complaint with its moments as given: due 24 hours after receipt unless said."""
    fields.setdefault("first_response_due_at", received + datetime.timedelta(hours=24))
    fields.setdefault("status", Status.IN_PROGRESS)
    return Complaint.objects.create(
        project=project,
        unit=unit,
        category=Category.objects.get(code=category),
        complaint_type="complaint",
        channel="hotline",
        title="t",
        description="d",
        received_at=received,
        **fields,
    )


def build(project, other_project, user) -> dict:
    """March 2026 in 四季花城 (`project`, city 深圳) and 金口花园 (`other_project`, city 武汉)."""
    unit = UnitFactory(building__project=project)
    handed_mid_march = UnitFactory(building__project=project)
    ContractFactory(unit=unit, signed_on=datetime.date(2025, 1, 5), handed_over_on=datetime.date(2025, 12, 1))
    ContractFactory(
        unit=handed_mid_march, signed_on=datetime.date(2025, 1, 5), handed_over_on=datetime.date(2026, 3, 20)
    )
    ContractFactory(unit=UnitFactory(building__project=project))  # sold, not handed over
    other_unit = UnitFactory(building__project=other_project)
    ContractFactory(
        unit=other_unit, signed_on=datetime.date(2025, 1, 5), handed_over_on=datetime.date(2025, 6, 1)
    )

    rows = {}
    # Answered on time, resolved after 72 hours, closed.
    rows["on_time"] = complaint(
        project,
        unit=unit,
        received=at(2026, 3, 2),
        first_responded_at=at(2026, 3, 2, 15),
        resolved_at=at(2026, 3, 5),
        closed_at=at(2026, 3, 6),
        status=Status.CLOSED,
        root_cause=RootCause.CONSTRUCTION,
    )
    # The same unit and category eight days later: a repeat; answered a day late, still open.
    rows["repeat_late"] = complaint(
        project, unit=unit, received=at(2026, 3, 10), first_responded_at=at(2026, 3, 12)
    )
    # Received on the last evening of February (counted there), due on 1 March (its first response counts
    # in March), resolved in March after 22 hours.
    rows["february"] = complaint(
        project,
        received=at(2026, 2, 28, 23),
        first_responded_at=at(2026, 3, 1, 20),
        resolved_at=at(2026, 3, 1, 21),
        status=Status.RESOLVED,
        category="crack",
    )
    # The clock paused before the due time and no answer yet: its due time moves on resume, not counted.
    rows["paused_before_due"] = complaint(project, received=at(2026, 3, 14, 9), paused_at=at(2026, 3, 14, 12))
    # Paused after the due time had passed unanswered: late.
    rows["paused_after_due"] = complaint(project, received=at(2026, 3, 13, 8), paused_at=at(2026, 3, 14, 10))
    # Answered on time, resolved on 6 March, then reopened: not resolved.
    rows["reopened"] = complaint(
        project,
        received=at(2026, 3, 3),
        first_responded_at=at(2026, 3, 3, 12),
        resolved_at=at(2026, 3, 6),
        status=Status.REOPENED,
        reopen_count=1,
        category="crack",
    )
    # The period's last minute and the next period's first: to the day.
    rows["last_minute"] = complaint(
        project, received=at(2026, 3, 31, 23, 59), first_responded_at=at(2026, 4, 1, 9)
    )
    rows["april"] = complaint(project, received=at(2026, 4, 1, 0, 0), first_responded_at=at(2026, 4, 1, 9))
    # Not due yet (now is 10 April, noon): not counted.
    rows["not_due"] = complaint(project, received=at(2026, 4, 10, 11))
    # Another city company's complaint: answered late, resolved after 48 hours.
    rows["other_city"] = complaint(
        other_project,
        unit=other_unit,
        received=at(2026, 3, 5),
        first_responded_at=at(2026, 3, 7),
        resolved_at=at(2026, 3, 7),
        status=Status.RESOLVED,
        escalation_level=0,
    )
    # Open and breached now, escalated to level 2 (its resolution target overdue).
    rows["escalated"] = complaint(
        project,
        received=at(2026, 1, 5),
        first_responded_at=at(2026, 1, 5, 12),
        sla_target="resolution",
        resolution_due_at=at(2026, 2, 5),
        escalation_level=2,
    )

    case = GroupCase.objects.create(project=project, category=Category.objects.get(code="leak"), title="B2")
    GroupCase.objects.filter(pk=case.pk).update(created_at=at(2026, 3, 11))
    done = ImprovementItem.objects.create(
        title="防水",
        department="engineering",
        project=project,
        created_by=user,
        status="done",
        done_at=at(2026, 3, 20),
    )
    ImprovementItem.objects.create(title="排水", department="engineering", project=project, created_by=user)
    ImprovementItem.objects.create(  # no project: on no project's dashboard
        title="通用", department="engineering", created_by=user, status="done", done_at=at(2026, 3, 21)
    )
    rows["case"], rows["improvement"] = case, done
    return rows
