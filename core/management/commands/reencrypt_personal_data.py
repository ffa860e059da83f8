"""manage.py reencrypt_personal_data: after a key rotation, rewrite what an old key made.

Run it after moving SECRET_KEY (or a FIELD_ENCRYPTION_SALT, or PII_HASH_KEY) to its fallbacks and
restarting with the new one; when it reports nothing left, the fallbacks can be removed.
"""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from core.encryption import personal_data_reencrypt

SHOWN_UNDECRYPTABLE = 20


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted field with the current SECRET_KEY and first FIELD_ENCRYPTION_SALT, "
        "and recompute the keyed ID-number hashes with the current PII_HASH_KEY. Rows already current "
        "are left alone, so it can be run again at any time."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500, help="rows locked and written at once")

    def handle(self, *args, batch_size: int, verbosity: int, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        bars: dict[str, tqdm] = {}

        def progress(label: str, done: int, total: int) -> None:
            if label not in bars:
                bars[label] = tqdm(
                    desc=label, total=total, unit="row", disable=verbosity < 1, file=sys.stderr
                )
            bars[label].n = done
            bars[label].refresh()

        try:
            reports = personal_data_reencrypt(batch_size=batch_size, progress=progress)
        finally:
            for bar in bars.values():
                bar.close()
        undecryptable = 0
        for label, report in reports.items():
            self.stdout.write(f"{label}: {report.checked} checked, {report.rewritten} rewritten")
            if report.undecryptable:
                undecryptable += len(report.undecryptable)
                shown = ", ".join(map(str, report.undecryptable[:SHOWN_UNDECRYPTABLE]))
                more = "…" if len(report.undecryptable) > SHOWN_UNDECRYPTABLE else ""
                self.stdout.write(
                    f"  no configured key opens {len(report.undecryptable)} rows (ids {shown}{more})"
                )
        if undecryptable:
            raise CommandError(
                f"{undecryptable} rows were left as they are: put the key that encrypted them back into "
                "SECRET_KEY_FALLBACKS (or its salt into FIELD_ENCRYPTION_SALT) and run this again."
            )
        self.stdout.write(self.style.SUCCESS("Every encrypted value and hash uses the current keys."))
