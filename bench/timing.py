"""Timing one path: a Row of figures (median, p95, queries, bare-SQL time) against its target.

Each call is timed `requests` times after a few warm-up runs; one more runs under
CaptureQueriesContext for the query count, and its SELECTs are then re-run on a raw cursor: "sql ms"
is their total (the bare SQL that fetches the same rows) and "ratio" is server median / sql ms. A path
that answers 4xx/5xx or raises is recorded as "n/a" with the reason, never a crash.

Django is imported inside the functions: bench/run.py imports this module before django.setup().
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

# Targets printed beside each row: (median ms, queries); None where no bound is set.
TARGETS = {
    "list": (30, 8),
    "api": (30, 8),
    "360": (50, None),
    "search": (50, None),
    "create": (15, 12),
    "page": (None, None),
    # A survey campaign's results over 100,000 responses (issue 14): GROUP BYs over the answers.
    "survey": (300, 16),
    # The managers' dashboards at 1M complaints (issue 17): counted anew or from the summary.
    "dashboard": (300, None),
}
SWEEP_TARGET_PER_SECOND = 2_000
# Rows measured as a rate: their target in per-second units (35,000 escalation emails within a
# minute and a half of the outbox's own time; a provider's rate limit comes on top).
# A survey campaign: 100,000 invitations written and queued within about three minutes.
# Touchpoint generation: a million customers' nightly run within ten minutes.
RATE_TARGETS = {
    "sweep": SWEEP_TARGET_PER_SECOND,
    "outbox": 400,
    "survey_send": 600,
    "touchpoint_generation": 1_700,
}
SLOW_SECONDS, SLOW_REQUESTS = 1.0, 3


@dataclass
class Row:
    name: str
    kind: str  # a key of TARGETS or of RATE_TARGETS
    median_ms: float | None = None
    p95_ms: float | None = None
    queries: int | None = None
    sql_ms: float | None = None
    ratio: float | None = None
    per_second: float | None = None
    note: str = ""
    slowest_sql: str = field(default="", repr=False)

    @property
    def over_target(self) -> bool:
        if self.kind in RATE_TARGETS:
            return self.per_second is not None and self.per_second < RATE_TARGETS[self.kind]
        ms, queries = TARGETS[self.kind]
        return bool(
            (ms is not None and self.median_ms is not None and self.median_ms > ms)
            or (queries is not None and self.queries is not None and self.queries > queries)
        )

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "kind": self.kind,
            "median_ms": self.median_ms,
            "p95_ms": self.p95_ms,
            "queries": self.queries,
            "sql_ms": self.sql_ms,
            "ratio": self.ratio,
            "per_second": self.per_second,
            "target": self.target_text(),
            "over_target": self.over_target,
            "note": self.note,
            "slowest_sql": self.slowest_sql,
        }

    def target_text(self) -> str:
        if self.kind in RATE_TARGETS:
            return f"≥ {RATE_TARGETS[self.kind]:,}/s"
        ms, queries = TARGETS[self.kind]
        parts = ([f"≤ {ms} ms"] if ms else []) + ([f"≤ {queries} q"] if queries else [])
        return ", ".join(parts) or "—"


class NotAvailable(Exception):
    """The path cannot be measured now (404, error, missing data): the row reads n/a."""


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


class Rows(list):
    """The measured rows; `wanted(name)` says whether a path passes the --only filter."""

    def __init__(self, only: str | None):
        super().__init__()
        self.only = (only or "").lower()

    def wanted(self, name: str) -> bool:
        return self.only in name.lower()

    def append(self, row: Row) -> None:
        if self.wanted(row.name):
            super().append(row)


def _rerun_selects(captured) -> tuple[float, str]:
    """Re-run the captured SELECTs on a raw cursor: their total time (ms) and the slowest one's SQL."""
    from django.db import connection

    total, slowest, slowest_sql = 0.0, -1.0, ""
    with connection.cursor() as cursor:
        for query in captured:
            sql = query["sql"]
            if not sql.lstrip().upper().startswith("SELECT") or "FOR UPDATE" in sql.upper():
                continue
            started = time.perf_counter()
            cursor.execute(sql)
            cursor.fetchall()
            elapsed = (time.perf_counter() - started) * 1000
            total += elapsed
            if elapsed > slowest:
                slowest, slowest_sql = elapsed, sql
    return total, slowest_sql


def measure(name: str, kind: str, call: Callable[[], object], *, requests: int, warmup: int = 3) -> Row:
    """Time `call` (one request or one service call) `requests` times after `warmup` runs."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    row = Row(name, kind)
    try:
        for index in range(warmup):
            started = time.perf_counter()
            _check(call())
            if index == 0 and time.perf_counter() - started > SLOW_SECONDS:
                # A page that takes seconds gets a few samples, not 30: the verdict is the same.
                requests = min(requests, SLOW_REQUESTS)
                row.note = f"slow: {requests} requests"
                break
        with CaptureQueriesContext(connection) as captured:
            _check(call())
        # Copied now: every request_started signal clears the connection's query log.
        page_queries = list(captured.captured_queries)
        row.queries = len(page_queries)
        timings = []
        for _ in range(requests):
            started = time.perf_counter()
            _check(call())
            timings.append((time.perf_counter() - started) * 1000)
        row.median_ms = round(statistics.median(timings), 1)
        row.p95_ms = round(_percentile(timings, 0.95), 1)
        sql_ms, row.slowest_sql = _rerun_selects(page_queries)
        if sql_ms > 0:
            row.sql_ms = round(sql_ms, 1)
            row.ratio = round(row.median_ms / sql_ms, 1)
    except NotAvailable as reason:
        row.note = f"n/a: {reason}"
    except Exception as error:  # a page being finished by someone else must not stop the bench
        row.note = f"n/a: {type(error).__name__}: {str(error)[:120]}"
    return row


def _check(result):
    status = getattr(result, "status_code", None)
    if status is not None and status >= 400:
        raise NotAvailable(f"HTTP {status}")
    return result
