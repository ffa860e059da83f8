"""The outbox's throughput: bench_outbox queues `count` messages at once and times parallel senders
draining them through the in-memory SMS provider (no gateway, no rate limit)."""

from __future__ import annotations

import io
import re

from bench.timing import Row, Rows


def measure_outbox(rows: Rows, *, count: int, senders: int) -> None:
    """Append the outbox's row (messages per second against its target), if --only wants it."""
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor != "postgresql" or connection.in_atomic_block:
        # Parallel senders need SKIP LOCKED, and their own connections see only committed rows (a test's
        # transaction hides the queued messages from them).
        senders = 1
    outbox = Row(f"Outbox, {count:,} messages, {senders} senders", "outbox")
    if not rows.wanted(outbox.name):
        return
    try:
        out = io.StringIO()
        call_command("bench_outbox", messages=count, senders=senders, stdout=out)
        match = re.search(r"in ([\d.]+) s → ([\d,]+) messages per second", out.getvalue())
        if match:
            outbox.per_second = float(match[2].replace(",", ""))
            outbox.median_ms = round(float(match[1]) * 1000, 1)
        outbox.note = out.getvalue().strip().splitlines()[-1][:200]
    except Exception as error:
        outbox.note = f"n/a: {type(error).__name__}: {str(error)[:120]}"
    rows.append(outbox)
