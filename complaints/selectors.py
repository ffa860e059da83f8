"""Reads of complaints, shaped for their pages and scoped to the user."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils import timezone

from accounts.models import User
from customers.selectors import primary_phone_number
from properties import selectors as property_selectors
from properties.selectors import cached_reference, forget_cached, forget_on_change

from . import drill_down, open_counts, words
from .models import (
    Category,
    Complaint,
    ComplaintEvent,
    GroupCase,
    GroupCaseEvent,
    ImprovementItem,
    SlaAlert,
    WorkOrder,
    current_due_expression,
)

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


# --- reference data: categories, projects and staff, cached ----------------------------------------
# Every list row's category and project labels, the board's filters (and the staff): cached as
# properties.selectors.cached_reference() explains; a save or delete of a category or a staff member,
# or a change of a staff member's projects or city companies, drops the cached copy at once.

CATEGORIES_KEY = "complaints:reference:categories"
STAFF_KEY = "complaints:reference:staff"


CATEGORY_COLUMNS = ("id", "parent_id", "code", "name", "default_department", "sort_order", "is_active")


@dataclass(frozen=True)
class CategoryEntry:
    id: int
    parent_id: int | None
    code: str
    name: str
    default_department: str
    sort_order: int
    is_active: bool
    label: str  # "房屋质量 / 渗漏", as Category.__str__


@dataclass(frozen=True)
class StaffEntry:
    id: int
    label: str  # as User.__str__
    role: str
    project_ids: frozenset[int]
    city_company_ids: frozenset[int]


def categories() -> dict[int, CategoryEntry]:
    """Every category (active or not) by id, in the tree's order (sort order, name)."""

    def build() -> dict[int, CategoryEntry]:
        rows = list(Category.objects.values_list(*CATEGORY_COLUMNS))
        names = {row[0]: row[3] for row in rows}
        return {
            row[0]: CategoryEntry(*row, label=f"{names[row[1]]} / {row[3]}" if row[1] else row[3])  # type: ignore[misc]  # *row holds the 7 CATEGORY_COLUMNS: mypy cannot count a values_list
            for row in rows
        }

    return cached_reference(CATEGORIES_KEY, build)


def category(pk: int) -> Category | None:
    """A Category instance (its parent attached) built from the cached tree: what a service needs
    to record a complaint in it (is_active, default department), without a query."""
    entries = categories()

    def build(entry: CategoryEntry) -> Category:
        instance = Category.from_db(
            "default", CATEGORY_COLUMNS, [getattr(entry, column) for column in CATEGORY_COLUMNS]
        )
        if entry.parent_id is not None and entry.parent_id in entries:
            instance.parent = build(entries[entry.parent_id])
        return instance

    entry = entries.get(pk)
    return build(entry) if entry is not None else None


# Project names and the project filter's choices: the property app's cached reference data.
projects = property_selectors.projects_by_id
visible_projects = property_selectors.visible_projects
visible_city_companies = property_selectors.visible_city_companies


def staff() -> list[StaffEntry]:
    """Every active staff member with their role and assignments, by display name."""

    def build() -> list[StaffEntry]:
        users = list(User.objects.filter(is_active=True).order_by("display_name", "username"))
        project_ids: dict[int, set[int]] = {}
        for user_id, project_id in User.projects.through.objects.values_list("user_id", "project_id"):
            project_ids.setdefault(user_id, set()).add(project_id)
        city_ids: dict[int, set[int]] = {}
        for user_id, city_id in User.city_companies.through.objects.values_list("user_id", "citycompany_id"):
            city_ids.setdefault(user_id, set()).add(city_id)
        return [
            StaffEntry(
                u.pk,
                str(u),
                u.role,
                frozenset(project_ids.get(u.pk, ())),
                frozenset(city_ids.get(u.pk, ())),
            )
            for u in users
        ]

    return cached_reference(STAFF_KEY, build)


def colleague_choices(user, roles) -> list[tuple[int, str]]:
    """Active staff of the given roles working on the user's projects (everyone for the group): the
    same people as complaints.forms.colleagues(), without a query."""
    scope = user.scope
    return [
        (entry.id, entry.label)
        for entry in staff()
        if entry.role in roles
        and (
            scope.is_unrestricted
            or entry.project_ids & scope.project_ids
            or entry.city_company_ids & scope.city_company_ids
        )
    ]


def forget_reference_data() -> None:
    """Drop every cached copy of the reference data: for bulk writes, which send no post_save
    (customers.importing creates projects with bulk_create)."""
    forget_cached(
        CATEGORIES_KEY, STAFF_KEY, property_selectors.PROJECTS_KEY, property_selectors.CITY_COMPANIES_KEY
    )


forget_on_change(CATEGORIES_KEY, "complaints.Category")
forget_on_change(STAFF_KEY, "accounts.User", signals=(post_delete,))
forget_on_change(
    STAFF_KEY,
    User.projects.through._meta.label,
    User.city_companies.through._meta.label,
    signals=(m2m_changed,),
)


