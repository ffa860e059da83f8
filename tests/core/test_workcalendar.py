"""The working-time calendar: statutory holidays, 调休, overrides, business hours, warnings."""

import datetime
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
import time_machine
from django.core.cache import cache
from django.test import RequestFactory
from django.urls import reverse

from accounts.models import Role
from core import workcalendar
from core.context_processors import calendar_warning
from core.models import CalendarDay
from core.workcalendar import (
    TimeBasis,
    add_time,
    add_working_days,
    add_working_time,
    calendar_gap_warning,
    is_workday,
    time_between,
    working_time_between,
)
from tests.factories import UserFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
HOUR = datetime.timedelta(hours=1)


def at(year, month, day, hour=0, minute=0) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def _fresh_calendar_cache(db):
    """Overrides are cached per process; rolled-back rows must not leak between tests."""
    workcalendar.clear_cache()
    cache.clear()
    yield
    workcalendar.clear_cache()
    cache.clear()


@pytest.fixture
def business_hours(settings):
    settings.SLA_BUSINESS_HOURS = (datetime.time(9), datetime.time(18))


def holiday(date, name="") -> CalendarDay:
    return CalendarDay.objects.create(date=date, kind=CalendarDay.Kind.HOLIDAY, name=name)


def workday(date, name="") -> CalendarDay:
    return CalendarDay.objects.create(date=date, kind=CalendarDay.Kind.WORKDAY, name=name)


# --- the 2026 National Day schedule, as the package has it --------------------------------


def test_the_package_has_the_2026_national_day_schedule_the_tests_rely_on():
    assert chinese_calendar.is_workday(datetime.date(2026, 9, 30))
    assert not any(chinese_calendar.is_workday(datetime.date(2026, 10, d)) for d in range(1, 8))
    assert chinese_calendar.is_workday(datetime.date(2026, 10, 8))
    assert chinese_calendar.is_workday(datetime.date(2026, 10, 9))
    # 调休: Saturday 10 October 2026 is a working day.
    assert datetime.date(2026, 10, 10).weekday() == 5
    assert chinese_calendar.is_workday(datetime.date(2026, 10, 10))


def test_complaint_at_1730_before_national_day_plus_24_working_hours_lands_on_the_make_up_saturday(
    business_hours,
):
    # 30 Sep 17:30–18:00 (0.5 h), 8 Oct (9 h), 9 Oct (9 h) = 18.5 h; 5.5 h more on Sat 10 Oct.
    assert add_working_time(at(2026, 9, 30, 17, 30), 24 * HOUR) == at(2026, 10, 10, 14, 30)


def test_two_working_days_from_noon_before_national_day_skip_the_golden_week(business_hours):
    # A rectification deadline: 30 Sep 12:00–18:00 (6 h), 8 Oct (9 h), 3 h on 9 Oct.
    assert add_working_days(at(2026, 9, 30, 12), 2) == at(2026, 10, 9, 12)


def test_one_working_hour_from_1730_before_national_day_ends_on_8_october(business_hours):
    # 0.5 h on 30 Sep, then the week 1–7 Oct is off, 0.5 h on 8 Oct.
    assert add_working_time(at(2026, 9, 30, 17, 30), HOUR) == at(2026, 10, 8, 9, 30)


def test_a_start_given_in_utc_gives_the_same_deadline(business_hours):
    start = datetime.datetime(2026, 9, 30, 9, 30, tzinfo=datetime.UTC)  # 17:30 in Shanghai
    deadline = add_working_time(start, 24 * HOUR)
    assert deadline == at(2026, 10, 10, 14, 30)
    assert deadline.utcoffset() == datetime.timedelta(hours=8)


def test_a_make_up_sunday_counts_as_a_workday(business_hours):
    assert datetime.date(2026, 9, 20).weekday() == 6
    assert is_workday(datetime.date(2026, 9, 20))
    assert not is_workday(datetime.date(2026, 9, 19))
    # Saturday 19 Sep is off; the make-up Sunday opens at 09:00.
    assert add_working_time(at(2026, 9, 19, 10), HOUR) == at(2026, 9, 20, 10)


# --- business hours --------------------------------------------------------------------------


