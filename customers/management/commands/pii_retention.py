"""`manage.py pii_retention --dry-run`: who the retention job would anonymise now (counts per city
company, the first ids); without --dry-run, anonymise them with progress (customers.anonymise)."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from customers.anonymise import retention_report, retention_run


class Command(BaseCommand):
    help = "Anonymise customers whose every record is closed and older than PII_RETENTION_YEARS."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Report who is due; change nothing.")
        parser.add_argument("--years", type=int, default=None, help="Instead of PII_RETENTION_YEARS.")
        parser.add_argument("--sample", type=int, default=20, help="How many ids the report lists.")
        parser.add_argument("--limit", type=int, default=None, help="Anonymise at most this many.")

    def handle(self, *args, dry_run=False, years=None, sample=20, limit=None, **options):
        years = settings.PII_RETENTION_YEARS if years is None else years
        if years <= 0:
            raise CommandError("The retention period is 0 years (PII_RETENTION_YEARS): the job is off.")
        if dry_run:
            report = retention_report(years=years, sample=max(sample, 0))
            self.stdout.write(
                f"Customers closed before {timezone.localtime(report.cutoff):%Y-%m-%d} "
                f"({years} years): {report.total} to anonymise"
            )
            for city_company, count in report.per_city_company:
                self.stdout.write(f"  {city_company}: {count}")
            if report.first_ids:
                self.stdout.write("First ids: " + ", ".join(str(pk) for pk in report.first_ids))
            return
        done = retention_run(
            years=years,
            limit=limit,
            progress=lambda done, total: self.stdout.write(f"anonymised {done}/{total}"),
        )
        self.stdout.write(self.style.SUCCESS(f"{done} customers anonymised."))
