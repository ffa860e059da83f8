"""Generating the 6+2 touchpoints over the bench database: one run of the nightly task
(lifecycle.services.generation.touchpoints_generate) over every active contract, timed, then a rerun
(which must create nothing), as customers per second: the customers in the database over the run's
time. Everything runs in one transaction that is rolled back: the bench database keeps no touchpoint.
Alone: `make bench ARGS="--only touchpoint"`."""

from __future__ import annotations

import time

from bench.timing import Row, Rows


class _RolledBack(Exception):
    pass


def bench_touchpoint_generation(write=print) -> tuple[int, float, float]:
    """Returns (customers, seconds of the first run, seconds of the rerun)."""
    from django.db import transaction

    from customers.models import Customer
    from lifecycle.services.generation import touchpoints_generate

    customers = Customer.objects.count()
    figures = {}
    try:
        with transaction.atomic():
            started = time.perf_counter()
            first = touchpoints_generate()
            figures["first"] = (time.perf_counter() - started, first)
            started = time.perf_counter()
            again = touchpoints_generate()
            figures["again"] = (time.perf_counter() - started, again)
            raise _RolledBack
    except _RolledBack:
        pass
    _vacuum_touchpoints()
    (seconds, first), (rerun_seconds, again) = figures["first"], figures["again"]
    write(
        f"{customers:,} customers: {first.contracts:,} contracts in a window walked in {first.batches} "
        f"batches, {first.created:,} touchpoints created in {seconds:.2f} s → "
        f"{customers / seconds:,.0f} customers per second; rerun {again.created} created in "
        f"{rerun_seconds:.2f} s"
    )
    return customers, seconds, rerun_seconds


def _vacuum_touchpoints() -> None:
    """Free the rolled-back run's rows (on PostgreSQL, outside a transaction): left to autovacuum, the
    next bench's touchpoint lists walked a million dead index entries (10M: 14 → 63 and 79 ms)."""
    from django.db import connection

    from lifecycle.models import Touchpoint

    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM {Touchpoint._meta.db_table}")


def measure_touchpoint_generation(rows: Rows) -> None:
    row = Row("touchpoint generation, every customer (nightly run)", "touchpoint_generation")
    if not rows.wanted(row.name):
        return
    try:
        lines: list[str] = []
        customers, seconds, _rerun = bench_touchpoint_generation(write=lines.append)
        row.per_second = round(customers / seconds, 1) if seconds else None
        row.median_ms = round(seconds * 1000, 1)
        row.note = lines[-1][:200] if lines else ""
    except Exception as error:
        row.note = f"n/a: {type(error).__name__}: {str(error)[:120]}"
    rows.append(row)
