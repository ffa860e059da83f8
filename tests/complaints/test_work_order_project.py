"""The work order's copy of its complaint's project (WorkOrder.project): every scope reads it, so it must
always be the complaint's, and a user must never see another project's orders through it."""

import datetime
import importlib
from types import SimpleNamespace

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from complaints import services
from complaints.models import Complaint, WorkOrder
from complaints.search import work_order_number_url
from tests.api import client_for
from tests.factories import CustomerFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db

API = "/api/v1"
migration = importlib.import_module("complaints.migrations.0018_work_order_project")
needs_postgres = pytest.mark.skipif(connection.vendor != "postgresql", reason="the triggers are PostgreSQL's")


def _planned(complaint: Complaint, by) -> Complaint:
    complaint = services.complaint_dispatch(complaint=complaint, by=by, department="engineering", handler=by)
    return services.complaint_agree_plan(complaint=complaint, by=by, plan="上门修补")


def _order(complaint: Complaint, by) -> WorkOrder:
    return services.work_order_create(
        complaint=_planned(complaint, by),
        by=by,
        description="修补",
        department="engineering",
        due_at=timezone.now() + datetime.timedelta(days=2),
    )


@pytest.fixture
def far_complaint(other_project, group_admin, leak):
    """A complaint of 金口花园 (the other city company)."""

    def make():
        unit = UnitFactory(building__project=other_project)
        customer = CustomerFactory(city_company=other_project.city_company, registered_project=other_project)
        return services.complaint_create(
            by=group_admin, customer=customer, unit=unit, category=leak, complaint_type="repair",
            channel="hotline", title="外墙渗水", description="d",
        )  # fmt: skip

    return make


@pytest.fixture
def orders(make_complaint, far_complaint, supervisor, group_admin):
    """(here, there): an order of 四季花城 and one of 金口花园."""
    return _order(make_complaint(), supervisor), _order(far_complaint(), group_admin)


def test_a_work_order_takes_its_complaints_project(orders, project, other_project, make_complaint, agent):
    here, there = orders
    assert (here.project_id, there.project_id) == (project.pk, other_project.pk)
    assert WorkOrder.objects.get(pk=here.pk).project_id == project.pk
    # Written without the service, the model's save() copies it too.
    created = WorkOrder.objects.create(
        complaint=make_complaint(), description="d", department="engineering", due_at=timezone.now()
    )
    assert WorkOrder.objects.get(pk=created.pk).project_id == project.pk


def _links(response, *orders) -> list[bool]:
    content = response.content.decode()
    return [reverse("complaints:work-order", args=[order.pk]) in content for order in orders]


@pytest.mark.parametrize("query", [{}, {"show": "all"}, {"sort": "number"}, {"sort": "-due"}])
def test_each_city_head_lists_only_their_own_projects_orders(client, city, other_city, orders, query):
    here, there = orders
    head = UserFactory(role=Role.CITY_HEAD, city_companies=[city])
    far_head = UserFactory(role=Role.CITY_HEAD, city_companies=[other_city])
    for user, seen in ((head, [True, False]), (far_head, [False, True])):
        client.force_login(user)
        assert _links(client.get(reverse("complaints:work-orders"), query), here, there) == seen


def test_the_api_search_and_page_keep_to_the_scope(client, city, orders):
    here, there = orders
    head = UserFactory(role=Role.CITY_HEAD, city_companies=[city])
    client.force_login(head)
    assert [row["id"] for row in client_for(head).get(f"{API}/work-orders/").json()["results"]] == [here.pk]
    assert client.get(reverse("complaints:work-order", args=[there.pk])).status_code == 404
    assert client_for(head).get(f"{API}/work-orders/{there.pk}/").status_code == 404
    assert work_order_number_url(head, here.number) == reverse("complaints:work-order", args=[here.pk])
    assert work_order_number_url(head, there.number) is None


def test_a_group_admin_lists_every_projects_orders(client, group_admin, orders):
    client.force_login(group_admin)
    assert _links(client.get(reverse("complaints:work-orders")), *orders) == [True, True]


@pytest.mark.parametrize("rows", [2, 20])
def test_a_city_heads_list_is_a_constant_number_of_queries(
    client, city, make_complaint, supervisor, rows, django_assert_max_num_queries
):
    mine = [_order(make_complaint(), supervisor) for _ in range(rows)]
    head = UserFactory(role=Role.CITY_HEAD, city_companies=[city])
    client.force_login(head)
    client.get(reverse("complaints:work-orders"))  # fills the reference-data cache (project names)
    # session + user 2, scope: city companies + projects 2, the page's keys 1, its rows 1, bell 1 = 7.
    with django_assert_max_num_queries(7):
        response = client.get(reverse("complaints:work-orders"))
    assert _links(response, *mine) == [True] * rows
    assert [order.project_name for order in response.context["page"]] == ["四季花城"] * rows


def test_the_backfill_copies_each_orders_project(orders, project, other_project):
    WorkOrder.objects.update(project=None)
    migration.backfill(None, SimpleNamespace(connection=connection))
    assert sorted(WorkOrder.objects.values_list("project_id", flat=True)) == sorted(
        [project.pk, other_project.pk]
    )


@needs_postgres
def test_the_database_keeps_the_copy_whatever_writes(city, other_city, orders, make_complaint, other_project):
    here, _there = orders
    # A bulk insert that names no project (and one that names a wrong one) gets the complaint's.
    bulk = WorkOrder.objects.bulk_create(
        [
            WorkOrder(complaint=here.complaint, description="d", department="engineering", due_at=timezone.now()),
            WorkOrder(
                complaint=here.complaint, project=other_project, description="d", department="engineering",
                due_at=timezone.now(),
            ),
        ]
    )  # fmt: skip
    assert set(
        WorkOrder.objects.filter(pk__in=[o.pk for o in bulk]).values_list("project_id", flat=True)
    ) == {here.project_id}
    # A complaint moved to another project takes its orders along: out of one head's scope, into the other's.
    Complaint.objects.filter(pk=here.complaint_id).update(project=other_project)
    assert set(
        WorkOrder.objects.filter(complaint=here.complaint_id).values_list("project_id", flat=True)
    ) == {other_project.pk}
    head = UserFactory(role=Role.CITY_HEAD, city_companies=[city])
    far_head = UserFactory(role=Role.CITY_HEAD, city_companies=[other_city])
    assert not WorkOrder.objects.visible_to(head).filter(pk=here.pk).exists()
    assert WorkOrder.objects.visible_to(far_head).filter(pk=here.pk).exists()
