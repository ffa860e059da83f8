"""manage.py bench_outbox --messages 10000 --senders 4: how many messages per second the outbox sends.

Queues N text messages at once (one bulk write, as a sweep's batch does), then starts S senders
together, each a thread with its own database connection running the drain (core.outbox.outbox_drain)
through the in-memory SMS provider, with no rate limit: the figure is the outbox's own cost (claim,
send, mark), not a gateway's. Checks that every message went exactly once, prints the rate and
deletes its rows (kind "bench"), touching nothing else.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test.utils import override_settings

from core.models import OutboxMessage
from core.outbox import OutgoingMessage, messages_enqueue, outbox_drain, providers

BENCH_KIND = "bench"


class Command(BaseCommand):
    help = "Measure the outbox's throughput (messages per second) on N messages queued at once; cleans up."

    def add_arguments(self, parser):
        parser.add_argument("--messages", type=int, default=10_000)
        parser.add_argument("--senders", type=int, default=4, help="senders draining at once (default 4)")
        parser.add_argument("--batch-size", type=int, default=None, help="default: OUTBOX_BATCH_SIZE")

    def handle(self, *args, messages: int, senders: int, batch_size: int | None, **options):
        if connection.vendor != "postgresql" and senders > 1:
            raise CommandError("Several senders need PostgreSQL (SKIP LOCKED); use --senders 1 on SQLite.")
        run = uuid.uuid4().hex[:8]
        keys = [f"bench.{run}.{n}" for n in range(messages)]
        with override_settings(
            SMS_PROVIDER="core.outbox.providers.LocmemSmsProvider",
            OUTBOX_PER_SECOND={},
            OUTBOX_DRAIN_PARALLEL=0,  # the senders are this command's threads, not Celery tasks
        ):
            try:
                started = time.perf_counter()
                messages_enqueue(
                    OutgoingMessage(
                        channel="sms",
                        recipient="13800000000",
                        kind=BENCH_KIND,
                        idempotency_key=key,
                        body="bench",
                    )
                    for key in keys
                )
                queued = time.perf_counter() - started
                self.stdout.write(f"Queued {messages} messages in {queued:.1f} s")
                providers.sms_outbox.clear()
                elapsed, sent_by = self._drain(senders, batch_size or settings.OUTBOX_BATCH_SIZE)
                copies = Counter(
                    m.idempotency_key
                    for m in providers.sms_outbox
                    if m.idempotency_key.startswith(f"bench.{run}.")
                )
                lost = messages - len(copies)
                twice = sum(1 for count in copies.values() if count > 1)
                self.stdout.write(
                    f"outbox_drain() × {senders} senders {sent_by}: {sum(sent_by)} messages in {elapsed:.2f} s "
                    f"→ {sum(sent_by) / elapsed:,.0f} messages per second ({lost} lost, {twice} sent twice)"
                )
            finally:
                providers.sms_outbox.clear()
                OutboxMessage.objects.filter(
                    kind=BENCH_KIND, idempotency_key__startswith=f"bench.{run}."
                ).delete()

    @staticmethod
    def _drain(senders: int, batch_size: int) -> tuple[float, list[int]]:
        start = threading.Barrier(senders + 1)
        sent_by = [0] * senders
        errors: list[BaseException] = []

        def sender(index: int) -> None:
            try:
                start.wait()
                sent_by[index] = outbox_drain(channel="sms", batch_size=batch_size, max_seconds=3600).sent
            except BaseException as error:  # reported below
                errors.append(error)
            finally:
                if senders > 1:
                    connection.close()  # each thread's own connection

        if senders == 1:
            started = time.perf_counter()
            sent_by[0] = outbox_drain(channel="sms", batch_size=batch_size, max_seconds=3600).sent
            return time.perf_counter() - started, sent_by
        threads = [threading.Thread(target=sender, args=(index,)) for index in range(senders)]
        for thread in threads:
            thread.start()
        start.wait()
        started = time.perf_counter()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        if errors:
            raise CommandError(f"a sender failed: {errors[0]!r}")
        return elapsed, sent_by
