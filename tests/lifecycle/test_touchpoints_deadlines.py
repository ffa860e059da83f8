"""Overdue touchpoints warn and escalate once per step on the shared sweep."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest

from accounts.models import Role
from core.escalation import SWEEP_TASKS
from lifecycle.deadlines import touchpoint_escalation_sweep
from lifecycle.models import TouchpointAlert
from notifications.models import Notification
from tests.factories import UserFactory
from tests.lifecycle.factories import TouchpointFactory

SH = ZoneInfo("Asia/Shanghai")


def at(day: int, hour: int) -> datetime.datetime:
    return datetime.datetime(2025, 6, day, hour, 0, tzinfo=SH)


@pytest.mark.django_db
def test_each_step_fires_once(project, city):
    agent = UserFactory(role=Role.CS_AGENT, projects=[project], email="a@example.com")
    supervisor = UserFactory(role=Role.CS_SUPERVISOR, projects=[project])
    head = UserFactory(role=Role.CITY_HEAD, city_companies=[city])
    touchpoint = TouchpointFactory(
        contract__unit__building__project=project, due_on=datetime.date(2025, 6, 10)
    )
    assert touchpoint_escalation_sweep(now=at(10, 8)) == 0  # before opening
    assert touchpoint_escalation_sweep(now=at(10, 9)) == 1  # due today: the warning
    assert touchpoint_escalation_sweep(now=at(10, 12)) == 0
    assert touchpoint_escalation_sweep(now=at(10, 18)) == 1  # close of business: level 1
    assert touchpoint_escalation_sweep(now=at(12, 18)) == 1  # +48 h: level 2
    assert touchpoint_escalation_sweep(now=at(16, 18)) == 1  # +120 h: level 3
    assert touchpoint_escalation_sweep(now=at(30, 18)) == 0
    assert sorted(TouchpointAlert.objects.values_list("level", flat=True)) == [0, 1, 2, 3]
    got = {(n.recipient_id, n.kind) for n in Notification.objects.all()}
    assert (agent.pk, "touchpoint_warning") in got and (agent.pk, "touchpoint_escalation_1") in got
    assert (supervisor.pk, "touchpoint_escalation_2") in got and (head.pk, "touchpoint_escalation_3") in got
    touchpoint.refresh_from_db()
    assert touchpoint.escalation_level == 3 and touchpoint.next_check_at is None


@pytest.mark.django_db
def test_a_closed_touchpoint_is_silent_and_the_sweep_is_registered(project):
    TouchpointFactory(
        contract__unit__building__project=project, due_on=datetime.date(2025, 6, 10), status="done"
    )
    assert touchpoint_escalation_sweep(now=at(20, 9)) == 0
    assert "lifecycle.tasks.sweep_touchpoint_deadlines" in SWEEP_TASKS
