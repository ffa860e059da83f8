"""Follow-up deadlines on the shared escalation machinery: the warning and levels 1–3 each once with
their recipients (in-app and by email through the outbox), a late warning before level 1, a rerun
firing nothing, a closed follow-up stopping its clock, the Celery task, and two sweeps racing on
PostgreSQL."""

import datetime
import threading
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from accounts.models import Role
from core.escalation import SWEEP_TASKS
from core.models import OutboxMessage
from notifications.models import Notification
from surveys import deadlines, tasks
from surveys.models import FollowUp, FollowUpAlert
from surveys.services import follow_ups as services
from tests.factories import CustomerFactory, UserFactory
from tests.surveys.factories import completed_invitation

SHANGHAI = ZoneInfo("Asia/Shanghai")
LOW = {"overall": 5, "repurchase": 5, "recommend": 3, "quality": 5}


def at(*args):
    return datetime.datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def clock():
    # Monday 2 November 2026, 10:00 in Shenzhen.
    with time_machine.travel(at(2026, 11, 2, 10, 0), tick=False) as traveller:
        yield traveller


@pytest.fixture
def follow_up(clock, owner, project):
    """Completed Monday 10:00: due Wednesday 4 November 10:00 (18 working hours), warned at 75 %."""
    invitation = completed_invitation(LOW, customer=owner, project=project)
    return services.follow_up_open(invitation=invitation)


def sweep() -> int:
    return deadlines.follow_up_escalation_sweep()


def told(kind: str) -> set[int]:
    return set(Notification.objects.filter(kind=kind).values_list("recipient", flat=True))


def levels_fired(follow_up) -> list[int]:
    return sorted(FollowUpAlert.objects.filter(follow_up=follow_up).values_list("level", flat=True))


@pytest.mark.django_db
def test_each_step_fires_once_to_the_right_people(clock, project, city, city_head, supervisor):
    agent = UserFactory(username="agent", role=Role.CS_AGENT, projects=[project], email="agent@example.com")
    owner = CustomerFactory(city_company=city, registered_project=project)
    invitation = completed_invitation(LOW, customer=owner, project=project)
    follow_up = services.follow_up_open(invitation=invitation)
    assert follow_up.assignee == agent
    assert follow_up.due_at == at(2026, 11, 4, 10, 0)
    assert follow_up.next_check_at == at(2026, 11, 3, 14, 30)  # 13.5 working hours

    clock.move_to(at(2026, 11, 3, 14, 29))
    assert sweep() == 0
    clock.move_to(at(2026, 11, 3, 14, 30))
    assert sweep() == 1
    follow_up.refresh_from_db()
    assert follow_up.warned and deadlines.follow_up_deadline_state(follow_up) == "warning"
    assert told("survey_follow_up_warning") == {agent.pk}
    assert sweep() == 0  # a rerun fires nothing twice

    clock.move_to(at(2026, 11, 4, 10, 0))
    assert sweep() == 1
    assert told("survey_follow_up_escalation_1") == {agent.pk}
    follow_up.refresh_from_db()
    assert deadlines.follow_up_deadline_state(follow_up) == "overdue"

    clock.move_to(at(2026, 11, 5, 10, 0))  # level 2 after 24 hours
    assert sweep() == 1
    assert told("survey_follow_up_escalation_2") == {supervisor.pk}

    clock.move_to(at(2026, 11, 7, 10, 0))  # level 3 after 72 hours
    assert sweep() == 1
    assert told("survey_follow_up_escalation_3") == {city_head.pk}

    clock.move_to(at(2026, 11, 30, 10, 0))
    assert sweep() == 0
    follow_up.refresh_from_db()
    assert follow_up.escalation_level == 3 and follow_up.next_check_at is None
    assert levels_fired(follow_up) == [0, 1, 2, 3]
    # The agent has an address: one email per step they heard of, keyed by the step.
    emails = OutboxMessage.objects.filter(recipient="agent@example.com").order_by("kind")
    assert [m.kind for m in emails] == ["survey_follow_up_escalation_1", "survey_follow_up_warning"]


@pytest.mark.django_db
def test_unassigned_the_project_team_hears_the_warning(clock, follow_up, project, supervisor, agent):
    FollowUp.objects.filter(pk=follow_up.pk).update(assignee=None)
    clock.move_to(at(2026, 11, 3, 15, 0))
    assert sweep() == 1
    assert told("survey_follow_up_warning") == {agent.pk, supervisor.pk}


