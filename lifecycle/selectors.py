"""The lifecycle's reads: my touchpoints, completion rates."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from customers.models import Contract

from .models import Acknowledgement, Commitment, Disclosure, RedLineItem, Touchpoint

# What "this week" reaches: today and the six days after.
WEEK = datetime.timedelta(days=6)
WHEN_CHOICES = ("all", "overdue", "today", "week")
LIST_COLUMNS = (
    "id",
    "plan__id",
    "plan__step",
    "plan__name_zh",
    "plan__name_en",
    "plan__channel",
    "plan__script_zh",
    "plan__script_en",
    "customer__id",
    "customer__name",
    "unit__id",
    "unit__code",
    "project_id",
    "status",
    "attempts",
    "role",
    "assignee_id",
    "due_on",
    "due_at",
    "version",
)


def my_touchpoints(*, user, when: str = "all", today: datetime.date | None = None) -> QuerySet[Touchpoint]:
    """The user's pending touchpoints due by the end of the week: assigned to them, or unassigned ones of
    their role in their scope; `when` narrows to overdue, today or the rest of the week."""
    today = today or timezone.localdate()
    rows = (
        Touchpoint.objects.visible_to(user)
        .pending()
        .filter(Q(assignee=user) | Q(assignee__isnull=True, role=user.role))
        .select_related("plan", "customer", "unit")
        .only(*LIST_COLUMNS)
    )
    if when == "overdue":
        return rows.filter(due_on__lt=today)
    if when == "today":
        return rows.filter(due_on=today)
    if when == "week":
        return rows.filter(due_on__gt=today, due_on__lte=today + WEEK)
    return rows.filter(due_on__lte=today + WEEK)


def touchpoint_for_update(*, user, pk: int) -> Touchpoint:
    return Touchpoint.objects.visible_to(user).select_related("plan").get(pk=pk)


COMPLETED = (Touchpoint.Status.DONE, Touchpoint.Status.REACHED)


def completed_on_time() -> Q:
    """Completed (done or reached) by its due time (`due_at`, the close of business on its due day):
    the dashboards' "touchpoints done on time" and the list's `on_time` filter."""
    return Q(status__in=COMPLETED, done_at__isnull=False, done_at__lte=F("due_at"))


def overdue_condition(today: datetime.date) -> Q:
    """Still to do after its due day, as on "my touchpoints"."""
    return Q(status__in=Touchpoint.PENDING, due_on__lt=today)


# The list's status filter: each status, and the two groups the rates page counts.
STATUS_GROUPS = {"pending": Touchpoint.PENDING, "completed": COMPLETED}


@dataclass(frozen=True)
class TouchpointFilters:
    due_from: datetime.date | None = None
    due_to: datetime.date | None = None
    city_id: int | None = None
    project_id: int | None = None
    step: str = ""
    status: str = ""  # a Touchpoint.Status, or a key of STATUS_GROUPS
    on_time: bool | None = None  # None: either
    overdue: bool = False


def touchpoint_list(
    *, user, filters: TouchpointFilters, today: datetime.date | None = None
) -> QuerySet[Touchpoint]:
    """Every touchpoint in the user's scope (not only their own), filtered; keyset-paged on the id.
    The dashboards' touchpoint figures drill here with the same conditions."""
    rows = (
        Touchpoint.objects.visible_to(user)
        .select_related("plan", "customer", "unit")
        .only(*LIST_COLUMNS, "done_at", "done_by_id")
    )
    if filters.due_from:
        rows = rows.filter(due_on__gte=filters.due_from)
    if filters.due_to:
        rows = rows.filter(due_on__lte=filters.due_to)
    if filters.project_id:
        rows = rows.filter(project_id=filters.project_id)
    if filters.city_id:
        rows = rows.filter(project__city_company_id=filters.city_id)
    if filters.step:
        rows = rows.filter(plan__step=filters.step)
    if filters.status in STATUS_GROUPS:
        rows = rows.filter(status__in=STATUS_GROUPS[filters.status])
    elif filters.status:
        rows = rows.filter(status=filters.status)
    if filters.on_time is True:
        rows = rows.filter(completed_on_time())
    elif filters.on_time is False:
        rows = rows.exclude(completed_on_time())
    if filters.overdue:
        rows = rows.filter(overdue_condition(today or timezone.localdate()))
    return rows


