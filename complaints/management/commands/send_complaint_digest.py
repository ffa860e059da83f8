"""manage.py send_complaint_digest [--date YYYY-MM-DD] [--city CODE ...]: the daily digest by hand.

Queues the digest of a past day (default: yesterday) for every city company, or the ones named, and
prints a line per city company. An email already queued for that day and person is not queued again,
so re-sending a day reaches only the recipients the first run missed (those without an email address
then). Beat sends it every day by itself (COMPLAINT_DIGEST_TIME).
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from complaints.digest import SECTIONS, DigestResult, complaint_digests_send


def _day(value: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--date must be a date such as 2026-11-02, not {value!r}.") from None


class Command(BaseCommand):
    help = "Queue the daily complaint digest of a past day to each city company's heads and managers."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--date", type=_day, help="the day reported (default: yesterday, local time)")
        parser.add_argument(
            "--city", action="append", default=[], metavar="CODE", help="a city company's code (repeatable)"
        )

    def handle(self, *args, date: datetime.date | None = None, city: list[str], **options) -> None:
        try:
            results = complaint_digests_send(day=date, city_codes=city, progress=self._report)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        queued = sum(result.queued for result in results)
        self.stdout.write(self.style.SUCCESS(f"{queued} emails queued for {len(results)} city companies."))

    def _report(self, result: DigestResult) -> None:
        digest = result.digest
        figures = ", ".join(f"{name} {getattr(digest, name).total}" for name, _label in SECTIONS)
        line = f"{digest.city_code} {digest.city_name} {digest.day}: {figures}"
        if result.skipped_as_quiet:
            self.stdout.write(f"{line} → nothing to report, no email")
            return
        line += f" → {result.queued} queued, {result.already_queued} queued by an earlier run"
        if result.without_email:
            line += f", {len(result.without_email)} recipients without an email address"
        self.stdout.write(line)