def test_zero_duration_rolls_a_night_start_forward_to_the_next_opening(business_hours):
    assert add_working_time(at(2026, 6, 9, 22), datetime.timedelta(0)) == at(2026, 6, 10, 9)
    assert add_working_time(at(2026, 6, 9, 18), datetime.timedelta(0)) == at(2026, 6, 10, 9)
    assert add_working_time(at(2026, 6, 10, 3), datetime.timedelta(0)) == at(2026, 6, 10, 9)
    assert add_working_time(at(2026, 6, 10, 11), datetime.timedelta(0)) == at(2026, 6, 10, 11)


def test_a_deadline_that_uses_up_the_day_ends_at_closing_time(business_hours):
    assert add_working_time(at(2026, 6, 10, 9), 9 * HOUR) == at(2026, 6, 10, 18)


def test_business_hours_come_from_settings(settings):
    settings.SLA_BUSINESS_HOURS = (datetime.time(8, 30), datetime.time(17, 30))
    assert add_working_time(at(2026, 6, 10, 17), HOUR) == at(2026, 6, 11, 9)
    assert working_time_between(at(2026, 6, 10, 0), at(2026, 6, 11, 0)) == 9 * HOUR


def test_naive_datetimes_and_negative_durations_are_refused(business_hours):
    with pytest.raises(ValueError):
        add_working_time(datetime.datetime(2026, 6, 10, 9), HOUR)
    with pytest.raises(ValueError):
        add_working_time(at(2026, 6, 10, 9), -HOUR)


# --- overrides -------------------------------------------------------------------------------


def test_an_override_holiday_on_a_normal_weekday_is_skipped(business_hours):
    assert is_workday(datetime.date(2026, 6, 10))  # a Wednesday in the package
    holiday(datetime.date(2026, 6, 10), name="台风停工")
    assert not is_workday(datetime.date(2026, 6, 10))
    # 1 h on Tuesday, Wednesday skipped, 1 h on Thursday.
    assert add_working_time(at(2026, 6, 9, 17), 2 * HOUR) == at(2026, 6, 11, 10)


def test_an_override_workday_on_a_sunday_counts(business_hours):
    assert not is_workday(datetime.date(2026, 6, 14))
    workday(datetime.date(2026, 6, 14), name="加班日")
    assert is_workday(datetime.date(2026, 6, 14))
    assert add_working_time(at(2026, 6, 12, 17), 2 * HOUR) == at(2026, 6, 14, 10)


def test_deleting_an_override_takes_effect_at_once():
    day = holiday(datetime.date(2026, 6, 10))
    assert not is_workday(datetime.date(2026, 6, 10))
    day.delete()
    assert is_workday(datetime.date(2026, 6, 10))


