"""The working-time calendar that SLA deadlines are computed on (工作时间).

A working day is decided, in this order, by an administrator's `CalendarDay` row, the
`chinesecalendar` package (statutory holidays and make-up working days, 调休), and for a year
the package does not know yet, Monday to Friday. Working hours are one continuous window per
working day, `settings.SLA_BUSINESS_HOURS`, in `settings.TIME_ZONE` local time.

Every function takes and returns aware datetimes; the arithmetic happens in local time.
"""

from __future__ import annotations

import datetime
import threading
import time
from zoneinfo import ZoneInfo

import chinese_calendar
from django.conf import settings
from django.core.cache import cache
from django.db import models
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.models import CalendarDay

ONE_DAY = datetime.timedelta(days=1)
UTC = datetime.UTC
# Overrides are read once per year and process for this long; a save or delete clears them at once
# in this process, the TTL bounds how long other processes (workers) keep the old schedule.
OVERRIDES_TTL_SECONDS = 60.0
# A guard against a calendar with no working day at all (e.g. every day entered as a holiday).
MAX_CONSECUTIVE_DAYS_OFF = 3 * 366


class TimeBasis(models.TextChoices):
    CLOCK = "clock", _("Clock time (自然时间)")
    WORKING = "working", _("Working time (工作时间)")


_overrides_lock = threading.Lock()
_overrides_by_year: dict[int, tuple[float, dict[datetime.date, str]]] = {}


def clear_cache() -> None:
    """Forget the cached overrides and today's cached calendar warning."""
    with _overrides_lock:
        _overrides_by_year.clear()
    cache.delete(gap_cache_key(timezone.localdate(timezone.now(), _local_zone())))


def _year_overrides(year: int) -> dict[datetime.date, str]:
    now = time.monotonic()
    hit = _overrides_by_year.get(year)
    if hit is not None and now - hit[0] < OVERRIDES_TTL_SECONDS:
        return hit[1]
    overrides = dict(
        CalendarDay.objects.filter(
            date__gte=datetime.date(year, 1, 1), date__lte=datetime.date(year, 12, 31)
        ).values_list("date", "kind")
    )
    with _overrides_lock:
        _overrides_by_year[year] = (now, overrides)
    return overrides


def _package_knows(year: int) -> bool:
    try:
        chinese_calendar.is_workday(datetime.date(year, 6, 1))
    except NotImplementedError:
        return False
    return True


def is_workday(day: datetime.date) -> bool:
    """Whether `day` is a working day: override row, else the statutory calendar, else Mon–Fri."""
    kind = _year_overrides(day.year).get(day)
    if kind is not None:
        return kind == CalendarDay.Kind.WORKDAY
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        # The package covers 2004 up to the last published year; outside it, a plain office week.
        return day.weekday() < 5


def _local_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _to_local(moment: datetime.datetime) -> datetime.datetime:
    if timezone.is_naive(moment):
        raise ValueError("Working-time arithmetic needs aware datetimes.")
    return moment.astimezone(_local_zone())


def _business_window(day: datetime.date, zone: ZoneInfo) -> tuple[datetime.datetime, datetime.datetime]:
    opening, closing = settings.SLA_BUSINESS_HOURS
    return (
        datetime.datetime.combine(day, opening, tzinfo=zone),
        datetime.datetime.combine(day, closing, tzinfo=zone),
    )


def _elapsed(earlier: datetime.datetime, later: datetime.datetime) -> datetime.timedelta:
    # Through UTC: subtracting two datetimes of one ZoneInfo ignores any DST change between them.
    return later.astimezone(UTC) - earlier.astimezone(UTC)


def _plus(moment: datetime.datetime, duration: datetime.timedelta) -> datetime.datetime:
    return (moment.astimezone(UTC) + duration).astimezone(moment.tzinfo)