def _staff_saved(sender, update_fields=None, **kwargs) -> None:
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return  # a login changes nothing the staff lists show
    forget_cached(STAFF_KEY)


post_save.connect(_staff_saved, sender=User, dispatch_uid="complaints.selectors.staff_saved")


# --- lists ------------------------------------------------------------------------------------------

# What a list row (the SLA board, the API list) shows; the rest of the row stays in the table.
LIST_COLUMNS = (
    "id",
    "number",
    "complaint_type",
    "channel",
    "category_id",
    "severity",
    "status",
    "customer_id",
    "unit_id",
    "project_id",
    "title",
    "received_at",
    "department",
    "handler_id",
    "reopen_count",
    "first_response_due_at",
    "plan_due_at",
    "resolution_due_at",
    "paused_at",
    "sla_target",
    "sla_warned",
    "escalation_level",
    "version",
    "created_at",
    "updated_at",
    "customer__name",
    "reporter_name",
    "reporter_phone",
    "unit__code",
    "handler__username",
    "handler__display_name",
    "handler__first_name",
    "handler__last_name",
)


def complaint_list(*, user, filters: dict | None = None) -> QuerySet[Complaint]:
    """Complaints the user may see, with what a list row shows, filtered by the board's filters. Labels
    come from `categories()` / `projects()`; `customer_phone` is the primary phone (mask it on output)."""
    return list_rows(complaints_matching(user=user, filters=filters))


def list_rows(complaints: QuerySet[Complaint]) -> QuerySet[Complaint]:
    """Shape complaints for a list: the columns of LIST_COLUMNS, three small joins, the phone."""
    return (
        complaints.select_related("customer", "unit", "handler")
        .only(*LIST_COLUMNS)
        .annotate(customer_phone=primary_phone_number("customer_id"))
    )


def category_and_children(category_id: int) -> list[int]:
    """A category filter matches the category and its children (房屋质量 → 渗漏, 裂缝 …)."""
    return [category_id, *(c.id for c in categories().values() if c.parent_id == category_id)]


def complaints_matching(*, user, filters: dict | None = None, scoped: bool = True) -> QuerySet[Complaint]:
    """The complaints the user may see that pass the board's filters (no columns chosen, no order);
    `scoped=False` leaves the scope to the caller (complaints/words.py: the index's keys hold it)."""
    filters = filters or {}
    complaints = Complaint.objects.visible_to(user) if scoped else Complaint.objects.all()
    for name in BOARD_FILTERS:
        value = filters.get(name)
        if value in (None, ""):
            continue
        if name == "category":
            complaints = complaints.filter(category_id__in=category_and_children(int(value)))
        elif name == "status" and value == "open":
            complaints = complaints.open()
        elif name == "status" and value == "all":
            continue
        elif name in ("project", "handler"):
            complaints = complaints.filter(**{f"{name}_id": value})
        else:
            complaints = complaints.filter(**{name: value})
    complaints = complaints.filter(drill_down.condition(filters))
    if filters.get("mine_only") and user.pk:
        complaints = complaints.filter(handler=user)
    if filters.get("sla"):
        complaints = with_current_due(complaints).filter(sla_condition(filters["sla"], timezone.now()))  # type: ignore[assignment]  # with_current_due() keeps the ComplaintQuerySet
    if filters.get("q"):
        complaints = complaints.filter(words.board_condition(filters, user, text_condition))
    return complaints


def text_condition(text: str) -> Q:
    """A complaint numbered `text`, or whose subject or description holds it. `icontains` is UPPER(…)
    LIKE, served on PostgreSQL by the trigram indexes of migration 0012 from three characters."""
    text = text.strip()
    return Q(number=text.upper()) | Q(title__icontains=text) | Q(description__icontains=text)


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
    """Annotate `current_due`: the due time of the target being measured (first response, plan or
    resolution); the expression of the `complaint_board_current_due` index, so the board's order uses it."""
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
    """How many open complaints are on time / warning / breached / paused, in one query (kept counts
    for a board of whole projects on PostgreSQL: complaints/open_counts.py; else one grouped count)."""
    now = timezone.now()
    filters = {k: v for k, v in (filters or {}).items() if k != "sla"}
    filters["status"] = "open"
    if open_counts.applies(user, filters):
        return open_counts.counters(user, filters, now)
    if words.pairs_apply(filters, user):  # two characters: complaints/words.py
        complaints = words.counted(complaints_matching, user, filters)
    else:
        complaints = complaints_matching(user=user, filters=filters)
    complaints = with_current_due(complaints).order_by()
    return complaints.aggregate(
        **{state: Count("pk", filter=sla_condition(state, now)) for state in SLA_STATES}
    )


