"""Care tasks (会员关怀): a member's birthday and the anniversary of their home's handover become a
task for the project team CLUB_CARE_DAYS_AHEAD days ahead, once per member, occasion and year (the
unique constraint: the daily run and its reruns add nothing twice). The task shows the member's care
wish ("ask before visiting"); the team marks it done or skipped, with a note.
"""

from __future__ import annotations

import calendar
import datetime
import logging
from functools import reduce
from operator import or_

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import Contract

from ..models import CareTask, Member
from ..permissions import may_serve_members
from ..selectors.care import care_tasks_visible_to

logger = logging.getLogger(__name__)
BATCH_SIZE = 1000


def occurrence(day: datetime.date, year: int) -> datetime.date:
    """`day`'s month and day in `year`; 29 February is kept on the 28th in other years."""
    last = calendar.monthrange(year, day.month)[1]
    return datetime.date(year, day.month, min(day.day, last))


def _window(today: datetime.date, days: int) -> list[datetime.date]:
    return [today + datetime.timedelta(days=n) for n in range(days + 1)]


def _month_day_filter(field: str, window: list[datetime.date]) -> Q:
    """Rows whose `field` falls on a day of the window in any year (29 Feb on the 28th of other years)."""
    conditions = []
    for day in window:
        conditions.append(Q(**{f"{field}__month": day.month, f"{field}__day": day.day}))
        if day.month == 2 and day.day == 28 and not calendar.isleap(day.year):
            conditions.append(Q(**{f"{field}__month": 2, f"{field}__day": 29}))
    return reduce(or_, conditions)


def _due_in(window: list[datetime.date], anchor: datetime.date) -> datetime.date | None:
    for day in window:
        if occurrence(anchor, day.year) == day:
            return day
    return None


def care_tasks_create(*, today: datetime.date | None = None, days_ahead: int | None = None) -> int:
    """Open the care tasks of the occasions from today to `days_ahead` days later; returns how many."""
    today = today or timezone.localdate()
    window = _window(today, settings.CLUB_CARE_DAYS_AHEAD if days_ahead is None else days_ahead)
    tasks: list[CareTask] = []
    members = Member.objects.active().filter(_month_day_filter("birth_date", window))
    for member in members.only("id", "birth_date", "project_id", "city_company_id").iterator(
        chunk_size=BATCH_SIZE
    ):
        due = _due_in(window, member.birth_date)
        if due:
            tasks.append(_task(member, CareTask.Kind.BIRTHDAY, due, member.project_id))
    tasks += _anniversary_tasks(window)
    created = 0
    for start in range(0, len(tasks), BATCH_SIZE):
        batch = tasks[start : start + BATCH_SIZE]
        with transaction.atomic():
            created += len(_insert_new(batch))
        logger.info("care tasks: %s of %s occasions written", start + len(batch), len(tasks))
    return created


def _insert_new(batch: list[CareTask]) -> list[CareTask]:
    """Insert the tasks not yet there (member, kind, year); ignore_conflicts covers a racing rerun."""
    existing = set(
        CareTask.objects.filter(
            member_id__in={t.member_id for t in batch}, year__in={t.year for t in batch}
        ).values_list("member_id", "kind", "year")
    )
    new, seen = [], set()
    for task in batch:
        key = (task.member_id, task.kind, task.year)
        if key in existing or key in seen:
            continue
        seen.add(key)
        new.append(task)
    CareTask.objects.bulk_create(new, ignore_conflicts=True)
    return new


def _task(member: Member, kind: str, due: datetime.date, project_id: int | None) -> CareTask:
    return CareTask(
        member_id=member.pk,
        kind=kind,
        year=due.year,
        due_on=due,
        project_id=project_id,
        city_company_id=member.city_company_id,
    )


def _anniversary_tasks(window: list[datetime.date]) -> list[CareTask]:
    """Handover anniversaries of the linked customers' homes (active contracts, handed over)."""
    contracts = (
        Contract.objects.filter(status=Contract.Status.ACTIVE, handed_over_on__isnull=False)
        .filter(_month_day_filter("handed_over_on", window))
        .order_by("handed_over_on", "id")  # the first home's anniversary first
        .values_list("primary_buyer_id", "handed_over_on", "unit__project_id")
    )
    by_customer: dict[int, list[tuple[datetime.date, int]]] = {}
    for customer_id, handed_over_on, project_id in contracts:
        by_customer.setdefault(customer_id, []).append((handed_over_on, project_id))  # type: ignore[arg-type]  # filtered on handed_over_on__isnull=False
    tasks = []
    customer_ids = list(by_customer)
    for start in range(0, len(customer_ids), BATCH_SIZE):
        members = Member.objects.active().filter(customer_id__in=customer_ids[start : start + BATCH_SIZE])
        for member in members.only("id", "customer_id", "city_company_id"):
            for handed_over_on, project_id in by_customer[member.customer_id]:
                due = _due_in(window, handed_over_on)
                if due and due.year > handed_over_on.year:
                    tasks.append(_task(member, CareTask.Kind.HOME_ANNIVERSARY, due, project_id))
                    break
    return tasks


def care_task_close(*, task: CareTask, by, outcome: str, note: str) -> CareTask:
    """Mark an open task done or skipped, with a note; only once (a second click changes nothing)."""
    if outcome not in (CareTask.Status.DONE, CareTask.Status.SKIPPED):
        raise ValidationError({"outcome": _("A care task is either done or skipped.")})
    if not may_serve_members(by) or not care_tasks_visible_to(by).filter(pk=task.pk).exists():
        raise PermissionDenied(_("You may not close this care task."))
    if outcome == CareTask.Status.SKIPPED and not note.strip():
        raise ValidationError({"note": _("Say why the task is skipped.")})
    now = timezone.now()
    with transaction.atomic():
        closed = CareTask.objects.filter(pk=task.pk, status=CareTask.Status.OPEN).update(
            status=outcome, note=note.strip(), done_by=by, done_at=now, updated_at=now
        )
        if not closed:
            raise ValidationError(_("This care task was already closed."), code="conflict")
    task.refresh_from_db()
    return task
