"""manage.py seed_demo: a realistic, deterministic demo data set and one login per role.

Four city companies, their projects (四季花城, 城市花园, 假日风景, 优诗美地 ...), phases, buildings,
~3,000 units and ~4,000 customers with households, contracts at every lifecycle stage
(准业主, 磨合期, 稳定期, 老业主 and prospects), referrals and acquisition channels; a year of
complaints, handover batches with their inspections and defects, the 6+2 lifecycle's registers. The
parts live in demo.seeding.

Idempotent: every row has a natural key (codes, unit addresses, ID-number hashes, contract numbers)
and only the missing ones are created, so a second run creates nothing. A fixed random seed makes the
data the same on every machine; dates are relative to the day of the first run.
"""

from __future__ import annotations

import random
from collections import Counter

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from demo.seeding import (
    club,
    delivery_inspection,
    delivery_planning,
    delivery_rectification,
    lifecycle,
    surveys,
)
from demo.seeding.complaints import seed_complaints, seed_sla_demo
from demo.seeding.customers import (
    plan_customers,
    write_customers,
    write_duplicate_record,
    write_households_and_contracts,
)
from demo.seeding.estate import plan_estate, write_estate
from demo.seeding.plan import Plan
from demo.seeding.staff import write_city_staff, write_contractors, write_logins
from demo.seeding.summary import print_summary


class Command(BaseCommand):
    help = "Create realistic demo data and one login per role (password demo1234). Safe to run twice."

    def add_arguments(self, parser):
        parser.add_argument("--units", type=int, default=3000, help="units to create (default 3000)")
        parser.add_argument("--customers", type=int, default=4000, help="customers to create (default 4000)")
        parser.add_argument("--seed", type=int, default=20240315, help="random seed (default 20240315)")
        parser.add_argument(
            "--complaints", type=int, default=1500, help="complaints over the last 12 months (default 1500)"
        )

    def handle(
        self, *args, units: int, customers: int, seed: int, complaints: int, verbosity: int, **options
    ):
        self.verbosity = verbosity
        self.today = timezone.localdate()
        self.seed = seed
        self.created: Counter = Counter()
        plan = self.build_plan(units=max(units, 1), customers=max(customers, 1), seed=seed)
        with transaction.atomic():
            write_estate(self, plan)
            write_customers(self, plan)
            write_households_and_contracts(self, plan)
            self.duplicate_pair = write_duplicate_record(self)
            write_contractors(self)
            write_logins(self)
            write_city_staff(self)
            seed_complaints(self, plan, count=max(complaints, 0), seed=seed)
            # 交付: batches and today's queue, then the walks and defects, then their rectification.
            delivery_planning.seed(self)
            delivery_inspection.seed(self)
            delivery_rectification.seed(self)
            # 满意度调查: campaigns answered through the services, then the club (万客会).
            surveys.seed(self)
            club.seed(self)
            # 6+2: touchpoints, commitments, the red line, risk, the four-year items, construction news.
            lifecycle.seed(self)
        self.demo_complaint = seed_sla_demo(self)
        print_summary(self)

    def build_plan(self, *, units: int, customers: int, seed: int) -> Plan:
        """The estate, then the people, from one random stream: the same plan on every machine."""
        rng = random.Random(seed)
        plan = Plan()
        plan_estate(plan, rng, today=self.today, units=units)
        plan_customers(plan, rng, today=self.today, count=customers)
        return plan
