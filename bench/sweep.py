"""The SLA sweep's throughput: bench_sla_sweep makes `count` complaints due at once and times one sweep."""

from __future__ import annotations

import io
import re

from bench.timing import Row, Rows


def measure_sweep(rows: Rows, *, count: int) -> None:
    """Append the sweep's row (escalations per second against its target), if --only wants it."""
    from django.core.management import call_command

    sweep = Row(f"SLA sweep, {count:,} due at once", "sweep")
    if not rows.wanted(sweep.name):
        return
    try:
        out = io.StringIO()
        call_command("bench_sla_sweep", complaints=count, stdout=out)
        match = re.search(r"in ([\d.]+) s → ([\d,]+) escalations per second", out.getvalue())
        if match:
            sweep.per_second = float(match[2].replace(",", ""))
            sweep.median_ms = round(float(match[1]) * 1000, 1)
        sweep.note = out.getvalue().strip().splitlines()[-1][:200]
    except Exception as error:
        sweep.note = f"n/a: {type(error).__name__}: {str(error)[:120]}"
    rows.append(sweep)