def improvement_items_matching(*, user, filters: dict) -> QuerySet[ImprovementItem]:
    """The improvement list's filters: status (or "not_done": open and in progress), and the dashboards'
    drill-down: a project or city company (items of no project match neither), the days marked done."""
    items = ImprovementItem.objects.visible_to(user)
    status = filters.get("status")
    if status == "not_done":
        items = items.exclude(status=ImprovementItem.Status.DONE)
    elif status:
        items = items.filter(status=status)
    if filters.get("in_projects"):
        items = items.filter(project__isnull=False)
    if filters.get("project"):
        items = items.filter(project_id=filters["project"])
    if filters.get("city"):
        city = filters["city"]
        items = items.filter(project_id__in=drill_down.city_project_ids(city))
    if filters.get("done_from") or filters.get("done_to"):
        items = items.filter(
            drill_down.local_day_range("done_at", filters.get("done_from"), filters.get("done_to"))
        )
    return items


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
                # A contractor sees their own company's orders here, not the other companies' on it.
                queryset=WorkOrder.objects.visible_to(user)
                .select_related("contractor", "assignee")
                .prefetch_related("notes"),
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


def complaint_as_created(complaint: Complaint) -> Complaint:
    """The complaint complaint_create() has just returned, with the relations complaint_detail() reads
    filled from what the service wrote (its first event, its attachments, nothing else yet): the API
    answers 201 with the detail without reading it all back. For an instance shown at once only: the
    filled relations do not follow later writes."""
    written = {
        "events": [complaint.created_event],  # type: ignore[attr-defined]  # set by complaint_create() for this caller
        "attachments": list(complaint.created_attachments),  # type: ignore[attr-defined]  # set by complaint_create() for this caller
        "work_orders": [],
        "return_visits": [],
        "improvement_items": [],
    }
    complaint._prefetched_objects_cache = {}  # type: ignore[attr-defined]  # Django's prefetch cache, filled by hand
    for name, rows in written.items():
        rows_queryset = getattr(complaint, name).all()
        rows_queryset._result_cache, rows_queryset._prefetch_done = rows, True
        complaint._prefetched_objects_cache[name] = rows_queryset  # type: ignore[attr-defined]  # Django's prefetch cache, filled by hand
    Complaint.major_report.related.set_cached_value(complaint, None)  # no report yet
    return complaint


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


def unmatched_complaint_matches(*, user, complaint: Complaint) -> QuerySet:
    """Customers the user may see whose phone is the unmatched complaint's contact phone, or whose name
    is its contact name in the project's city company: the agent's candidates (masked on screen)."""
    from customers.models import Customer, CustomerPhone

    if complaint.customer_id is not None:
        return Customer.objects.none()
    by_phone = CustomerPhone.objects.filter(number=complaint.reporter_phone).values("customer_id")
    same = Q(pk__in=by_phone) if complaint.reporter_phone else Q(pk__in=[])
    if complaint.reporter_name:
        same |= Q(name=complaint.reporter_name, city_company_id=complaint.project.city_company_id)
    return (
        Customer.objects.visible_to(user)
        .filter(same)
        .defer("id_number")
        .annotate(primary_phone_number=primary_phone_number())
        .order_by("-id")
    )


# --- group cases (群诉) --------------------------------------------------------------------------------


def group_case_list(
    *,
    user,
    status: str | None = None,
    crisis: bool | None = None,
    project: int | None = None,
    city: int | None = None,
    opened_from: datetime.date | None = None,
    opened_to: datetime.date | None = None,
) -> QuerySet[GroupCase]:
    """The cases the user may see, each with its number of complaints (a subquery per row of the page,
    on the complaints' group_case index), newest first for keyset paging. `city` and the opened days
    (inclusive) are the dashboards' drill-down."""
    cases = GroupCase.objects.visible_to(user)
    if city:
        cases = cases.filter(project_id__in=drill_down.city_project_ids(city))
    if opened_from or opened_to:
        cases = cases.filter(drill_down.local_day_range("created_at", opened_from, opened_to))
    if status:
        cases = cases.filter(status=status)
    if crisis is not None:
        cases = cases.filter(is_crisis=crisis)
    if project:
        cases = cases.filter(project_id=project)
    members = (
        Complaint.objects.filter(group_case_id=OuterRef("pk"))
        .order_by()
        .values("group_case_id")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return cases.select_related("project", "category", "owner").annotate(complaint_count=Subquery(members))  # type: ignore[return-value]  # the custom QuerySet: the stubs lose its model


def group_case_detail(*, user, pk: int) -> GroupCase:
    """The case page's case: its facts, report and timeline in a fixed number of queries. Raises
    DoesNotExist outside the scope."""
    return (
        GroupCase.objects.visible_to(user)
        .select_related("project", "building", "category", "owner", "plan_agreed_by", "report__author")
        .prefetch_related(Prefetch("events", queryset=GroupCaseEvent.objects.select_related("actor")))
        .get(pk=pk)
    )


def group_case_complaints(*, user, case: GroupCase) -> QuerySet[Complaint]:
    """The case's complaints the user may see (department staff: their department's), for keyset paging."""
    return (
        Complaint.objects.visible_to(user)
        .filter(group_case=case)
        .select_related("customer", "unit", "handler")
        .defer("description")
    )
