"""The deadline sweeps' throughput: bench_sla_sweep and bench_work_order_sweep make `count` complaints
(work orders) due at once and time one sweep."""

from __future__ import annotations

import io
import re

from bench.timing import Row, Rows

# name, management command, its count option
SWEEPS = (
    ("SLA sweep, {count:,} due at once", "bench_sla_sweep", "complaints"),
    ("work-order sweep, {count:,} due at once", "bench_work_order_sweep", "work_orders"),
)


def measure_sweep(rows: Rows, *, count: int) -> None:
    """Append each sweep's row (escalations per second against its target), if --only wants it."""
    from django.core.management import call_command

    for name, command, option in SWEEPS:
        sweep = Row(name.format(count=count), "sweep")
        if not rows.wanted(sweep.name):
            continue
        try:
            out = io.StringIO()
            call_command(command, **{option: count}, stdout=out)
            match = re.search(r"in ([\d.]+) s → ([\d,]+) escalations per second", out.getvalue())
            if match:
                sweep.per_second = float(match[2].replace(",", ""))
                sweep.median_ms = round(float(match[1]) * 1000, 1)
            sweep.note = out.getvalue().strip().splitlines()[-1][:200]
        except Exception as error:
            sweep.note = f"n/a: {type(error).__name__}: {str(error)[:120]}"
        rows.append(sweep)