@pytest.mark.django_db
def test_a_late_warning_fires_before_level_1_and_says_so(clock, follow_up, agent):
    clock.move_to(at(2026, 11, 4, 11, 0))  # no sweep ran since Monday: both moments have passed
    assert sweep() == 2
    assert levels_fired(follow_up) == [0, 1]
    warning = Notification.objects.get(kind="survey_follow_up_warning")
    level_1 = Notification.objects.get(kind="survey_follow_up_escalation_1")
    assert "(late)" in warning.title and "already due" in warning.title
    assert warning.pk < level_1.pk  # written in firing order
    assert sweep() == 0


@pytest.mark.django_db
def test_after_an_outage_every_step_fires_once_in_order(clock, follow_up):
    clock.move_to(at(2026, 11, 20, 10, 0))
    assert sweep() == 4
    assert levels_fired(follow_up) == [0, 1, 2, 3]
    assert sweep() == 0


@pytest.mark.django_db
def test_a_closed_follow_up_stops_its_clock(clock, follow_up, agent):
    services.follow_up_record(
        follow_up=follow_up, by=agent, outcome="unreachable", note="三次未接", version=1
    )
    clock.move_to(at(2026, 11, 20, 10, 0))
    assert sweep() == 0
    assert not FollowUpAlert.objects.exists()
    follow_up.refresh_from_db()
    assert deadlines.follow_up_deadline_state(follow_up) == "stopped"


@pytest.mark.django_db
def test_the_sweep_task_is_registered_and_fires_due_steps(clock, follow_up):
    assert "surveys.tasks.sweep_follow_up_deadlines" in SWEEP_TASKS
    clock.move_to(at(2026, 11, 4, 10, 0))
    assert tasks.sweep_follow_up_deadlines.delay().result == 2
    assert tasks.sweep_follow_up_deadlines.delay().result == 0


# --- two sweeps racing (PostgreSQL) -------------------------------------------------------------------

needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL: SQLite has no SELECT … FOR UPDATE SKIP LOCKED and serialises writers",
)


def _due_follow_ups(count, *, owner, project, assignee) -> list[FollowUp]:
    """`count` open follow-ups whose every step is due (completed a month ago)."""
    start = timezone.now() - datetime.timedelta(days=30)
    rows = []
    for _index in range(count):
        invitation = completed_invitation(LOW, customer=owner, project=project, completed_at=start)
        follow_up = FollowUp(
            invitation=invitation,
            customer=owner,
            city_company_id=invitation.city_company_id,
            project=project,
            reason="推荐意愿 3",
            assignee=assignee,
        )
        deadlines.start_clock(follow_up, start=start)
        rows.append(follow_up)
    return FollowUp.objects.bulk_create(rows)


def _assert_exactly_once(follow_ups):
    pairs = list(FollowUpAlert.objects.values_list("follow_up_id", "level"))
    assert len(pairs) == len(set(pairs)), "a step fired twice"
    assert sorted(pairs) == sorted((f.pk, level) for f in follow_ups for level in (0, 1, 2, 3))
    assert set(FollowUp.objects.values_list("escalation_level", flat=True)) == {3}


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_two_threads_sweeping_the_same_follow_ups_fire_each_level_exactly_once(owner, project, agent):
    follow_ups = _due_follow_ups(60, owner=owner, project=project, assignee=agent)
    now = timezone.now()
    start = threading.Barrier(2)
    errors = []

    def run():
        try:
            start.wait()
            deadlines.follow_up_escalation_sweep(
                now=now, batch_size=10
            )  # small batches: the threads interleave
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not errors
    _assert_exactly_once(follow_ups)
    assert deadlines.follow_up_escalation_sweep(now=now) == 0
    # Level 1 goes to the assignee: once per follow-up.
    assert Notification.objects.filter(kind="survey_follow_up_escalation_1", recipient=agent).count() == 60


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_a_sweep_task_that_runs_twice_fires_nothing_twice(owner, project, agent):
    follow_ups = _due_follow_ups(20, owner=owner, project=project, assignee=agent)
    first, second = (
        tasks.sweep_follow_up_deadlines.delay().result,
        tasks.sweep_follow_up_deadlines.delay().result,
    )
    assert (first, second) == (80, 0)  # a late warning and three levels each
    _assert_exactly_once(follow_ups)
