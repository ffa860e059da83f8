"""Helpers for sources: bucketing rows into the page's periods inside one grouped query."""

from __future__ import annotations

from django.db.models import Case, IntegerField, Q, Value, When

from .base import Period


def period_bucket(field: str, periods: list[Period], *, dates: bool = False) -> Case:
    """CASE WHEN <field> in period i THEN i END: group by it to count per period in one query.
    `field` holds datetimes (compared with the periods' local midnights) or, with dates=True, dates."""
    whens = []
    for index, period in enumerate(periods):
        if dates:
            condition = Q(**{f"{field}__gte": period.start, f"{field}__lt": period.end})
        else:
            condition = Q(**{f"{field}__gte": period.start_at, f"{field}__lt": period.end_at})
        whens.append(When(condition, then=Value(index)))
    return Case(*whens, default=Value(None), output_field=IntegerField())


def in_periods(field: str, periods: list[Period], *, dates: bool = False) -> Q:
    """The whole span of the periods (a range an index serves), to filter before bucketing."""
    if dates:
        return Q(**{f"{field}__gte": periods[0].start, f"{field}__lt": periods[-1].end})
    return Q(**{f"{field}__gte": periods[0].start_at, f"{field}__lt": periods[-1].end_at})
