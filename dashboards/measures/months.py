"""Reading monthly sums where they fit: which months of the page's periods lie wholly inside one period
(a source reads those from a table of monthly sums) and which days are left (it reads those from the
records, or a finer table). Months, quarters and years are whole months; days, weeks and custom
ranges leave part-months at their edges."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from .base import Period


def _next_month(day: datetime.date) -> datetime.date:
    return (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


@dataclass(frozen=True)
class MonthSplit:
    # A month's first day → the index of the period holding the whole month.
    months: dict[datetime.date, int]
    # [start, end) day ranges of the periods' span not covered by those months, in order.
    rest: list[tuple[datetime.date, datetime.date]]


def month_split(periods: list[Period]) -> MonthSplit:
    start, end = periods[0].start, periods[-1].end
    boundaries = sorted({period.start for period in periods} | {end})
    months: dict[datetime.date, int] = {}
    rest: list[tuple[datetime.date, datetime.date]] = []
    month = start.replace(day=1)
    index = 0
    while month < end:
        following = _next_month(month)
        whole = start <= month and following <= end and not any(month < b < following for b in boundaries)
        if whole:
            while periods[index].end <= month:
                index += 1
            months[month] = index
        else:
            low, high = max(month, start), min(following, end)
            if rest and rest[-1][1] == low:
                rest[-1] = (rest[-1][0], high)
            else:
                rest.append((low, high))
        month = following
    return MonthSplit(months=months, rest=rest)