def test_overrides_are_cached_and_reread_after_the_ttl(monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(workcalendar.time, "monotonic", lambda: clock[0])
    assert is_workday(datetime.date(2026, 6, 10))
    # A bulk write sends no signal: the cached year stays until the TTL runs out.
    CalendarDay.objects.bulk_create([CalendarDay(date=datetime.date(2026, 6, 10), kind="holiday")])
    assert is_workday(datetime.date(2026, 6, 10))
    clock[0] += workcalendar.OVERRIDES_TTL_SECONDS + 1
    assert not is_workday(datetime.date(2026, 6, 10))


def test_one_query_per_year_however_long_the_duration(business_hours, django_assert_num_queries):
    with django_assert_num_queries(2):  # the overrides of 2026 and of 2027, once each
        deadline = add_working_time(at(2026, 6, 10, 9), 200 * 9 * HOUR)
        assert working_time_between(at(2026, 6, 10, 9), deadline) == 200 * 9 * HOUR
    assert deadline.year == 2027


# --- years the package does not know ---------------------------------------------------------


def test_2027_without_overrides_falls_back_to_monday_to_friday(business_hours):
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(datetime.date(2027, 1, 4))
    assert is_workday(datetime.date(2027, 1, 1))  # a Friday: no 元旦 without an override
    assert not is_workday(datetime.date(2027, 1, 2))
    assert not is_workday(datetime.date(2027, 1, 3))
    assert is_workday(datetime.date(2027, 1, 4))
    # Friday 17:00 + 2 h: 1 h on Friday, the weekend off, 1 h on Monday.
    assert add_working_time(at(2027, 1, 8, 17), 2 * HOUR) == at(2027, 1, 11, 10)


@pytest.mark.parametrize(
    "date",
    [
        datetime.date(1, 1, 1),
        datetime.date(2003, 12, 31),
        datetime.date(2099, 7, 4),
        datetime.date(9999, 12, 31),
    ],
)
def test_is_workday_never_raises_outside_the_package(date):
    assert is_workday(date) == (date.weekday() < 5)


def test_every_day_of_2027_is_answered():
    day = datetime.date(2027, 1, 1)
    workdays = 0
    while day.year == 2027:
        workdays += is_workday(day)
        day += datetime.timedelta(days=1)
    assert workdays == 261  # the Mondays to Fridays of 2027


def test_2027_with_overrides_uses_them(business_hours):
    holiday(datetime.date(2027, 1, 1), name="元旦")
    workday(datetime.date(2027, 2, 6), name="春节调休")
    assert not is_workday(datetime.date(2027, 1, 1))
    assert is_workday(datetime.date(2027, 2, 6))  # a Saturday
    assert is_workday(datetime.date(2027, 1, 4))  # not overridden: Monday–Friday
    assert add_working_time(at(2026, 12, 31, 17), 2 * HOUR) == at(2027, 1, 4, 10)


# --- measuring working time ------------------------------------------------------------------


def test_working_time_between_across_a_weekend(business_hours):
    assert working_time_between(at(2026, 6, 12, 17), at(2026, 6, 15, 10)) == 2 * HOUR


def test_working_time_between_across_the_national_day_holiday(business_hours):
    assert working_time_between(at(2026, 9, 30, 17, 30), at(2026, 10, 8, 10)) == 1.5 * HOUR
    assert working_time_between(at(2026, 10, 1, 9), at(2026, 10, 7, 18)) == datetime.timedelta(0)


def test_working_time_between_is_zero_when_the_end_is_not_after_the_start(business_hours):
    assert working_time_between(at(2026, 6, 10, 12), at(2026, 6, 10, 12)) == datetime.timedelta(0)
    assert working_time_between(at(2026, 6, 10, 12), at(2026, 6, 9, 12)) == datetime.timedelta(0)


def test_add_time_clock_versus_working(business_hours):
    start = at(2026, 9, 30, 17, 30)
    assert add_time(start, 24 * HOUR, TimeBasis.CLOCK) == at(2026, 10, 1, 17, 30)
    assert add_time(start, 24 * HOUR, TimeBasis.WORKING) == at(2026, 10, 10, 14, 30)
    assert add_time(start, 24 * HOUR, "working") == at(2026, 10, 10, 14, 30)
    with pytest.raises(ValueError):
        add_time(start, HOUR, "lunar")


def test_time_between_clock_versus_working(business_hours):
    start, end = at(2026, 9, 30, 17, 30), at(2026, 10, 8, 10)
    assert time_between(start, end, TimeBasis.CLOCK) == datetime.timedelta(days=7, hours=16, minutes=30)
    assert time_between(start, end, TimeBasis.WORKING) == 1.5 * HOUR
    assert time_between(end, start, TimeBasis.CLOCK) == datetime.timedelta(0)


ROUND_TRIP_STARTS = [
    at(2026, 6, 10, 11, 17),  # a weekday morning
    at(2026, 6, 10, 3),  # night before opening
    at(2026, 6, 10, 23, 59),  # night after closing
    at(2026, 6, 10, 9),  # exactly at opening
    at(2026, 6, 10, 18),  # exactly at closing
    at(2026, 6, 13, 14),  # a Saturday
    at(2026, 10, 3, 12),  # inside the National Day holiday
    at(2026, 9, 30, 17, 30),  # just before the holiday
    at(2026, 12, 31, 16, 45),  # crossing into 2027 (Monday–Friday fallback)
]
ROUND_TRIP_DURATIONS = [
    datetime.timedelta(0),
    datetime.timedelta(minutes=1),
    datetime.timedelta(seconds=90, microseconds=5),
    HOUR,
    9 * HOUR,
    24 * HOUR,
    100 * HOUR + datetime.timedelta(minutes=7),
    300 * 9 * HOUR,
]


@pytest.mark.parametrize("start", ROUND_TRIP_STARTS, ids=lambda s: s.strftime("%Y%m%d-%H%M"))
def test_working_time_between_undoes_add_working_time(business_hours, start):
    for duration in ROUND_TRIP_DURATIONS:
        deadline = add_working_time(start, duration)
        assert working_time_between(start, deadline) == duration, duration
        local = deadline.astimezone(SHANGHAI)
        assert is_workday(local.date())
        assert datetime.time(9) <= local.time() <= datetime.time(18)


# --- the missing-year warning ----------------------------------------------------------------


def test_no_warning_before_november_when_the_current_year_is_covered():
    assert calendar_gap_warning(datetime.date(2026, 10, 31)) is None


def test_warning_from_1_november_when_next_year_is_not_entered():
    message = calendar_gap_warning(datetime.date(2026, 11, 1))
    assert message is not None
    assert "2027" in message
    assert "Calendar days" in message


def test_no_warning_once_next_year_has_an_override():
    holiday(datetime.date(2027, 1, 1), name="元旦")
    assert calendar_gap_warning(datetime.date(2026, 11, 1)) is None


def test_warning_any_day_when_the_current_year_is_not_covered():
    message = calendar_gap_warning(datetime.date(2027, 3, 1))
    assert message is not None
    assert "2027" in message


# --- shown to administrators -----------------------------------------------------------------

NOVEMBER_2026 = datetime.datetime(2026, 11, 2, 10, tzinfo=SHANGHAI)


def context_for(user) -> dict:
    request = RequestFactory().get("/")
    request.user = user
    return calendar_warning(request)


@pytest.mark.parametrize("role", [Role.GROUP_ADMIN, Role.CITY_HEAD])
def test_the_context_processor_warns_calendar_administrators(role):
    with time_machine.travel(NOVEMBER_2026, tick=False):
        context = context_for(UserFactory(role=role))
        assert "2027" in str(context["calendar_warning"])


@pytest.mark.parametrize("role", [Role.CS_AGENT, Role.CS_SUPERVISOR, Role.CONTRACTOR])
def test_the_context_processor_says_nothing_to_other_roles(role):
    with time_machine.travel(NOVEMBER_2026, tick=False):
        assert context_for(UserFactory(role=role)) == {}


def test_the_warning_is_computed_once_a_day(django_assert_num_queries):
    admin = UserFactory(role=Role.GROUP_ADMIN)
    with time_machine.travel(NOVEMBER_2026, tick=False):
        with django_assert_num_queries(1):  # does 2027 have any override?
            assert str(context_for(admin)["calendar_warning"])
        with django_assert_num_queries(0):
            assert str(context_for(admin)["calendar_warning"])


def test_group_admin_sees_the_warning_on_the_home_page_and_an_agent_does_not(client, group_admin, agent):
    with time_machine.travel(NOVEMBER_2026, tick=False):
        client.force_login(group_admin)
        page = client.get(reverse("home")).content.decode()
        assert 'id="calendar-warning"' in page
        assert "2027" in page
        assert reverse("admin:core_calendarday_changelist") in page

        client.force_login(agent)
        page = client.get(reverse("home")).content.decode()
        assert 'id="calendar-warning"' not in page


def test_the_warning_disappears_as_soon_as_the_year_is_entered(client, group_admin):
    with time_machine.travel(NOVEMBER_2026, tick=False):
        client.force_login(group_admin)
        assert 'id="calendar-warning"' in client.get(reverse("home")).content.decode()
        holiday(datetime.date(2027, 1, 1), name="元旦")
        assert 'id="calendar-warning"' not in client.get(reverse("home")).content.decode()


# --- the admin -------------------------------------------------------------------------------


def test_group_admin_enters_a_calendar_day_in_the_admin(client, group_admin):
    client.force_login(group_admin)
    response = client.post(
        reverse("admin:core_calendarday_add"),
        {"date": "2027-10-01", "kind": "holiday", "name": "国庆节"},
    )
    assert response.status_code == 302
    day = CalendarDay.objects.get(date=datetime.date(2027, 10, 1))
    assert day.created_by == group_admin
    assert not is_workday(datetime.date(2027, 10, 1))


def test_staff_outside_the_calendar_roles_cannot_open_calendar_days(client, project):
    client.force_login(UserFactory(role=Role.CS_SUPERVISOR, is_staff=True, projects=[project]))
    assert client.get(reverse("admin:core_calendarday_changelist")).status_code == 403
