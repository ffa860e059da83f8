"""manage.py surveys_day_tallies_rebuild: recount the dashboards' survey day tallies from the answers.

The submit transaction keeps them (surveys.day_tallies); run this after rows were written around it
(a bulk load, a restore) or to check them. Safe to run at any time: the table is replaced in one
transaction.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from surveys.day_tallies import day_tallies_rebuild


class Command(BaseCommand):
    help = "Recount the survey day tallies (the dashboards' survey figures) from the final answers."

    def handle(self, *args, verbosity: int, **options):
        started = time.perf_counter()
        rows = day_tallies_rebuild(progress=verbosity >= 1)
        self.stdout.write(
            self.style.SUCCESS(f"{rows:,} day tally rows written in {time.perf_counter() - started:.1f} s.")
        )
