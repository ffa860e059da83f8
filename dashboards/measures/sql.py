"""Helpers for sources: bucketing rows into the page's periods inside one grouped query."""

from __future__ import annotations

from django.db.models import Case, F, Func, IntegerField, Q, Value, When

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


class PeriodIndex(Func):
    """The index of the period holding `field` (NULL outside them), for periods that follow each other
    (a trend, or consecutive days). On PostgreSQL `width_bucket(field, boundaries) - 1`: a binary search
    per row instead of `period_bucket`'s chain of comparisons; elsewhere `period_bucket`. Rows outside
    every period must be filtered out first (`in_periods`): width_bucket puts them at -1 or len(periods)."""

    output_field = IntegerField()

    def __init__(self, field: str, periods: list[Period], *, dates: bool = False):
        for before, after in zip(periods, periods[1:], strict=False):
            if before.end != after.start:
                raise ValueError("PeriodIndex needs periods that follow each other")
        if dates:
            self.bounds, self.cast = [p.start for p in periods] + [periods[-1].end], "date[]"
        else:
            self.bounds, self.cast = [p.start_at for p in periods] + [periods[-1].end_at], "timestamptz[]"
        super().__init__(F(field), period_bucket(field, periods, dates=dates))

    def as_postgresql(self, compiler, connection, **extra_context):
        field_sql, field_params = compiler.compile(self.source_expressions[0])
        return f"(width_bucket({field_sql}, %s::{self.cast}) - 1)", (*field_params, self.bounds)

    def as_sql(self, compiler, connection, **extra_context):
        return compiler.compile(self.source_expressions[1])


def in_periods(field: str, periods: list[Period], *, dates: bool = False) -> Q:
    """The whole span of the periods (a range an index serves), to filter before bucketing."""
    if dates:
        return Q(**{f"{field}__gte": periods[0].start, f"{field}__lt": periods[-1].end})
    return Q(**{f"{field}__gte": periods[0].start_at, f"{field}__lt": periods[-1].end_at})
