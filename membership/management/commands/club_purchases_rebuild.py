"""manage.py club_purchases_rebuild: recompute the dashboards' club purchases from the contracts.

Every change through the ORM and the club's services keeps them (membership.purchases); run this after
writes that bypass them (a bulk import of contracts, a restore) or to check them. The tables are
replaced in one transaction.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from membership.purchases import club_purchases_rebuild


class Command(BaseCommand):
    help = "Recompute the club purchases (the dashboards' referral and repurchase shares) from the contracts."

    def handle(self, *args, verbosity: int, **options):
        started = time.perf_counter()
        written = club_purchases_rebuild(progress=verbosity >= 1)
        self.stdout.write(
            self.style.SUCCESS(
                f"{written:,} club purchases written in {time.perf_counter() - started:.1f} s."
            )
        )
