"""manage.py bench_sla_sweep --complaints 10000: how many escalations per second the SLA sweep fires.

Creates N complaints whose every escalation level is due now (bulk_create, with the SLA fields the
services would have set), times one `sla_sweep()`, prints the rate, and deletes everything it made:
it works in a dedicated city company / project ("bench-sla") so that nothing else is touched.
"""

from __future__ import annotations

import datetime
import time

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from complaints import sla
from complaints.models import Category, Complaint, ComplaintEvent, SlaAlert, SlaPolicy, Status
from customers.models import Customer
from notifications.models import Notification
from properties.models import CityCompany, Project

BENCH_CODE = "bench-sla"


def bench_place(code: str, *, company: str, project: str, customer: str):
    """A city company and project of the bench's own (found or made by `code`), a customer in it and a
    sub-category: where a bench's complaints go, so that nothing else is touched. Returns (city, project,
    customer, category)."""
    city, _ = CityCompany.objects.get_or_create(code=code, defaults={"name": company, "city": "压测"})
    place, _ = Project.objects.get_or_create(code=code, defaults={"name": project, "city_company": city})
    owner = Customer.objects.filter(city_company=city).first() or Customer.objects.create(
        city_company=city, name=customer
    )
    category = Category.objects.filter(parent__isnull=False, is_active=True).order_by("pk").first()
    return city, place, owner, category


def quick_policy(name: str) -> SlaPolicy:
    """1, 2 and 3 minutes to respond, plan and resolve; level 2 one minute after breach, level 3 two."""
    policy, _created = SlaPolicy.objects.get_or_create(
        name=name,
        defaults=dict(
            first_response_minutes=1,
            plan_minutes=2,
            resolution_minutes=3,
            escalation_2_after_minutes=1,
            escalation_3_after_minutes=2,
            is_active=False,  # never chosen for real complaints
        ),
    )
    return policy


def bulk_due_complaints(
    *,
    count: int,
    project: Project,
    customer: Customer,
    category: Category,
    policy: SlaPolicy,
    received_at: datetime.datetime,
    prefix: str,
    batch_size: int = 2000,
) -> list[Complaint]:
    """Complaints received at `received_at` on `policy`, their clocks set as complaint_create sets them."""
    complaints = []
    for index in range(count):
        complaint = Complaint(
            number=f"{prefix}-{index:06d}",
            complaint_type="complaint",
            channel="hotline",
            category=category,
            customer=customer,
            project=project,
            title=f"SLA bench {index}",
            description="bench",
            received_at=received_at,
            status=Status.RECEIVED,
            department=category.default_department or "customer_service",
            sla_policy=policy,
        )
        sla.start_clock(complaint, start=received_at, targets=("first_response", "plan", "resolution"))
        sla.refresh_clock(complaint)
        complaints.append(complaint)
    return Complaint.objects.bulk_create(complaints, batch_size=batch_size)


class Command(BaseCommand):
    help = "Measure SLA sweep throughput (escalations per second) on N complaints due at once; cleans up."

    def add_arguments(self, parser):
        parser.add_argument("--complaints", type=int, default=10_000)
        parser.add_argument(
            "--batch-size", type=int, default=500, help="the sweep's batch size (default 500)"
        )

    def handle(self, *args, complaints: int, batch_size: int, **options):
        city, project, customer, category = bench_place(
            BENCH_CODE, company="SLA 压测公司", project="SLA 压测项目", customer="压测客户"
        )
        policy = quick_policy("SLA bench (1 min)")
        try:
            started = time.perf_counter()
            bulk_due_complaints(
                count=complaints,
                project=project,
                customer=customer,
                category=category,
                policy=policy,
                received_at=timezone.now() - datetime.timedelta(hours=1),
                prefix="BENCH",
            )
            self.stdout.write(f"Created {complaints} due complaints in {time.perf_counter() - started:.1f} s")
            started = time.perf_counter()
            fired = sla.sla_sweep(batch_size=batch_size, max_batches=complaints // batch_size + 2)
            elapsed = time.perf_counter() - started
            reached = Complaint.objects.filter(project=project, escalation_level=3).count()
            self.stdout.write(
                f"sla_sweep(): {fired} alerts (levels 1–3) on {reached}/{complaints} complaints "
                f"in {elapsed:.2f} s → {fired / elapsed:,.0f} escalations per second, "
                f"{complaints / elapsed:,.0f} complaints per second (batch size {batch_size})"
            )
        finally:
            self._clean_up(project, city, customer, policy)

    @staticmethod
    @transaction.atomic
    def _clean_up(project, city, customer, policy) -> None:
        ids = Complaint.objects.filter(project=project).values("pk")
        Notification.objects.filter(link__regex=r"^/complaints/[0-9]+/$", kind__startswith="sla_").filter(
            body__startswith="SLA bench "
        ).delete()
        SlaAlert.objects.filter(complaint__in=ids).delete()
        ComplaintEvent.objects.filter(complaint__in=ids).delete()
        Complaint.objects.filter(project=project).delete()
        customer.delete()
        project.delete()
        city.delete()
        policy.delete()