def touchpoint_rates(
    *, user, since: datetime.date, until: datetime.date, project_id: int | None = None
) -> list[dict]:
    """Per plan and project, the touchpoints due in [since, until]: total, completed (done or reached),
    declined, still pending, and the completion rate. One grouped query."""
    rows = Touchpoint.objects.visible_to(user).filter(due_on__gte=since, due_on__lte=until)
    if project_id:
        rows = rows.filter(project_id=project_id)
    grouped = (
        rows.values("plan_id", "project_id")
        .annotate(
            total=Count("id"),
            completed=Count("id", filter=Q(status__in=COMPLETED)),
            declined=Count("id", filter=Q(status=Touchpoint.Status.DECLINED)),
            pending=Count("id", filter=Q(status__in=Touchpoint.PENDING)),
        )
        .order_by("plan_id", "project_id")
    )
    result = []
    for row in grouped:
        row["rate"] = round(100 * row["completed"] / row["total"]) if row["total"] else None
        result.append(row)
    return result


# Reads of the registers: the red-line coverage of a project's buyers, a project's risk page.


def material_item_ids(project_id: int) -> set[int]:
    return set(RedLineItem.objects.filter(project_id=project_id, material=True).values_list("pk", flat=True))


def disclosed_item_ids(contract_ids) -> dict[int, set[int]]:
    """contract id → the red-line items of every version the contract acknowledged (one query)."""
    through = Disclosure.items.through
    acknowledged = Acknowledgement.objects.filter(contract_id__in=contract_ids)
    covered: dict[int, set[int]] = defaultdict(set)
    for contract_id, item_id in (
        through.objects.filter(disclosure__acknowledgements__in=acknowledged)
        .values_list("disclosure__acknowledgements__contract_id", "redlineitem_id")
        .distinct()
    ):
        covered[contract_id].add(item_id)
    return covered


def undisclosed_contracts(project_id: int, contracts: list[Contract]) -> list[tuple[Contract, set[int]]]:
    """The contracts whose buyer has not acknowledged every material item, with the missing item ids."""
    material = material_item_ids(project_id)
    if not material or not contracts:
        return []
    covered = disclosed_item_ids([c.pk for c in contracts])
    return [
        (c, material - covered.get(c.pk, set())) for c in contracts if material - covered.get(c.pk, set())
    ]


def contracts_with_register_flags(contracts, *, project_id: int):
    """`contracts` annotated with `undisclosed` (a material red-line item of the project that no
    version the contract acknowledged contains) and `open_commitments` (how many): in the same query."""
    through = Disclosure.items.through
    acknowledged_item = through.objects.filter(
        redlineitem_id=OuterRef("pk"), disclosure__acknowledgements__contract_id=OuterRef(OuterRef("pk"))
    )
    missing = RedLineItem.objects.filter(project_id=project_id, material=True).exclude(
        Exists(acknowledged_item)
    )
    open_count = (
        Commitment.objects.filter(contract_id=OuterRef("pk"), status=Commitment.Status.OPEN)
        .order_by()
        .values("contract_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return contracts.annotate(
        undisclosed=Exists(missing),
        open_commitments=Coalesce(Subquery(open_count, output_field=IntegerField()), Value(0)),
    )


def open_commitment_counts(contract_ids) -> dict[int, int]:
    return dict(
        Commitment.objects.unsettled()
        .filter(contract_id__in=contract_ids)
        .values("contract_id")
        .annotate(n=Count("pk"))
        .values_list("contract_id", "n")
    )


def red_line_coverage(project_id: int) -> tuple[list[RedLineItem], int]:
    """The project's items, each with `covered`: how many active contracts acknowledged a version
    containing it; and the number of active contracts. Three queries."""
    items = list(RedLineItem.objects.filter(project_id=project_id).prefetch_related("photos"))
    through = Disclosure.items.through
    covered = dict(
        through.objects.filter(  # type: ignore[misc]  # annotated just above: the plugin misses it
            disclosure__project_id=project_id,
            disclosure__acknowledgements__contract__status=Contract.Status.ACTIVE,
        )
        .values("redlineitem_id")
        .annotate(n=Count("disclosure__acknowledgements__contract", distinct=True))
        .values_list("redlineitem_id", "n")
    )
    contracts = Contract.objects.filter(unit__project_id=project_id, status=Contract.Status.ACTIVE).count()
    for item in items:
        item.covered = covered.get(item.pk, 0)  # type: ignore[attr-defined]  # set on the instance for its page
        item.uncovered = max(contracts - item.covered, 0)  # type: ignore[attr-defined]  # set on the instance for its page
    return items, contracts
