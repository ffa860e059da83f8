"""The outbox through a real broker and a real worker (CI: Redis): committed messages leave by themselves."""

import time

import pytest
from django.conf import settings
from django.db import transaction

from core.models import OutboxMessage
from core.outbox import OutgoingMessage, messages_enqueue
from crm.celery import app as celery_app

pytestmark = [
    pytest.mark.skipif(
        not settings.CELERY_BROKER_URL.startswith("redis://"),
        reason="needs a Redis broker: set CELERY_BROKER_URL=redis://… (CI does) to run a real worker",
    ),
    pytest.mark.django_db(transaction=True),
]


def wait_for(condition, timeout: float = 30.0) -> bool:
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
    with start_worker(
        celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10, queues=["celery", "messages"]
    ) as running:
        yield running


def test_messages_committed_with_their_event_are_sent_by_the_worker_each_once(worker, sms_outbox):
    keys = [f"e2e-{n}" for n in range(300)]
    with transaction.atomic():
        messages_enqueue(
            [
                OutgoingMessage(
                    channel="sms", recipient="13812345678", kind="e2e", idempotency_key=k, body="x"
                )
                for k in keys
            ]
        )
        assert not sms_outbox  # nothing leaves before the commit

    assert wait_for(lambda: not OutboxMessage.objects.exclude(status="sent").exists())
    assert sorted(m.idempotency_key for m in sms_outbox) == sorted(keys)
