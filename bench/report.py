"""What a bench run reports besides its rows (table sizes, the machine), the table it prints and the
JSON it saves under bench/results/."""

from __future__ import annotations

import datetime
import json
import os
import platform
from pathlib import Path

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def row_counts() -> dict[str, int]:
    from django.db import connection

    tables = [
        "properties_project",
        "properties_unit",
        "customers_customer",
        "customers_customerphone",
        "customers_contract",
        "customers_householdmember",
        "complaints_complaint",
        "complaints_complaintevent",
        "complaints_workorder",
        "complaints_returnvisit",
        "membership_member",
        "membership_pointsentry",
    ]
    counts = {"estimated_from_pg_class": connection.vendor == "postgresql"}
    with connection.cursor() as cursor:
        for table in tables:
            if connection.vendor == "postgresql":  # the planner's estimate: COUNT(*) on 4M rows takes seconds
                cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = %s", [table])
                estimate = cursor.fetchone()
                if estimate and estimate[0] > 0:
                    counts[table] = int(estimate[0])
                    continue
            cursor.execute(f"SELECT COUNT(*) FROM {table}")  # nosec B608  # a name from the list above
            counts[table] = cursor.fetchone()[0]
    counts["open_complaints"] = _open_count()
    return counts


def _open_count() -> int:
    from complaints.models import Complaint

    return Complaint.objects.open().count()


def machine_info() -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT version()")
            database = cursor.fetchone()[0]
        else:
            database = f"{connection.vendor} {connection.Database.sqlite_version}"
    try:
        memory_gb = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    except (ValueError, OSError, AttributeError):
        memory_gb = None
    return {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "memory_gb": memory_gb,
        "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None,
        "database": database,
    }


def format_table(result: dict) -> str:
    def number(value, digits=1):
        return "—" if value is None else f"{value:,.{digits}f}"

    header = f"{'path':46} {'median':>8} {'p95':>8} {'queries':>7} {'sql ms':>8} {'ratio':>6}  {'target':18} "
    lines = [header, "-" * len(header)]
    for row in result["rows"]:
        if row["note"].startswith("n/a"):
            lines.append(f"{row['name']:46} {row['note']}")
            continue
        if row["kind"] in ("sweep", "outbox", "survey_send"):  # measured as a rate
            rate = f"{row['per_second']:,.0f}/s" if row["per_second"] else "—"
            flag = "  OVER" if row["over_target"] else ""
            lines.append(
                f"{row['name']:46} {rate:>8} {'':>8} {'':>7} {'':>8} {'':>6}  {row['target']:18}{flag}"
            )
            continue
        flag = "  OVER" if row["over_target"] else ""
        lines.append(
            f"{row['name']:46} {number(row['median_ms']):>8} {number(row['p95_ms']):>8} "
            f"{row['queries'] if row['queries'] is not None else '—':>7} {number(row['sql_ms']):>8} "
            f"{number(row['ratio']):>6}  {row['target']:18}{flag}"
            + (f" ({row['note']})" if row["note"] else "")
        )
    counts = result["counts"]
    lines.append("")
    lines.append(
        "rows: "
        + ", ".join(
            f"{table.split('_', 1)[-1]} {count:,}"
            for table, count in counts.items()
            if not isinstance(count, bool)
        )
        + f" — {result['machine']['cpus']} CPUs, load {result['machine']['load_average']}"
    )
    lines.append("times in ms, median/p95 over the measured requests; ratio = server median / bare SQL")
    if counts.get("estimated_from_pg_class"):
        lines.append("table sizes are the planner's estimates (pg_class.reltuples); open complaints counted")
    return "\n".join(lines)


def save(result: dict) -> Path:
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / f"{datetime.datetime.now(datetime.UTC):%Y%m%dT%H%M%SZ}.json"
    path.write_text(json.dumps(result, ensure_ascii=False, indent=2, default=str))
    return path
