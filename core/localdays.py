"""Filters of datetime columns by local calendar days (a list's "from … until …" date filters).

A day is the current time zone's (Asia/Shanghai): from its local midnight to the next one, so a filter
of 1–31 March holds exactly what a dashboard counts in March (dashboards.measures.sql compares the
same midnights).
"""

from __future__ import annotations

import datetime

from django.db.models import Q
from django.utils import timezone


def local_day_start(day: datetime.date) -> datetime.datetime:
    """The local midnight that starts `day` (aware), for filters of datetimes by local dates."""
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=timezone.get_current_timezone())


def on_days(field: str, first: datetime.date | None, last: datetime.date | None) -> Q:
    """<field> (a datetime) on the local days first..last (inclusive; either may be open)."""
    condition = Q()
    if first:
        condition &= Q(**{f"{field}__gte": local_day_start(first)})
    if last:
        condition &= Q(**{f"{field}__lt": local_day_start(last + datetime.timedelta(days=1))})
    return condition
