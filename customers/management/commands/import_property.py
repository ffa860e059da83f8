"""manage.py import_property FILE.xlsx --user NAME [--commit]: the Excel import from the command line."""

from __future__ import annotations

import sys

from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from accounts.models import User
from customers.importing import ImportFileError, customer_workbook_import, workbook_template


class Command(BaseCommand):
    help = (
        "Import units and customers from an .xlsx (one row per unit + customer). "
        "Checks only (dry run) unless --commit is given; writes all rows or none."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="the .xlsx file")
        parser.add_argument("--user", help="username whose role and scope the import uses")
        parser.add_argument("--commit", action="store_true", help="write the rows (default: dry run)")
        parser.add_argument(
            "--write-sample",
            type=int,
            metavar="ROWS",
            help="instead of importing, write a sample workbook of ROWS rows to PATH (深圳公司, new project 翡翠公园)",
        )

    def handle(self, *args, path: str, user: str | None, commit: bool, verbosity: int, **options):
        if options.get("write_sample"):
            with open(path, "wb") as sample:
                sample.write(sample_workbook(options["write_sample"]))
            self.stdout.write(f"Wrote {options['write_sample']} rows to {path}.")
            return
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


def sample_workbook(rows: int, seed: int = 7) -> bytes:
    """Deterministic rows for a demo or a load test: owners (with contracts) and some co-owners."""
    import datetime
    import random

    from crm.management.commands.seed_demo import FEMALE_GIVEN, MALE_GIVEN, MOBILE_PREFIXES, SURNAMES
    from customers.validators import resident_id_check_code

    rng = random.Random(seed)
    today = datetime.date.today()
    lines, used_ids = [], set()
    building, floor, room = 1, 1, 1
    while len(lines) < rows:
        male = rng.random() < 0.5
        name = rng.choice(SURNAMES) + "".join(
            rng.choice(MALE_GIVEN if male else FEMALE_GIVEN) for _ in range(rng.randint(1, 2))
        )
        while True:
            birth = datetime.date(rng.randint(1955, 1998), rng.randint(1, 12), rng.randint(1, 28))
            first17 = (
                f"440300{birth:%Y%m%d}{rng.randint(0, 99):02d}{rng.choice('13579' if male else '02468')}"
            )
            if first17 not in used_ids:
                used_ids.add(first17)
                break
        co_owner = bool(lines) and lines[-1][15] == "业主" and rng.random() < 0.2
        if not co_owner:
            room += 1
            if room > 4:
                room, floor = 1, floor + 1
            if floor > 30:
                floor, building = 1, building + 1
        signed = today - datetime.timedelta(days=rng.randint(400, 1500))
        handed = signed + datetime.timedelta(days=rng.randint(300, 380))
        contract = not co_owner
        lines.append(
            (
                "sz", "翡翠公园", "一期", building, 1, f"{floor}{room:02d}", floor, "3室2厅2卫",
                rng.randint(8000, 14000) / 100, rng.choice(("精装", "毛坯")), name, "男" if male else "女",
                rng.choice(MOBILE_PREFIXES) + f"{rng.randint(0, 99_999_999):08d}", "身份证",
                first17 + resident_id_check_code(first17), "共有人" if co_owner else "业主",
                f"HT-FCGY-{building}-{floor}{room:02d}" if contract else "",
                signed - datetime.timedelta(days=10) if contract else None, signed if contract else None,
                rng.randint(150, 600) * 10000 if contract else None,
                handed if contract else None, handed if contract and handed <= today else None,
            )
        )  # fmt: skip
    return workbook_template(lines)
