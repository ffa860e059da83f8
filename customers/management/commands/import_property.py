"""manage.py import_property FILE.xlsx --user NAME [--commit]: the Excel import from the command line."""

from __future__ import annotations

import sys

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from accounts.models import User
from customers.importing import ImportFileError, customer_workbook_import


class Command(BaseCommand):
    help = (
        "Import units and customers from an .xlsx (one row per unit + customer). "
        "Checks only (dry run) unless --commit is given; writes all rows or none."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="the .xlsx file")
        parser.add_argument("--user", help="username whose role and scope the import uses")
        parser.add_argument("--commit", action="store_true", help="write the rows (default: dry run)")

    def handle(self, *args, path: str, user: str | None, commit: bool, verbosity: int, **options):
        if not user:
            raise CommandError("--user is required.")
        try:
            by = User.objects.get(username=user, is_active=True)
        except User.DoesNotExist:
            raise CommandError(f"No active user {user!r}.") from None
        bar = tqdm(desc="import", unit="row", disable=verbosity < 1, file=sys.stderr)

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.n = done
            bar.refresh()

        try:
            result = customer_workbook_import(by=by, source=path, dry_run=not commit, progress=progress)
        except (ImportFileError, PermissionDenied) as error:
            raise CommandError(" ".join(getattr(error, "messages", [str(error)]))) from None
        except FileNotFoundError:
            raise CommandError(f"No such file: {path}") from None
        finally:
            bar.close()
        for error in result.errors:
            self.stdout.write(str(error))
        self.stdout.write(f"rows: {result.rows}")
        for label, created, updated in result.summary_rows():
            self.stdout.write(f"{label}: {created} new, {updated} updated")
        if result.errors:
            raise CommandError(f"{len(result.errors)} errors; nothing was imported.")
        if result.dry_run:
            self.stdout.write(self.style.WARNING("Dry run: nothing written. Add --commit to import."))
        else:
            self.stdout.write(self.style.SUCCESS("Imported."))
