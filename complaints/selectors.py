"""Reads of complaints, shaped for their pages and scoped to the user."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from customers.models import CustomerPhone

from .models import Complaint, ComplaintEvent, SlaAlert, WorkOrder, current_due_expression

BOARD_FILTERS = (
    "project",
    "category",
    "severity",
    "channel",
    "handler",
    "status",
    "complaint_type",
    "department",
)
SLA_STATES = ("on_time", "warning", "breached", "paused")


def complaint_list(*, user, filters: dict | None = None) -> QuerySet[Complaint]:
    """Complaints the user may see, with what a list row shows, filtered by the board's filters."""
    filters = filters or {}
    complaints = (
        Complaint.objects.visible_to(user)
        .select_related("customer", "project", "category", "category__parent", "unit", "handler")
        .prefetch_related(
            Prefetch(
                "customer__phones",
                queryset=CustomerPhone.objects.only("id", "customer_id", "number", "is_primary"),
            )
        )
    )
    for name in BOARD_FILTERS:
        value = filters.get(name)
        if value in (None, ""):
            continue
        if name == "category":
            complaints = complaints.filter(Q(category_id=value) | Q(category__parent_id=value))
        elif name == "status" and value == "open":
            complaints = complaints.open()
        elif name in ("project", "handler"):
            complaints = complaints.filter(**{f"{name}_id": value})
        else:
            complaints = complaints.filter(**{name: value})
    if filters.get("mine_only") and user.pk:
        complaints = complaints.filter(handler=user)
    if filters.get("sla"):
        complaints = with_current_due(complaints).filter(sla_condition(filters["sla"], timezone.now()))
    if filters.get("q"):
        text = filters["q"].strip()
        complaints = complaints.filter(Q(number=text) | Q(title__contains=text))
    return complaints


def sla_condition(state: str, now: datetime.datetime) -> Q:
    """The SQL form of complaints.sla.sla_state over `with_current_due()`, for filters and counters."""
    running = Q(paused_at__isnull=True) & ~Q(sla_target="")
    conditions = {
        "paused": Q(paused_at__isnull=False) & ~Q(sla_target=""),
        "breached": running & Q(current_due__lte=now),
        "warning": running & Q(sla_warned=True, current_due__gt=now),
        "on_time": running & Q(sla_warned=False, current_due__gt=now),
    }
    return conditions.get(state, Q())


def with_current_due(complaints: QuerySet[Complaint]) -> QuerySet[Complaint]:
    """Annotate `current_due`: the due time of the target being measured (first response, plan or resolution).

    The same expression as the `complaint_board_current_due` index, so the board's order uses it.
    """
    return complaints.annotate(current_due=current_due_expression())


def sla_board(*, user, filters: dict | None = None) -> QuerySet[Complaint]:
    """Open complaints by nearest due time (paused and met clocks last). Keyset-paged by (current_due, id)."""
    filters = dict(filters or {})
    filters.setdefault("status", "open")
    if filters["status"] == "":
        filters["status"] = "open"
    return with_current_due(complaint_list(user=user, filters={**filters, "sla": None})).filter(
        sla_condition(filters.get("sla") or "", timezone.now())
    )


def sla_counters(*, user, filters: dict | None = None) -> dict[str, int]:
    """How many open complaints are on time / warning / breached / paused, in one grouped query."""
    now = timezone.now()
    filters = {k: v for k, v in (filters or {}).items() if k != "sla"}
    filters["status"] = "open"
    complaints = with_current_due(complaint_list(user=user, filters=filters)).order_by()
    return complaints.aggregate(
        **{state: Count("pk", filter=sla_condition(state, now)) for state in SLA_STATES}
    )


def complaint_detail(*, user, pk: int) -> Complaint:
    """Everything the complaint page shows, in a fixed number of queries. Raises DoesNotExist outside scope."""
    return (
        Complaint.objects.visible_to(user)
        .select_related(
            "customer",
            "customer__city_company",
            "project",
            "project__city_company",
            "category",
            "category__parent",
            "unit",
            "unit__building",
            "handler",
            "received_by",
            "group_case",
            "sla_policy",
            "major_report",
        )
        .prefetch_related(
            "customer__phones",
            Prefetch("events", queryset=ComplaintEvent.objects.select_related("actor")),
            Prefetch(
                "work_orders",
                queryset=WorkOrder.objects.select_related("contractor", "assignee").prefetch_related("notes"),
            ),
            "attachments",
            "return_visits",
            Prefetch(
                "group_case__complaints",
                queryset=Complaint.objects.only("id", "number", "title", "status", "group_case_id"),
            ),
            "improvement_items",
        )
        .get(pk=pk)
    )


