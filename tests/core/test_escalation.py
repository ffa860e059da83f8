"""core.escalation.plan_step: what fires for a clocked row, shared by complaint SLAs and defect deadlines."""

import datetime

from core.escalation import plan_step

DUE = datetime.datetime(2026, 11, 20, 12, 0, tzinfo=datetime.UTC)
HOUR = datetime.timedelta(hours=1)
OFFSETS = {1: datetime.timedelta(0), 2: 4 * HOUR, 3: 24 * HOUR}


def step(now, *, warned=False, level=0):
    return plan_step(object(), due=DUE, warned=warned, level=level, offsets=OFFSETS, now=now)


def test_before_the_due_time_only_the_warning_fires_and_the_next_check_is_the_due_time():
    s = step(DUE - HOUR)
    assert (s.levels, s.warned, s.new_level, s.next_check) == ([0], True, 0, DUE)


def test_a_warned_row_before_its_due_time_fires_nothing():
    assert step(DUE - HOUR, warned=True).levels == []


def test_at_the_due_time_level_one_fires_and_level_two_is_next():
    s = step(DUE, warned=True)
    assert (s.levels, s.new_level, s.next_check) == ([1], 1, DUE + 4 * HOUR)


def test_after_an_outage_every_missed_step_fires_in_order_the_warning_first_and_nothing_is_left_to_check():
    s = step(DUE + 30 * HOUR)
    assert (s.levels, s.new_level, s.next_check, s.late_warning) == ([0, 1, 2, 3], 3, None, True)


def test_a_warning_whose_time_passed_between_two_sweeps_fires_late_before_level_one():
    s = step(DUE + HOUR)
    assert (s.levels, s.warned, s.new_level, s.next_check) == ([0, 1], True, 1, DUE + 4 * HOUR)
    assert s.late_warning


def test_a_warning_on_time_is_not_marked_late():
    assert step(DUE - HOUR).late_warning is False


def test_a_late_warning_fires_once_the_next_sweep_fires_only_the_next_level():
    first = step(DUE + HOUR)
    second = step(DUE + 5 * HOUR, warned=first.warned, level=first.new_level)
    assert (second.levels, second.late_warning) == ([2], False)


def test_a_row_without_a_warning_step_escalates_without_one():
    s = plan_step(object(), due=DUE, warned=False, level=0, offsets=OFFSETS, now=DUE + HOUR, warns=False)
    assert (s.levels, s.late_warning) == ([1], False)


def test_levels_already_fired_do_not_fire_again():
    s = step(DUE + 5 * HOUR, warned=True, level=1)
    assert (s.levels, s.new_level, s.next_check) == ([2], 2, DUE + 24 * HOUR)


def test_a_row_without_a_due_time_fires_nothing_and_is_not_checked_again():
    s = plan_step(object(), due=None, warned=False, level=0, offsets=OFFSETS, now=DUE)
    assert (s.levels, s.next_check) == ([], None)
