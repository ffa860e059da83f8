"""Two sweeps at once on PostgreSQL: SKIP LOCKED splits the work, the unique SlaAlert refuses copies."""

import datetime
import threading

import pytest
from django.db import connection
from django.utils import timezone

from complaints import sla, tasks
from complaints.management.commands.bench_sla_sweep import bulk_due_complaints, quick_policy
from complaints.models import Complaint, SlaAlert
from tests.factories import CustomerFactory

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: SQLite has no SELECT … FOR UPDATE SKIP LOCKED and serialises writers",
    ),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def due_complaints(project, leak):
    customer = CustomerFactory(city_company=project.city_company)

    def make(count: int) -> list[Complaint]:
        return bulk_due_complaints(
            count=count,
            project=project,
            customer=customer,
            category=leak,
            policy=quick_policy("race (1 min)"),
            received_at=timezone.now() - datetime.timedelta(hours=1),
            prefix="RACE",
        )

    return make


def assert_exactly_once(complaints):
    pairs = list(SlaAlert.objects.values_list("complaint_id", "level"))
    assert len(pairs) == len(set(pairs)), "an escalation level fired twice"
    # Every level of every complaint is overdue: the (late) warning and levels 1-3, each exactly once.
    assert sorted(pairs) == sorted((c.pk, level) for c in complaints for level in (0, 1, 2, 3))
    assert set(Complaint.objects.values_list("escalation_level", flat=True)) == {3}


def test_two_threads_sweeping_200_due_complaints_fire_each_level_exactly_once(due_complaints):
    complaints = due_complaints(200)
    now = timezone.now()
    start = threading.Barrier(2)
    errors = []

    def sweep():
        try:
            start.wait()
            sla.sla_sweep(now=now, batch_size=20)  # small batches: the threads interleave
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()  # each thread has its own connection

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not errors
    assert_exactly_once(complaints)
    assert sla.sla_sweep(now=now) == 0  # and a later sweep finds nothing left


def test_a_sweep_task_that_runs_twice_fires_nothing_twice(due_complaints):
    complaints = due_complaints(30)

    first = tasks.sweep_sla.delay().result
    second = tasks.sweep_sla.delay().result

    assert (first, second) == (120, 0)  # a late warning and three levels each
    assert_exactly_once(complaints)
