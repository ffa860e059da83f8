"""manage.py bench_surveys --responses 100000: add the bench survey (demo/bench_data/surveys.py) to a
bench database that has its customers already (bench_data with --survey-responses 0, or an older one)."""

from __future__ import annotations

import random
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from demo.bench_data import bulk
from demo.bench_data.surveys import BENCH_CAMPAIGN_NAME, write_surveys
from demo.bench_data.writer import RowWriter
from surveys.models import Campaign

SQLITE_MAX_RESPONSES = 2_000


class Command(BaseCommand):
    help = "Add a finished survey campaign with N completed responses (and the one before it) to the bench."

    def add_arguments(self, parser):
        parser.add_argument("--responses", type=int, default=100_000)
        parser.add_argument("--seed", type=int, default=20261125)
        parser.add_argument("--quiet", action="store_true", help="no progress bars")

    def handle(self, *args, **opts):
        if connection.vendor != "postgresql" and opts["responses"] > SQLITE_MAX_RESPONSES:
            raise CommandError(f"On {connection.vendor} only --responses ≤ {SQLITE_MAX_RESPONSES:,} (tests).")
        if Campaign.objects.filter(name=BENCH_CAMPAIGN_NAME).exists():
            raise CommandError("This database already holds the bench survey.")
        started = time.perf_counter()
        writer = RowWriter(opts["quiet"])
        with transaction.atomic():
            bulk.skip_foreign_key_triggers()
            made = write_surveys(
                writer,
                random.Random(opts["seed"]),
                timezone.now(),
                responses=opts["responses"],
                quiet=opts["quiet"],
            )
        for table, count in writer.counts.items():
            self.stdout.write(f"  {table:32} {count:>10,}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Bench survey written in {time.perf_counter() - started:.0f} s: /surveys/campaigns/{made.campaign.pk}/results/"
            )
        )
