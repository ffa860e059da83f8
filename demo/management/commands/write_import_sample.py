"""manage.py write_import_sample PATH --rows N: a realistic workbook for `import_property`, to try the
import or load-test it (深圳公司, a new project 翡翠公园)."""

from __future__ import annotations

import datetime
import random

from django.core.management.base import BaseCommand, CommandError

from customers.importing import workbook_template
from customers.validators import resident_id_check_code
from demo.seeding.names import FEMALE_GIVEN, MALE_GIVEN, MOBILE_PREFIXES, SURNAMES


class Command(BaseCommand):
    help = "Write a sample import workbook of --rows rows (owners with contracts, some co-owners) to PATH."

    def add_arguments(self, parser):
        parser.add_argument("path", help="the .xlsx file to write")
        parser.add_argument("--rows", type=int, default=100, help="data rows (default 100)")

    def handle(self, *args, path: str, rows: int, **options):
        if rows < 1:
            raise CommandError("--rows must be at least 1.")
        with open(path, "wb") as sample:
            sample.write(sample_workbook(rows))
        self.stdout.write(f"Wrote {rows} rows to {path}.")


def sample_workbook(rows: int, seed: int = 7) -> bytes:
    """Deterministic rows for a demo or a load test: owners (with contracts) and some co-owners."""
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
