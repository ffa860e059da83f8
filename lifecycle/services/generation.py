"""Generating the due touchpoints from the contracts' dates, set-based, in batches.

Every day (lifecycle.tasks.generate_touchpoints) each active plan is laid over the active contracts'
signing, contractual handover and actual handover dates (lifecycle.schedule says how a plan falls
due). A touchpoint is created when its due date lies in the window [today − overdue days, today +
horizon days]: the coming weeks, and the recent past a run missed (bounded, so that a new plan does not
flood everyone's list with years of history). A rerun creates nothing: what exists is read per batch,
and the unique constraints (plan, unit, buyer, occurrence) stop a concurrent run. A contract whose
date changed moves the due date of its still untouched open touchpoints (status open, no attempt yet),
whether or not the new date is in the window.

Cost: the contracts are walked by primary key in batches (LIFECYCLE_GENERATION_BATCH), restricted in SQL
to those with a date in some plan's window or an untouched open touchpoint; per batch one read of the
contracts, one of the existing touchpoints of their units, one bulk insert and one bulk update —
no query per customer, so a million customers cost a few hundred batches.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from customers.models import Contract

from ..deadlines import business_day, next_check
from ..models import Touchpoint, TouchpointPlan, Trigger
from ..schedule import WorkingDays, add_months, due_for, in_construction, quarter_start, quarters_between

logger = logging.getLogger(__name__)

# How far a working-day offset or a roll to the next working day can stretch in calendar days (the
# longest Chinese holiday with its weekends is 8–9 days): the SQL windows are widened by it, the exact
# due date is decided in Python.
SLACK_DAYS = 12
CONTRACT_COLUMNS = (
    "pk",
    "unit_id",
    "primary_buyer_id",
    "unit__project_id",
    "unit__project__city_company_id",
    "signed_on",
    "contractual_handover_on",
    "handed_over_on",
)


@dataclass
class GenerationResult:
    contracts: int = 0
    created: int = 0
    moved: int = 0
    batches: int = 0


@dataclass(frozen=True)
class Window:
    low: datetime.date
    high: datetime.date


def _anchor_filter(plan: TouchpointPlan, window: Window) -> Q:
    """Contracts whose date may put `plan` due in the window (a superset; Python decides exactly)."""
    slack = datetime.timedelta(days=SLACK_DAYS)
    days = datetime.timedelta(days=plan.offset)
    stretch = days * 2 if plan.working_days else days  # working days stretch over weekends
    low, high = window.low, window.high
    if plan.trigger == Trigger.SIGNED:
        return Q(signed_on__gte=low - stretch - slack, signed_on__lte=high - days)
    if plan.trigger == Trigger.HANDED_OVER:
        return Q(handed_over_on__gte=low - stretch - slack, handed_over_on__lte=high - days)
    if plan.trigger == Trigger.BEFORE_HANDOVER:
        return Q(
            handed_over_on__isnull=True,
            contractual_handover_on__gte=low + days,
            contractual_handover_on__lte=high + days + slack,
        )
    if plan.trigger in (Trigger.MONTHS_AFTER_HANDOVER, Trigger.YEARS_AFTER_HANDOVER):
        months = plan.offset * (12 if plan.trigger == Trigger.YEARS_AFTER_HANDOVER else 1)
        return Q(
            handed_over_on__gte=add_months(low, -months) - slack,
            handed_over_on__lte=add_months(high, -months) + datetime.timedelta(days=3),
        )
    if plan.trigger == Trigger.QUARTERLY:
        quarters = quarters_between(low - slack, high)
        if not quarters:
            return Q(pk__in=[])
        start = quarter_start(quarters[0])
        return Q(signed_on__lt=quarter_start(quarters[-1])) & (
            Q(handed_over_on__isnull=True) | Q(handed_over_on__gt=start)
        )
    return Q(pk__in=[])


def _occurrences(plan, days: WorkingDays, window: Window, dates: dict) -> list[tuple[int, datetime.date]]:
    """(occurrence, due date) of `plan` for a contract's dates, due within the window."""
    if plan.trigger == Trigger.QUARTERLY:
        found = []
        for quarter in quarters_between(window.low - datetime.timedelta(days=SLACK_DAYS), window.high):
            if in_construction(quarter, **dates):
                due = due_for(plan, days, occurrence=quarter, **dates)
                if due and window.low <= due <= window.high:
                    found.append((quarter, due))
        return found
    due = due_for(plan, days, **dates)
    return [(0, due)] if due and window.low <= due <= window.high else []


class _Clock:
    """The clock fields of a fresh touchpoint due on a day, computed once per day per run."""

    def __init__(self) -> None:
        self.cache: dict[datetime.date, tuple[datetime.datetime, datetime.datetime | None]] = {}

    def __call__(self, due_on: datetime.date) -> tuple[datetime.datetime, datetime.datetime | None]:
        if due_on not in self.cache:
            self.cache[due_on] = (business_day(due_on)[1], next_check(due_on=due_on, warned=False, level=0))
        return self.cache[due_on]


