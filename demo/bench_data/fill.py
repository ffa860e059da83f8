"""One bench load, in order: estate, staff, customers, complaints, in one transaction; on PostgreSQL
with the foreign-key triggers off and each table's plain indexes dropped while its rows go in."""

from __future__ import annotations

import random
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from complaints import open_counts
from complaints.models import Complaint, ComplaintEvent, ReturnVisit, WorkOrder
from customers.models import Contract, Customer, CustomerPhone, HouseholdMember
from customers.services import customers_refresh_contract_dates
from dashboards.measures.complaints import summary as complaint_summary
from dashboards.models import ComplaintCategoryMonthFigures, ComplaintDayFigures, ComplaintMonthFigures
from membership.purchases import club_purchases_rebuild
from properties.models import Unit

from . import bulk
from .club import write_club
from .complaints import write_complaints
from .customers import BENCH_360_NAME, write_customers
from .estate import CITIES, write_estate
from .staff import create_bench_users
from .surveys import write_surveys
from .timeline import TIMELINE_EVENTS, write_timeline_history
from .writer import RowWriter

# The tables written with ids of the load's own: their sequences move past them afterwards.
NUMBERED_BY_THE_LOAD = (Unit, Customer, CustomerPhone, Contract, HouseholdMember, Complaint, ComplaintEvent,
                        WorkOrder, ReturnVisit)  # fmt: skip


@dataclass
class BenchFill:
    counts: dict[str, int]  # table → rows written
    city_head_company: str


def fill_bench_data(
    *,
    complaints: int,
    units: int | None,
    customers: int | None,
    cities: int,
    projects_per_city: int,
    years: int,
    seed: int,
    quiet: bool,
    survey_responses: int = 0,
    members: int = 0,
) -> BenchFill:
    """Write the bench rows; units default to 0.3 × complaints, customers to 0.4 × complaints."""
    rng = random.Random(seed)
    now = timezone.now()
    writer = RowWriter(quiet)
    units = units or max(complaints * 3 // 10, 40)
    customers = customers or max(complaints * 4 // 10, 50)
    cities = max(1, min(cities, len(CITIES)))
    with transaction.atomic():
        bulk.skip_foreign_key_triggers()
        estate = write_estate(writer, rng, now, cities=cities, per_city=projects_per_city, units=units)
        staff = create_bench_users(estate)
        with bulk.indexes_dropped((Customer,), quiet=quiet):
            with bulk.indexes_dropped((CustomerPhone, Contract, HouseholdMember), quiet=quiet):
                ownership = write_customers(writer, rng, now, estate=estate, total=customers)
            # COPY skips Contract.save(): copy the latest contract's dates onto every buyer (the
            # lifecycle stage) with the contracts' indexes back and statistics taken, while the
            # customers' own indexes (a trigram GIN among them) are still down.
            bulk.analyze(Contract, Customer)
            customers_refresh_contract_dates(customer_ids=None)
        with bulk.indexes_dropped((Complaint, ComplaintEvent, WorkOrder, ReturnVisit), quiet=quiet):
            write_complaints(
                writer,
                rng,
                now,
                estate=estate,
                ownership=ownership,
                staff=staff,
                total=complaints,
                years=years,
            )
        bulk.reset_sequences(NUMBERED_BY_THE_LOAD)
        if survey_responses:
            write_surveys(writer, rng, now, responses=survey_responses, quiet=quiet)
        if members:
            write_club(writer, rng, now, members=members, quiet=quiet)
        else:
            # The contracts' purchases for the dashboards (write_club computes them after its members).
            club_purchases_rebuild(progress=not quiet)
        # The 360 customer's long owner timeline, after the club (its points go on their membership, if
        # any); its own random stream, so that the rows above stay as they were.
        bench_360 = Customer.objects.filter(name=BENCH_360_NAME).first()
        if bench_360 is not None:
            history = write_timeline_history(
                bench_360, events=TIMELINE_EVENTS, rng=random.Random(seed + 16), now=now
            )
            for table, count in history.items():
                writer.counts[table] = writer.counts.get(table, 0) + count
        # The SLA board's kept counters: the triggers that keep them were skipped with the others.
        open_counts.rebuild()
    bulk.vacuum_analyze()
    # The dashboards' complaint summary, counted once over what was loaded (beat's task keeps it up to
    # date afterwards): the bench times the dashboards from it. About a minute at 1M complaints.
    complaint_summary.recount(None)
    bulk.analyze(ComplaintDayFigures, ComplaintMonthFigures, ComplaintCategoryMonthFigures)
    return BenchFill(counts=writer.counts, city_head_company=staff.city_head_company)
