"""manage.py bench_work_order_sweep --work-orders 10000: how many escalations per second the work-order
deadline sweep fires.

Creates N work orders whose every escalation level is due now (bulk_create, with the deadline fields the
service would have set), times one sweep, prints the rate, and deletes everything it made: it works in a
dedicated city company / project ("bench-wo"), with its own issuing user, so that nothing else is touched.
"""

from __future__ import annotations

import datetime
import time

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.models import Role, User
from complaints import work_order_deadlines
from complaints.management.commands.bench_sla_sweep import bench_place
from complaints.models import Complaint, ComplaintEvent, Status, WorkOrder

BENCH_CODE = "bench-wo"


class Command(BaseCommand):
    help = "Measure the work-order deadline sweep (escalations per second) on N work orders due at once."

    def add_arguments(self, parser):
        parser.add_argument("--work-orders", type=int, default=10_000)
        parser.add_argument(
            "--batch-size", type=int, default=500, help="the sweep's batch size (default 500)"
        )

    def handle(self, *args, work_orders: int, batch_size: int, **options):
        city, project, customer, category = bench_place(
            BENCH_CODE, company="派单压测公司", project="派单压测项目", customer="压测客户"
        )
        # The issuing handler hears of every level: one notification per alert, as in real use.
        issuer, _ = User.objects.get_or_create(
            username=f"{BENCH_CODE}-issuer", defaults={"role": Role.CS_AGENT}
        )
        try:
            started = time.perf_counter()
            self._due_work_orders(work_orders, project, customer, category, issuer)
            self.stdout.write(
                f"Created {work_orders} due work orders in {time.perf_counter() - started:.1f} s"
            )
            started = time.perf_counter()
            fired = work_order_deadlines.WorkOrderEscalationSweep().run(
                now=timezone.now(), batch_size=batch_size, max_batches=work_orders // batch_size + 2
            )
            elapsed = time.perf_counter() - started
            reached = WorkOrder.objects.filter(complaint__project=project, escalation_level=3).count()
            self.stdout.write(
                f"work-order sweep: {fired} alerts (levels 1–3) on {reached}/{work_orders} work orders "
                f"in {elapsed:.2f} s → {fired / elapsed:,.0f} escalations per second, "
                f"{work_orders / elapsed:,.0f} work orders per second (batch size {batch_size})"
            )
        finally:
            self._clean_up(project, city, customer, issuer)

    @staticmethod
    def _due_work_orders(count, project, customer, category, issuer) -> None:
        """One complaint in progress with `count` work orders issued two weeks ago, due a week ago."""
        issued = timezone.now() - datetime.timedelta(days=14)
        complaint = Complaint.objects.create(
            number=f"{BENCH_CODE}-complaint",
            complaint_type="complaint",
            channel="hotline",
            category=category,
            customer=customer,
            project=project,
            title="work-order sweep bench",
            description="bench",
            received_at=issued,
            status=Status.IN_PROGRESS,
            department="engineering",
        )
        orders = []
        for index in range(count):
            order = WorkOrder(
                complaint=complaint,
                project_id=complaint.project_id,  # bulk_create skips save(), which copies it
                number=f"{BENCH_CODE}-{index:06d}",
                department="engineering",
                description="bench",
                due_at=issued + datetime.timedelta(days=7),
                status=WorkOrder.Status.IN_PROGRESS,
                issued_by=issuer,
            )
            work_order_deadlines.start_clock(order, start=issued)
            order.warned = True  # warned in time: the bench measures the escalations (levels 1–3)
            orders.append(order)
        WorkOrder.objects.bulk_create(orders, batch_size=2000)

    @staticmethod
    @transaction.atomic
    def _clean_up(project, city, customer, issuer) -> None:
        complaints = Complaint.objects.filter(project=project)
        ComplaintEvent.objects.filter(complaint__in=complaints.values("pk")).delete()
        WorkOrder.objects.filter(complaint__in=complaints.values("pk")).delete()  # and their alerts
        complaints.delete()
        issuer.delete()  # and their notifications
        customer.delete()
        project.delete()
        city.delete()
