"""month_split: the months wholly inside one period, and the days left for the finer rows."""

import datetime

from dashboards.measures.base import Period, PeriodKind
from dashboards.measures.months import month_split

D = datetime.date


def test_calendar_months_and_years_are_whole_months():
    periods = Period.containing(PeriodKind.QUARTER, D(2026, 3, 15)).trend()
    split = month_split(periods)
    assert split.rest == []
    assert len(split.months) == 36 and split.months[D(2026, 3, 1)] == 11 and split.months[D(2023, 4, 1)] == 0


def test_days_and_weeks_leave_part_months():
    split = month_split(Period.containing(PeriodKind.WEEK, D(2026, 3, 4)).trend())
    # Weeks start inside every month: no month is whole, one run of days from the first Monday.
    assert split.months == {} and split.rest == [(D(2025, 12, 15), D(2026, 3, 9))]
    days = month_split(Period.containing(PeriodKind.DAY, D(2026, 3, 5)).trend())
    assert days.months == {} and days.rest == [(D(2026, 2, 22), D(2026, 3, 6))]


def test_a_custom_range_reads_whole_months_inside_and_the_edges_by_day():
    periods = [Period.custom(D(2025, 12, 20), D(2026, 3, 10)), Period.custom(D(2026, 3, 11), D(2026, 5, 31))]
    split = month_split(periods)
    assert split.months == {D(2026, 1, 1): 0, D(2026, 2, 1): 0, D(2026, 4, 1): 1, D(2026, 5, 1): 1}
    assert split.rest == [(D(2025, 12, 20), D(2026, 1, 1)), (D(2026, 3, 1), D(2026, 4, 1))]
