"""Scale benchmark: server time, SQL queries and bare-SQL time of the pages that must hold at 1M complaints.

    make bench-data      # once: manage.py bench_data --complaints 1000000 into $DATABASE_URL
    make bench           # this script; prints the table, saves bench/results/<timestamp>.json
    make bench ARGS="--only board"   # only the paths whose name contains "board"

DATABASE_URL defaults to postgres://postgres@127.0.0.1:5432/crm_bench. BENCH_REQUESTS (default 30)
sets the measured requests per path (after 3 warm-up ones); BENCH_SWEEP (default 10000) the number
of complaints (work orders) due at once for the SLA (work-order) sweep; BENCH_OUTBOX (default 10000) the
messages queued at once for the outbox's senders (BENCH_OUTBOX_SENDERS, default 4); BENCH_SURVEY_SEND
(default 100000) the invitations of the survey campaign sent (bench/surveys.py). Touchpoint generation
over every customer is timed by bench/lifecycle.py.

Each path is requested in-process with django.test.Client (no network, no web server): the time is
the whole Django request (middleware, view, queries, template). One more request runs under
CaptureQueriesContext for the query count; its SELECTs are then re-run on a raw cursor: "sql ms" is
their total (the bare SQL that fetches the same rows) and "ratio" is server median / sql ms. A path
whose URL 404s or errors is recorded as "n/a" with the reason, never a crash.

The pieces: timing.py (one path's figures), fixtures.py (what the paths need), pages.py (the page
paths), sweep.py (the SLA and work-order sweeps), outbox.py (the outbox's senders), report.py (table
sizes, machine, the printed table, the saved JSON).
"""

from __future__ import annotations

import datetime
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script (make bench): the bench package and the apps import from here
    sys.path.insert(0, str(ROOT))

from bench.fixtures import find_fixtures  # noqa: E402
from bench.lifecycle import measure_touchpoint_generation  # noqa: E402
from bench.outbox import measure_outbox  # noqa: E402
from bench.pages import measure_pages  # noqa: E402
from bench.report import format_table, machine_info, row_counts, save  # noqa: E402
from bench.surveys import measure_survey_send  # noqa: E402
from bench.sweep import measure_sweep  # noqa: E402
from bench.timing import Rows  # noqa: E402

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/crm_bench"


def setup_django() -> None:
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
    os.environ.setdefault("DEBUG", "1")  # development keys; the measuring itself runs with DEBUG off
    import django

    django.setup()


def run_benchmarks(
    *,
    requests: int = 30,
    sweep_count: int = 10_000,
    outbox_count: int = 10_000,
    outbox_senders: int = 4,
    survey_count: int = 100_000,
    warmup: int = 3,
    only: str | None = None,
) -> dict:
    """Measure every path (or those whose name contains `only`); returns {"rows": [...], "machine": {...},
    "counts": {...}, ...}."""
    from django.conf import settings

    debug = settings.DEBUG
    settings.DEBUG = False  # as in production: no query log kept per request
    try:
        return _run_all(
            requests=requests,
            sweep_count=sweep_count,
            outbox_count=outbox_count,
            outbox_senders=outbox_senders,
            survey_count=survey_count,
            warmup=warmup,
            only=only,
        )
    finally:
        settings.DEBUG = debug


def _run_all(
    *,
    requests: int,
    sweep_count: int,
    outbox_count: int,
    outbox_senders: int,
    warmup: int,
    survey_count: int = 100_000,
    only: str | None = None,
) -> dict:
    fx = find_fixtures()
    rows = Rows(only)
    measure_pages(rows, fx, requests=requests, warmup=warmup)
    measure_sweep(rows, count=sweep_count)
    measure_outbox(rows, count=outbox_count, senders=outbox_senders)
    measure_survey_send(rows, count=survey_count)
    measure_touchpoint_generation(rows)
    return {
        "when": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "requests_per_path": requests,
        "only": only or None,
        "machine": machine_info(),
        "counts": row_counts(),
        "rows": [row.as_dict() for row in rows],
    }


def main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(description="Scale benchmark (make bench).")
    parser.add_argument(
        "--only", metavar="TEXT", help="measure only the paths whose name contains TEXT, e.g. --only board"
    )
    options = parser.parse_args(argv)
    setup_django()
    requests = int(os.environ.get("BENCH_REQUESTS", "30"))
    sweep = int(os.environ.get("BENCH_SWEEP", "10000"))
    outbox = int(os.environ.get("BENCH_OUTBOX", "10000"))
    senders = int(os.environ.get("BENCH_OUTBOX_SENDERS", "4"))
    surveys = int(os.environ.get("BENCH_SURVEY_SEND", "100000"))
    result = run_benchmarks(
        requests=requests,
        sweep_count=sweep,
        outbox_count=outbox,
        outbox_senders=senders,
        survey_count=surveys,
        only=options.only,
    )
    print(format_table(result))
    print(f"\nsaved {save(result).relative_to(ROOT)}")


if __name__ == "__main__":
    main()
