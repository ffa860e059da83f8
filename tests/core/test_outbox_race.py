"""Senders racing on PostgreSQL: SKIP LOCKED gives each its own rows, so no message goes twice."""

import threading
import time

import pytest
from django.db import connection

from core.models import OutboxMessage
from core.outbox import OutgoingMessage, messages_enqueue, outbox_drain, services

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: SQLite has no SELECT … FOR UPDATE SKIP LOCKED and serialises writers",
    ),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture(autouse=True)
def _no_senders_on_commit(monkeypatch):
    # The test starts the racing senders itself; the eager on-commit ones would send everything first.
    monkeypatch.setattr(services, "_start_senders", lambda per_channel: None)


def burst(count: int, prefix: str) -> list[str]:
    keys = [f"{prefix}-{n:06d}" for n in range(count)]
    messages_enqueue(
        [
            OutgoingMessage(channel="sms", recipient="13812345678", kind="race", idempotency_key=k, body="x")
            for k in keys
        ]
    )
    return keys


def race(senders: int, *, batch_size: int) -> list[int]:
    """Run `senders` drains at once, each on its own connection; returns how many each sent."""
    start = threading.Barrier(senders)
    sent, errors = [0] * senders, []

    def sender(index: int) -> None:
        try:
            start.wait()
            sent[index] = outbox_drain(channel="sms", batch_size=batch_size, max_seconds=600).sent
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=sender, args=(index,)) for index in range(senders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors
    return sent


def assert_each_sent_once(keys: list[str], sms_outbox) -> None:
    sent_keys = [message.idempotency_key for message in sms_outbox]
    assert len(sent_keys) == len(set(sent_keys)), "a message was sent twice"
    assert sorted(sent_keys) == keys, "a message was lost"
    assert not OutboxMessage.objects.exclude(status="sent").exists()


def test_two_senders_racing_over_2000_messages_send_each_exactly_once(sms_outbox):
    keys = burst(2000, "race")
    sent = race(2, batch_size=50)  # small batches: the senders interleave
    assert sum(sent) == 2000 and all(sent), f"both senders should have worked: {sent}"
    assert_each_sent_once(keys, sms_outbox)


def test_a_burst_of_10000_messages_drains_in_parallel_none_lost_none_twice(sms_outbox):
    keys = burst(10_000, "burst")
    started = time.perf_counter()
    sent = race(4, batch_size=100)
    elapsed = time.perf_counter() - started
    assert sum(sent) == 10_000 and sum(1 for count in sent if count) >= 2
    assert_each_sent_once(keys, sms_outbox)
    assert elapsed < 60, f"10,000 messages took {elapsed:.1f} s"
