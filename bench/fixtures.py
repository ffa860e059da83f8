"""What the measured paths need, looked up once in the bench database: the bench users, the 360
customer, an ordinary owner and their phone, and the cursors of the pages 50 pages deep."""

from __future__ import annotations

import base64
from dataclasses import dataclass


@dataclass
class Fixtures:
    """What the paths need, looked up once in the bench database."""

    admin: object
    city_head: object
    agent: object
    customer_360: object | None
    project: object
    category: object
    unit: object
    phone: str
    name_fragment: str
    full_name: str
    board_deep_cursor: str | None
    api_deep_cursor: str
    customer_deep_cursor: str | None
    work_order_deep_cursor: str | None


def find_fixtures(*, depth_pages: int = 50) -> Fixtures:
    from django.db.models import Count

    from accounts.models import User
    from complaints import selectors
    from complaints.models import Category
    from complaints.views import PAGE_SIZE, DueCursorPaginator
    from core.api import IdCursorPagination
    from customers.models import Customer, CustomerPhone, HouseholdMember
    from demo.bench_data import BENCH_360_NAME, BENCH_USERS

    try:
        admin = User.objects.get(username=BENCH_USERS["group_admin"])
        city_head = User.objects.get(username=BENCH_USERS["city_head"])
        agent = User.objects.get(username=BENCH_USERS["agent"])
    except User.DoesNotExist:
        raise SystemExit("No bench users here: run `make bench-data` (manage.py bench_data) first.") from None
    customer_360 = Customer.objects.filter(name=BENCH_360_NAME).first()
    project = agent.projects.order_by("pk").first()
    category = (
        Category.objects.filter(parent__isnull=True, code="quality").first() or Category.objects.first()
    )
    # An ordinary owner (the 21st of the project, past the 360 customer's ten units).
    members = list(
        HouseholdMember.objects.filter(unit__project=project, role="owner")
        .select_related("unit", "customer")
        .order_by("pk")[:21]
    )
    if not members:
        raise SystemExit("The bench agent's project has no owners: is this a bench_data database?")
    member = members[-1]
    phone = CustomerPhone.objects.filter(customer=member.customer).values_list("number", flat=True).first()
    # The deep board page: the row `depth_pages` pages down the city head's board.
    board = selectors.sla_board(user=city_head, filters={}).order_by("current_due", "id")
    deep_rows = list(board[depth_pages * PAGE_SIZE - 1 : depth_pages * PAGE_SIZE]) or list(
        board.reverse()[:1]
    )
    board_cursor = (
        DueCursorPaginator(board, ordering=("current_due", "id")).cursor(deep_rows[0]) if deep_rows else None
    )
    # The deep API page: DRF's cursor is base64("p=<id>") on the -id ordering.
    from complaints.models import Complaint

    visible = Complaint.objects.visible_to(city_head).order_by("-id").values_list("pk", flat=True)
    api_depth = depth_pages * IdCursorPagination.page_size
    deep_id = visible[api_depth - 1 : api_depth].first() or visible.last()
    api_cursor = base64.b64encode(f"p={deep_id}".encode()).decode()
    del Count
    customer_cursor, work_order_cursor = _deep_list_cursors(city_head, depth_pages)
    return Fixtures(
        admin=admin,
        city_head=city_head,
        agent=agent,
        customer_360=customer_360,
        project=project,
        category=category,
        unit=member.unit,
        phone=phone,
        name_fragment=member.customer.name[:2],
        full_name=_three_character_name(project) or member.customer.name,
        board_deep_cursor=board_cursor,
        api_deep_cursor=api_cursor,
        customer_deep_cursor=customer_cursor,
        work_order_deep_cursor=work_order_cursor,
    )


def _deep_list_cursors(user, depth_pages: int) -> tuple[str | None, str | None]:
    """The `after` cursors `depth_pages` pages down the user's customer list and open work orders."""
    from complaints.models import WorkOrder
    from complaints.views import PAGE_SIZE as WORK_ORDER_PAGE_SIZE
    from complaints.views import DueCursorPaginator
    from core.paging import PAGE_SIZE as CUSTOMER_PAGE_SIZE
    from core.paging import NewestFirstPaginator
    from customers import selectors as customer_selectors

    customers = NewestFirstPaginator(customer_selectors.customer_list(user=user, filters={}))
    depth = depth_pages * CUSTOMER_PAGE_SIZE
    # On a small database (the tests), the last row stands in for the deep one.
    customer = customers.queryset.only("pk")[depth - 1 : depth].first() or customers.queryset.last()
    orders = WorkOrder.objects.visible_to(user).exclude(
        status__in=[WorkOrder.Status.DONE, WorkOrder.Status.CANCELLED]
    )
    order_pages = DueCursorPaginator(orders, ordering=("due_at", "id"))
    depth = depth_pages * WORK_ORDER_PAGE_SIZE
    in_order = orders.order_by("due_at", "id").only("pk", "due_at")
    order = in_order[depth - 1 : depth].first() or in_order.last()
    return (
        customers.cursor(customer) if customer else None,
        order_pages.cursor(order) if order else None,
    )


def _three_character_name(project) -> str | None:
    """A full three-character name (王桂英) of an owner in the project: trigram indexes need three."""
    from django.db.models.functions import Length

    from customers.models import Customer

    return (
        Customer.objects.filter(registered_project=project)
        .annotate(length=Length("name"))
        .filter(length=3)
        .order_by("pk")
        .values_list("name", flat=True)
        .first()
    )
