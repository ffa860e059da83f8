"""Benchmark volumes for `manage.py bench_data --complaints 1000000` (make bench-data).

20 city companies × ~10 projects, buildings, ~300k units, ~400k customers (phones, households,
contracts at every stage), 1M complaints over 5 years with their events, work orders and return
visits; ~3 % open, some paused, warned and breached, their SLA fields set as the services and the
sweep would have set them. Rows go in with COPY (CSV built in memory, in chunks), then the
sequences are moved past the new ids and the tables are vacuumed and analysed. On SQLite (tests)
rows go in with executemany instead of COPY.

    writer.py      RowWriter: COPY / executemany in chunks, with progress bars
    bulk.py        around the load on PostgreSQL: triggers, indexes, ANALYZE, sequences
    estate.py      city companies, projects, phases, buildings, units
    staff.py       the bench users and the agents handling each project
    customers.py   customers, phones, contracts, households
    complaints.py  complaints with their events, work orders and return visits
    surveys.py     the bench survey: two campaigns with their responses
    club.py        the club: members (half linked to customers), consents, points, referrals, events
    fill.py        all of it in order, in one transaction
"""

from .customers import BENCH_360_NAME
from .estate import BENCH_PREFIX
from .fill import BenchFill, fill_bench_data
from .staff import BENCH_PASSWORD, BENCH_USERS

__all__ = ["BENCH_360_NAME", "BENCH_PASSWORD", "BENCH_PREFIX", "BENCH_USERS", "BenchFill", "fill_bench_data"]
