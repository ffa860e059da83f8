"""manage.py bench_club --members 100000: add the bench club (demo/bench_data/club.py) to a bench
database that has its estate and customers already (bench_data with --members 0, or an older one)."""

from __future__ import annotations

import random
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from demo.bench_data import bulk
from demo.bench_data.club import write_club
from demo.bench_data.writer import RowWriter
from membership.models import Member

SQLITE_MAX_MEMBERS = 2_000


class Command(BaseCommand):
    help = "Add N club members with their consents, points, referrals and events to the bench database."

    def add_arguments(self, parser):
        parser.add_argument("--members", type=int, default=100_000)
        parser.add_argument("--seed", type=int, default=20261125)
        parser.add_argument("--quiet", action="store_true", help="no progress bars")

    def handle(self, *args, **opts):
        if connection.vendor != "postgresql" and opts["members"] > SQLITE_MAX_MEMBERS:
            raise CommandError(f"On {connection.vendor} only --members ≤ {SQLITE_MAX_MEMBERS:,} (tests).")
        if Member.objects.exists():
            raise CommandError("This database already has club members.")
        started = time.perf_counter()
        writer = RowWriter(opts["quiet"])
        with transaction.atomic():
            bulk.skip_foreign_key_triggers()
            write_club(
                writer,
                random.Random(opts["seed"]),
                timezone.now(),
                members=opts["members"],
                quiet=opts["quiet"],
            )
        bulk.vacuum_analyze()
        for table, count in writer.counts.items():
            self.stdout.write(f"  {table:32} {count:>10,}")
        self.stdout.write(self.style.SUCCESS(f"Bench club written in {time.perf_counter() - started:.0f} s."))
