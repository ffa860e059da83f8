"""Overdue sales commitments on the shared sweep: the responsible department's staff and the project's
supervisors are warned once, the city heads hear once a week later, a rerun or a race repeats
nothing, and a settled or undated commitment stays silent."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Role
from core.escalation import SWEEP_TASKS
from core.models import OutboxMessage
from lifecycle.commitment_deadlines import CommitmentEscalationSweep, commitment_escalation_sweep
from lifecycle.models import Commitment, CommitmentAlert
from lifecycle.services import commitments as services
from notifications.models import Notification
from tests.factories import UserFactory
from tests.lifecycle.factories import CommitmentFactory

SH = ZoneInfo("Asia/Shanghai")
DUE = datetime.date(2026, 3, 10)


def at(day: int, hour: int) -> datetime.datetime:
    return datetime.datetime(2026, 3, day, hour, 0, tzinfo=SH)


@pytest.fixture
def people(project, city, other_project):
    return {
        "sales": UserFactory(
            username="sales",
            role=Role.DEPARTMENT_STAFF,
            department="sales",
            projects=[project],
            email="s@x.cn",
        ),
        "engineering": UserFactory(
            username="eng", role=Role.DEPARTMENT_STAFF, department="engineering", projects=[project]
        ),
        "supervisor": UserFactory(username="sup", role=Role.CS_SUPERVISOR, projects=[project]),
        "far_sales": UserFactory(
            username="far", role=Role.DEPARTMENT_STAFF, department="sales", projects=[other_project]
        ),
        "head": UserFactory(username="head", role=Role.CITY_HEAD, city_companies=[city], email="h@x.cn"),
    }


def _heard(kind: str) -> set[str]:
    return set(Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True))


@pytest.mark.django_db
def test_an_overdue_commitment_warns_once_then_escalates_once(people, contract):
    commitment = CommitmentFactory(contract=contract, department="sales", due_on=DUE, text="赠送一年物业费")
    assert commitment_escalation_sweep(now=at(10, 18)) == 0  # due today: not overdue yet
    assert commitment_escalation_sweep(now=at(11, 8)) == 0  # the next day, before opening
    assert commitment_escalation_sweep(now=at(11, 9)) == 1  # overdue: the warning
    assert commitment_escalation_sweep(now=at(11, 9)) == 0  # a rerun fires nothing
    assert commitment_escalation_sweep(now=at(17, 18)) == 0
    assert commitment_escalation_sweep(now=at(18, 9)) == 1  # 7 days on: the city head
    assert commitment_escalation_sweep(now=at(30, 9)) == 0  # and nothing more, ever
    assert sorted(CommitmentAlert.objects.values_list("level", flat=True)) == [0, 1]
    assert _heard("commitment_overdue") == {"sales", "sup"}  # not engineering, not another project's
    assert _heard("commitment_escalation") == {"head"}
    assert Notification.objects.count() == 3
    mails = OutboxMessage.objects.filter(kind__startswith="commitment_")
    assert sorted(mails.values_list("recipient", flat=True)) == ["h@x.cn", "s@x.cn"]
    commitment.refresh_from_db()
    assert (commitment.warned, commitment.escalation_level) == (True, 1)


@pytest.mark.django_db
def test_a_sweep_after_an_outage_fires_both_steps_once_each(people, contract):
    CommitmentFactory(contract=contract, due_on=DUE)  # no department: the supervisors hear
    assert commitment_escalation_sweep(now=at(28, 12)) == 2
    assert commitment_escalation_sweep(now=at(29, 12)) == 0
    assert _heard("commitment_overdue") == {"sup"} and _heard("commitment_escalation") == {"head"}


@pytest.mark.django_db
def test_a_race_lost_on_the_alert_rows_rolls_the_batch_back(people, contract):
    commitment = CommitmentFactory(contract=contract, due_on=DUE)
    CommitmentAlert.objects.create(commitment=commitment, level=0)  # another sweep fired it first
    assert CommitmentEscalationSweep().batch(now=at(11, 9)) == (0, 0)
    commitment.refresh_from_db()
    assert commitment.warned is False and not Notification.objects.exists()


@pytest.mark.django_db
def test_settled_undated_and_moved_commitments(people, contract, supervisor):
    settled = CommitmentFactory(contract=contract, due_on=DUE)
    services.commitment_settle(by=supervisor, commitment=settled, status="fulfilled", version=1)
    CommitmentFactory(contract=contract, due_on=None)
    moved = CommitmentFactory(contract=contract, due_on=DUE)
    assert commitment_escalation_sweep(now=at(11, 9)) == 1  # only `moved`
    # The due date moves later: the warning already fired is not repeated; the escalation follows it.
    services.commitment_update(by=supervisor, commitment=moved, version=1, due_on=datetime.date(2026, 3, 20))
    assert commitment_escalation_sweep(now=at(21, 9)) == 0
    assert commitment_escalation_sweep(now=at(27, 9)) == 0
    assert commitment_escalation_sweep(now=at(28, 9)) == 1
    assert list(CommitmentAlert.objects.values_list("commitment_id", "level").order_by("level")) == [
        (moved.pk, 0),
        (moved.pk, 1),
    ]


@pytest.mark.django_db
def test_a_batch_costs_the_same_for_few_or_many(people, contract, project):
    for _ in range(3):
        CommitmentFactory(contract=contract, department="sales", due_on=DUE)
    with CaptureQueriesContext(connection) as few:
        commitment_escalation_sweep(now=at(28, 9))
    Commitment.objects.all().delete()
    CommitmentAlert.objects.all().delete()
    for _ in range(20):
        CommitmentFactory(contract=contract, department="sales", due_on=DUE)
    with CaptureQueriesContext(connection) as many:
        commitment_escalation_sweep(now=at(28, 9))
    # claim, state, alerts, recipients, notifications, addresses, outbox (an insert of
    # many rows may be split into chunks: 20 rows stay in one)
    assert len(many) == len(few)
    assert CommitmentAlert.objects.count() == 40


def test_the_sweep_is_registered():
    assert "lifecycle.tasks.sweep_commitment_deadlines" in SWEEP_TASKS
