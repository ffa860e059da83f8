"""The SLA sweep through a real broker and a real worker (CI: Redis and PostgreSQL)."""

import datetime
import time

import pytest
from celery.worker import state as worker_state
from django.conf import settings
from django.utils import timezone

from complaints import tasks
from complaints.management.commands.bench_sla_sweep import quick_policy
from complaints.models import Complaint, SlaAlert
from complaints.services import complaint_create
from crm.celery import app as celery_app
from crm.queues import DEFAULT, QUEUES

pytestmark = [
    pytest.mark.skipif(
        not settings.CELERY_BROKER_URL.startswith("redis://"),
        reason="needs a Redis broker: set CELERY_BROKER_URL=redis://… (CI does) to run a real worker",
    ),
    pytest.mark.django_db(transaction=True),
]


def wait_for(condition, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)  # polling a real worker: the one place a test waits on the clock
    return False


@pytest.fixture
def worker():
    from celery.contrib.testing.worker import start_worker

    celery_app.conf.task_always_eager = False  # the autouse _celery_eager fixture set it for other tests
    # Every queue of crm/queues.py: the shared sweep is on "sweeps", the messages it writes on "messages".
    queues = [*QUEUES, DEFAULT]
    with start_worker(
        celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10, queues=queues
    ) as running:
        yield running


def test_a_real_worker_escalates_an_overdue_complaint_once_per_level(worker, agent, owner, owned_unit, leak):
    policy = quick_policy("e2e (1 min)")
    policy.is_active = True
    policy.category = leak
    policy.save()
    complaint = complaint_create(
        by=agent,
        customer=owner,
        unit=owned_unit,
        category=leak,
        complaint_type="complaint",
        channel="hotline",
        title="车库漏水",
        description="地下车库B2层持续漏水",
        received_at=timezone.now() - datetime.timedelta(minutes=30),
    )
    assert complaint.sla_policy == policy and complaint.escalation_level == 0

    done_before = worker_state.total_count.get(tasks.sweep_sla.name, 0)

    tasks.sweep_sla.delay()
    tasks.sweep_sla.delay()  # sent twice: a duplicate delivery must not fire anything twice

    assert wait_for(lambda: Complaint.objects.get(pk=complaint.pk).escalation_level == 3)
    # The worker runs in this process: its counters tell when both messages have been handled.
    assert wait_for(lambda: worker_state.total_count.get(tasks.sweep_sla.name, 0) >= done_before + 2)
    levels = sorted(SlaAlert.objects.filter(complaint=complaint).values_list("level", flat=True))
    assert levels == [0, 1, 2, 3]  # the warning too, late (issue 13): never silently skipped
    assert complaint.events.filter(kind="escalated").count() == 3
