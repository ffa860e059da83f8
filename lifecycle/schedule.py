"""When a touchpoint plan falls due for a contract: pure date arithmetic, no queries beyond the calendar.

Decisions (README "Touchpoints"):
- a day offset after an event counts working days when the plan says so (the welcome call "within 3
  days" of signing is 3 working days, core.workcalendar: signed on the Friday before the National Day
  week, it is due after the holiday, not during it); otherwise calendar days;
- a due date that lands on a non-working day moves to the next working day, except a "before the
  contractual handover" one, which moves to the previous working day (an invitation must go out before);
- months and years after the handover are calendar months and years (31 Jan + 1 month = 28/29 Feb);
- the quarterly progress letter is due on the first working day of each calendar quarter that starts
  after the signing and before the handover (its occurrence is YYYYQ, e.g. 20261 for Q1 2026).
"""

from __future__ import annotations

import calendar
import datetime
from functools import lru_cache

from core.workcalendar import is_workday

from .models import TouchpointPlan, Trigger

ONE_DAY = datetime.timedelta(days=1)


def add_months(day: datetime.date, months: int) -> datetime.date:
    month_index = day.year * 12 + day.month - 1 + months
    year, month = divmod(month_index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return datetime.date(year, month + 1, min(day.day, last))


class WorkingDays:
    """is_workday, remembered for one run (a generation run asks about the same few hundred days)."""

    def __init__(self) -> None:
        self.is_workday = lru_cache(maxsize=4096)(is_workday)

    def on_or_after(self, day: datetime.date) -> datetime.date:
        while not self.is_workday(day):
            day += ONE_DAY
        return day

    def on_or_before(self, day: datetime.date) -> datetime.date:
        while not self.is_workday(day):
            day -= ONE_DAY
        return day

    def add(self, day: datetime.date, days: int) -> datetime.date:
        """`days` working days after `day` (0: `day` itself, or the next working day)."""
        if days == 0:
            return self.on_or_after(day)
        while days:
            day += ONE_DAY
            if self.is_workday(day):
                days -= 1
        return day

    def next_after(self, day: datetime.date) -> datetime.date:
        return self.add(day, 1)


def quarter_start(occurrence: int) -> datetime.date:
    year, quarter = divmod(occurrence, 10)
    return datetime.date(year, 3 * (quarter - 1) + 1, 1)


def quarter_occurrence(day: datetime.date) -> int:
    return day.year * 10 + (day.month - 1) // 3 + 1


def due_for(
    plan: TouchpointPlan,
    days: WorkingDays,
    *,
    signed_on: datetime.date | None,
    contractual_handover_on: datetime.date | None,
    handed_over_on: datetime.date | None,
    occurrence: int = 0,
) -> datetime.date | None:
    """The due date of `plan` for a contract with these dates; None when the contract has no such date."""
    trigger, offset = plan.trigger, plan.offset
    if trigger == Trigger.SIGNED and signed_on:
        return (
            days.add(signed_on, offset)
            if plan.working_days
            else days.on_or_after(signed_on + offset * ONE_DAY)
        )
    if trigger == Trigger.BEFORE_HANDOVER and contractual_handover_on and not handed_over_on:
        return days.on_or_before(contractual_handover_on - offset * ONE_DAY)
    if trigger == Trigger.HANDED_OVER and handed_over_on:
        if plan.working_days:
            return days.add(handed_over_on, offset)
        return days.on_or_after(handed_over_on + offset * ONE_DAY)
    if trigger == Trigger.MONTHS_AFTER_HANDOVER and handed_over_on:
        return days.on_or_after(add_months(handed_over_on, offset))
    if trigger == Trigger.YEARS_AFTER_HANDOVER and handed_over_on:
        return days.on_or_after(add_months(handed_over_on, 12 * offset))
    if trigger == Trigger.QUARTERLY and occurrence:
        return days.on_or_after(quarter_start(occurrence))
    return None


def quarters_between(lo: datetime.date, hi: datetime.date) -> list[int]:
    """The quarters whose first day lies in [lo, hi]."""
    found = []
    occurrence = quarter_occurrence(lo)
    while True:
        start = quarter_start(occurrence)
        if start > hi:
            return found
        if start >= lo:
            found.append(occurrence)
        year, quarter = divmod(occurrence, 10)
        occurrence = year * 10 + quarter + 1 if quarter < 4 else (year + 1) * 10 + 1


def in_construction(quarter: int, *, signed_on, contractual_handover_on, handed_over_on) -> bool:
    """A progress letter for this quarter: signed before it started and not handed over by then."""
    start = quarter_start(quarter)
    if not signed_on or signed_on >= start:
        return False
    if handed_over_on and handed_over_on <= start:
        return False
    return not (contractual_handover_on and contractual_handover_on <= start)
