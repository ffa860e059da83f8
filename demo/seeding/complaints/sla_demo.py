"""The live SLA demo: a 3-minute policy and one complaint on it, received now, so the running
worker warns and escalates it while the visitor watches. It goes through complaint_create like
any other complaint."""

from __future__ import annotations

from django.utils import timezone

from accounts.models import User
from complaints.models import Category, Channel, Complaint, ComplaintType, SlaPolicy
from complaints.services import complaint_create
from customers.models import CustomerPhone
from properties.models import Unit

SLA_DEMO_CATEGORY = "sla-demo"
SLA_DEMO_POLICY = "演示 Demo (3 min)"


def seed_sla_demo(cmd) -> Complaint | None:
    """A 3-minute policy and one complaint on it, received now: the running worker warns and escalates it."""
    parent = Category.objects.filter(code="property-service").first()
    if parent is None:
        return None
    category, created = Category.objects.get_or_create(
        code=SLA_DEMO_CATEGORY,
        defaults={
            "name": "演示 SLA demo",
            "parent": parent,
            "default_department": "property",
            "sort_order": 99,
        },
    )
    cmd.created["categories"] += int(created)
    policy, created = SlaPolicy.objects.get_or_create(
        name=SLA_DEMO_POLICY,
        defaults={
            "category": category,
            "first_response_minutes": 3,
            "plan_minutes": 6,
            "resolution_minutes": 10,
            "escalation_2_after_minutes": 2,
            "escalation_3_after_minutes": 4,
            "time_basis": "clock",
        },
    )
    cmd.created["SLA policies"] += int(created)
    # Still counting down from an earlier run a moment ago: keep it (a rerun creates nothing).
    pending = (
        Complaint.objects.open()
        .filter(sla_policy=policy, sla_warned=False, escalation_level=0, sla_next_check_at__gt=timezone.now())
        .order_by("-pk")
        .first()
    )
    if pending is not None:
        return pending
    agent = User.objects.filter(username="agent").first()
    phone = CustomerPhone.objects.filter(number="13812345678").select_related("customer").first()
    if agent is None or phone is None:
        return None
    unit = Unit.objects.filter(project__code="sjhc", code="3-1-502").first()
    complaint = complaint_create(
        by=agent,
        customer=phone.customer,
        unit=unit,
        project=unit.project if unit else phone.customer.registered_project,
        category=category,
        complaint_type=ComplaintType.COMPLAINT,
        channel=Channel.HOTLINE,
        title="【演示】单元门禁失灵，业主无法进出",
        description="演示用投诉：3 分钟内须首次响应。无人处理时，系统会自动预警并逐级升级。",
    )
    cmd.created["demo SLA complaint"] += 1
    return complaint
