"""manage.py bench_data --complaints 1000000: fill a PostgreSQL database with realistic volumes.

The rows are made in demo/bench_data/ (see its __init__); this command checks the database, runs the
load and reports what it wrote. On SQLite only small sizes are allowed (tests).
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from core.audit import audit_paused
from demo.bench_data import BENCH_PASSWORD, BENCH_PREFIX, BENCH_USERS, fill_bench_data
from properties.models import CityCompany

SQLITE_MAX_COMPLAINTS = 20_000


class Command(BaseCommand):
    help = "Fill a PostgreSQL database with benchmark volumes (1M complaints by default) using COPY."

    def add_arguments(self, parser):
        parser.add_argument("--complaints", type=int, default=1_000_000)
        parser.add_argument("--units", type=int, default=None, help="default: 0.3 × complaints")
        parser.add_argument("--customers", type=int, default=None, help="default: 0.4 × complaints")
        parser.add_argument("--cities", type=int, default=20)
        parser.add_argument("--projects-per-city", type=int, default=10)
        parser.add_argument("--years", type=int, default=5)
        parser.add_argument("--seed", type=int, default=20261125)
        parser.add_argument(
            "--survey-responses", type=int, default=100_000, help="completed responses of the bench survey"
        )
        parser.add_argument(
            "--members", type=int, default=100_000, help="club members, with their points, referrals, events"
        )
        parser.add_argument("--quiet", action="store_true", help="no progress bars")

    def handle(self, *args, **opts):
        n = opts["complaints"]
        if connection.vendor != "postgresql" and n > SQLITE_MAX_COMPLAINTS:
            raise CommandError(
                f"bench_data writes with PostgreSQL COPY; on {connection.vendor} only "
                f"--complaints ≤ {SQLITE_MAX_COMPLAINTS:,} is allowed (for tests). "
                "Set DATABASE_URL=postgres://… to a PostgreSQL database."
            )
        if connection.vendor != "postgresql" and opts["survey_responses"] > SQLITE_MAX_COMPLAINTS // 10:
            raise CommandError(
                f"On {connection.vendor} only --survey-responses ≤ {SQLITE_MAX_COMPLAINTS // 10:,}."
            )
        if connection.vendor != "postgresql" and opts["members"] > SQLITE_MAX_COMPLAINTS // 10:
            raise CommandError(f"On {connection.vendor} only --members ≤ {SQLITE_MAX_COMPLAINTS // 10:,}.")
        if CityCompany.objects.filter(code__startswith=f"{BENCH_PREFIX}-").exists():
            raise CommandError("This database already holds bench data; use a fresh database.")
        started = time.perf_counter()
        # A bulk load is not an edit: no audit trail (it writes with COPY and bulk_create anyway; the
        # pause keeps any service it may come to call from writing an entry per row).
        with audit_paused():
            filled = fill_bench_data(
                complaints=n,
                units=opts["units"],
                customers=opts["customers"],
                cities=opts["cities"],
                projects_per_city=opts["projects_per_city"],
                years=opts["years"],
                seed=opts["seed"],
                quiet=opts["quiet"],
                survey_responses=opts["survey_responses"],
                members=opts["members"],
            )
        elapsed = time.perf_counter() - started
        for table, count in filled.counts.items():
            self.stdout.write(f"  {table:32} {count:>10,}")
        self.stdout.write(self.style.SUCCESS(f"Bench data written in {elapsed:.0f} s."))
        self.stdout.write(
            f"Bench users (password {BENCH_PASSWORD}): "
            f"{BENCH_USERS['agent']} (agent, 2 projects), {BENCH_USERS['city_head']} (city head, "
            f"{filled.city_head_company}), {BENCH_USERS['group_admin']} (group admin)."
        )