def touchpoints_generate(
    *,
    today: datetime.date | None = None,
    horizon_days: int | None = None,
    overdue_days: int | None = None,
    batch_size: int | None = None,
) -> GenerationResult:
    """Create the touchpoints due in the window and move untouched ones whose contract date changed."""
    today = today or timezone.localdate()
    horizon = settings.LIFECYCLE_TOUCHPOINT_HORIZON_DAYS if horizon_days is None else horizon_days
    overdue = settings.LIFECYCLE_TOUCHPOINT_OVERDUE_DAYS if overdue_days is None else overdue_days
    batch_size = batch_size or settings.LIFECYCLE_GENERATION_BATCH
    window = Window(today - datetime.timedelta(days=overdue), today + datetime.timedelta(days=horizon))
    plans = list(TouchpointPlan.objects.filter(active=True).exclude(trigger=Trigger.SCHEDULED))
    result = GenerationResult()
    if not plans:
        return result
    untouched = Touchpoint.objects.filter(
        contract_id=OuterRef("pk"), status=Touchpoint.Status.OPEN, attempts=0
    )
    anchors = Q(pk__in=[])
    for plan in plans:
        anchors |= _anchor_filter(plan, window)
    contracts = Contract.objects.filter(status=Contract.Status.ACTIVE).filter(anchors | Q(Exists(untouched)))
    days, clock = WorkingDays(), _Clock()
    last_pk = 0
    while True:
        rows = list(
            contracts.filter(pk__gt=last_pk).order_by("pk").values_list(*CONTRACT_COLUMNS)[:batch_size]
        )
        if not rows:
            break
        created, moved = _batch(rows, plans, window, days, clock)
        last_pk = rows[-1][0]
        result.contracts += len(rows)
        result.created += created
        result.moved += moved
        result.batches += 1
        logger.info(
            "touchpoint generation: batch %s, %s contracts up to id %s, %s created, %s moved",
            result.batches,
            result.contracts,
            last_pk,
            result.created,
            result.moved,
        )
        if len(rows) < batch_size:
            break
    return result


def _batch(rows, plans, window: Window, days: WorkingDays, clock: _Clock) -> tuple[int, int]:
    plans_by_id = {plan.pk: plan for plan in plans}
    unit_ids = [row[1] for row in rows]
    # (plan, unit, buyer) → occurrence → (id, contract, status, attempts, due_on, warned, level)
    existing: dict[tuple[int, int, int], dict[int, tuple]] = {}
    for row in Touchpoint.objects.filter(unit_id__in=unit_ids, plan_id__in=plans_by_id).values_list(
        "plan_id",
        "unit_id",
        "customer_id",
        "occurrence",
        "pk",
        "contract_id",
        "status",
        "attempts",
        "due_on",
        "warned",
        "escalation_level",
    ):
        existing.setdefault(row[:3], {})[row[3]] = row[4:]
    new: list[Touchpoint] = []
    # (due, warned, level) → ids: one UPDATE per group, guarded so that a touchpoint worked meanwhile stays.
    moves: dict[tuple[datetime.date, bool, int], list[int]] = {}
    for pk, unit_id, buyer_id, project_id, city_id, signed_on, promised_on, handed_over_on in rows:
        dates = {
            "signed_on": signed_on,
            "contractual_handover_on": promised_on,
            "handed_over_on": handed_over_on,
        }
        for plan in plans:
            wanted = dict(_occurrences(plan, days, window, dates))
            for occurrence, state in existing.get((plan.pk, unit_id, buyer_id), {}).items():
                wanted.pop(occurrence, None)
                touchpoint_id, contract_id, status, attempts, due_on, warned, level = state
                if contract_id != pk or status != Touchpoint.Status.OPEN or attempts:
                    continue
                due = due_for(plan, days, occurrence=occurrence, **dates)
                if due and due != due_on:
                    moves.setdefault((due, warned, level), []).append(touchpoint_id)
            for occurrence, due in wanted.items():
                due_at, check = clock(due)
                new.append(
                    Touchpoint(
                        plan=plan,
                        customer_id=buyer_id,
                        unit_id=unit_id,
                        contract_id=pk,
                        project_id=project_id,
                        city_company_id=city_id,
                        occurrence=occurrence,
                        role=plan.role,
                        due_on=due,
                        due_at=due_at,
                        next_check_at=check,
                    )
                )
    moved = 0
    with transaction.atomic():
        Touchpoint.objects.bulk_create(new, batch_size=1000, ignore_conflicts=True)
        for (due, warned, level), ids in moves.items():
            moved += Touchpoint.objects.filter(pk__in=ids, status=Touchpoint.Status.OPEN, attempts=0).update(
                due_on=due,
                due_at=clock(due)[0],
                next_check_at=next_check(due_on=due, warned=warned, level=level),
            )
    return len(new), moved