def add_working_time(start: datetime.datetime, duration: datetime.timedelta) -> datetime.datetime:
    """The moment `duration` of working time after `start`.

    A start outside working hours counts from the next opening; a zero duration returns that
    opening. A deadline that uses up a day exactly ends at closing time, not the next morning.
    """
    if duration < datetime.timedelta(0):
        raise ValueError("A working-time duration cannot be negative.")
    zone = _local_zone()
    cursor = _to_local(start)
    remaining = duration
    day = cursor.date()
    days_off = 0
    while True:
        if is_workday(day):
            days_off = 0
            opening, closing = _business_window(day, zone)
            begin = max(cursor, opening)
            if begin < closing:
                available = _elapsed(begin, closing)
                if remaining <= available:
                    return _plus(begin, remaining)
                remaining -= available
        else:
            days_off += 1
            if days_off > MAX_CONSECUTIVE_DAYS_OFF:
                raise ValueError("The working calendar has no working day for three years.")
        day += ONE_DAY


def working_time_between(start: datetime.datetime, end: datetime.datetime) -> datetime.timedelta:
    """Working time from `start` to `end`; zero when `end` is not after `start`."""
    total = datetime.timedelta(0)
    if end <= start:
        return total
    zone = _local_zone()
    start, end = _to_local(start), _to_local(end)
    day = start.date()
    while day <= end.date():
        if is_workday(day):
            opening, closing = _business_window(day, zone)
            begin, finish = max(opening, start), min(closing, end)
            if begin < finish:
                total += _elapsed(begin, finish)
        day += ONE_DAY
    return total


def working_day_length() -> datetime.timedelta:
    opening, closing = settings.SLA_BUSINESS_HOURS
    day = datetime.date(2000, 1, 3)
    return datetime.datetime.combine(day, closing) - datetime.datetime.combine(day, opening)


def add_working_days(start: datetime.datetime, days: int) -> datetime.datetime:
    """`days` full working days after `start` (a day is one business window, 09:00–18:00 by default)."""
    return add_working_time(start, working_day_length() * days)


def add_time(start: datetime.datetime, duration: datetime.timedelta, basis: str) -> datetime.datetime:
    """`start` plus `duration` of clock time or of working time, as `basis` says."""
    if basis == TimeBasis.WORKING:
        return add_working_time(start, duration)
    if basis == TimeBasis.CLOCK:
        _to_local(start)  # the same aware-only contract as working time
        return start + duration
    raise ValueError(f"Unknown time basis {basis!r}.")


def time_between(start: datetime.datetime, end: datetime.datetime, basis: str) -> datetime.timedelta:
    """Clock or working time from `start` to `end`; zero when `end` is not after `start`."""
    if basis == TimeBasis.WORKING:
        return working_time_between(start, end)
    if basis == TimeBasis.CLOCK:
        return max(_elapsed(_to_local(start), _to_local(end)), datetime.timedelta(0))
    raise ValueError(f"Unknown time basis {basis!r}.")


def _year_covered(year: int) -> bool:
    return (
        _package_knows(year)
        or CalendarDay.objects.filter(
            date__gte=datetime.date(year, 1, 1), date__lte=datetime.date(year, 12, 31)
        ).exists()
    )


def calendar_gap_year(today: datetime.date) -> int | None:
    """The first year whose holiday schedule is missing and matters by `today`, else None.

    The current year always matters; next year from 1 November, when the State Council has
    usually published it.
    """
    years = [today.year]
    if (today.month, today.day) >= (11, 1):
        years.append(today.year + 1)
    for year in years:
        if not _year_covered(year):
            return year
    return None


def calendar_gap_message(year: int) -> str:
    return gettext(
        "The statutory holiday schedule for %(year)s is not entered yet: working-time deadlines "
        "fall back to Monday–Friday. Enter it under Calendar days."
    ) % {"year": year}


def calendar_gap_warning(today: datetime.date) -> str | None:
    """A translated warning for administrators when a needed year's schedule is missing."""
    year = calendar_gap_year(today)
    return None if year is None else calendar_gap_message(year)


def gap_cache_key(today: datetime.date) -> str:
    return f"crm:calendar-gap-year:{today.isoformat()}"


@receiver([post_save, post_delete], sender=CalendarDay, dispatch_uid="core.workcalendar.clear_cache")
def _calendar_day_changed(sender, **kwargs) -> None:
    clear_cache()