def possible_duplicates(
    *, user, customer_id: int, category_id: int | None, unit_id: int | None = None
) -> list[Complaint]:
    """Open complaints of the same customer or unit in the same category: shown before saving a new one."""
    if not category_id:
        return []
    same_party = Q(customer_id=customer_id)
    if unit_id:
        same_party |= Q(unit_id=unit_id)
    return list(
        Complaint.objects.visible_to(user)
        .open()
        .filter(same_party, category_id=category_id)
        .select_related("category")
        .only("id", "number", "title", "status", "received_at", "category__name")
        .order_by("-received_at")[:5]
    )


@dataclass(frozen=True)
class GroupCaseProposal:
    project_id: int
    project_name: str
    building_id: int | None
    building_number: str | None
    category_id: int
    category_name: str
    complaint_ids: list[int]


def group_case_proposals(*, user, now: datetime.datetime | None = None) -> list[GroupCaseProposal]:
    """Clusters of N open, ungrouped complaints of one category from one building (or, without
    units, one project) within the last M days: candidates for a group case (群诉)."""
    now = now or timezone.now()
    minimum, days = settings.GROUP_CASE_MIN_COMPLAINTS, settings.GROUP_CASE_WINDOW_DAYS
    recent = (
        Complaint.objects.visible_to(user)
        .open()
        .filter(group_case__isnull=True, received_at__gte=now - datetime.timedelta(days=days))
    )
    clusters = (
        recent.values(
            "project_id",
            "project__name",
            "unit__building_id",
            "unit__building__number",
            "category_id",
            "category__name",
        )
        .annotate(n=Count("pk"))
        .filter(n__gte=minimum)
        .order_by("-n")[:20]
    )
    proposals = []
    for cluster in clusters:
        ids = list(
            recent.filter(
                project_id=cluster["project_id"],
                category_id=cluster["category_id"],
                unit__building_id=cluster["unit__building_id"],
            ).values_list("pk", flat=True)
            if cluster["unit__building_id"]
            else recent.filter(
                project_id=cluster["project_id"], category_id=cluster["category_id"], unit__isnull=True
            ).values_list("pk", flat=True)
        )
        proposals.append(
            GroupCaseProposal(
                cluster["project_id"],
                cluster["project__name"],
                cluster["unit__building_id"],
                cluster["unit__building__number"],
                cluster["category_id"],
                cluster["category__name"],
                ids,
            )
        )
    return proposals


def supervisor_view(*, user, day: datetime.date | None = None) -> dict:
    """Breaches and escalations fired today, by project and by handler: two grouped queries."""
    day = day or timezone.localdate()
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    end = start + datetime.timedelta(days=1)
    alerts = SlaAlert.objects.filter(
        fired_at__gte=start, fired_at__lt=end, level__gte=1, complaint__in=Complaint.objects.visible_to(user)
    )
    by_project = list(
        alerts.values("complaint__project_id", "complaint__project__name")
        .annotate(
            breaches=Count("pk", filter=Q(level=1)),
            escalations=Count("pk", filter=Q(level__gte=2)),
        )
        .order_by("-breaches", "-escalations")
    )
    by_handler = list(
        alerts.values(
            "complaint__handler_id", "complaint__handler__username", "complaint__handler__display_name"
        )
        .annotate(
            breaches=Count("pk", filter=Q(level=1)),
            escalations=Count("pk", filter=Q(level__gte=2)),
        )
        .order_by("-breaches", "-escalations")
    )
    recent = list(
        alerts.select_related("complaint", "complaint__project", "complaint__handler").order_by("-fired_at")[
            :50
        ]
    )
    return {"day": day, "by_project": by_project, "by_handler": by_handler, "recent": recent}
