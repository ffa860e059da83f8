"""A read-only manager sees every read page of their scope, with no write buttons, and every write stays refused."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from accounts.models import Role
from complaints import services
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

# The posts every page carries whoever reads it: switching language, logging out, the search box and filters.
HARMLESS_POSTS = ("i18n", "logout", "/search/", "/customers/")


@pytest.fixture
def manager(city):
    return UserFactory(username="manager", role=Role.READONLY_MANAGER, city_companies=[city])


@pytest.fixture
def desk(settings, supervisor, agent, make_complaint):
    """Open complaints close enough to be proposed as a group case, one dispatched with a plan and a
    work order, an improvement item and a group case: every list has a row."""
    settings.GROUP_CASE_MIN_COMPLAINTS = 2
    complaints = [make_complaint(title=f"外墙渗水 {n}") for n in range(4)]
    handled = complaints[0]
    services.complaint_dispatch(complaint=handled, by=supervisor, department="engineering", handler=agent)
    services.complaint_agree_plan(complaint=handled, by=agent, plan="先排查外墙")
    order = services.work_order_create(
        complaint=handled, by=agent, description="外墙打胶", department="engineering"
    )
    item = services.improvement_item_create(
        by=supervisor, title="外墙防水", department="engineering", complaints=[handled]
    )
    case = services.group_case_create(by=supervisor, title="3栋渗水", complaints=complaints[2:])
    return {"complaint": handled, "order": order, "item": item, "case": case}


def _write_forms(html: str) -> list[str]:
    actions = re.findall(r'<form[^>]*method="post"[^>]*action="([^"]*)"', html)
    return [action for action in actions if not any(harmless in action for harmless in HARMLESS_POSTS)]


READ_PAGES = (
    "complaints:board",
    "complaints:supervisor",
    "complaints:work-orders",
    "complaints:group-cases",
    "complaints:improvements",
    "delivery:batch-list",
    "delivery:defect-list",
    "delivery:order-list",
    "delivery:stats",
    "customers:list",
    "properties:project-list",
    "home",
)


@pytest.mark.parametrize("url_name", READ_PAGES)
def test_the_read_only_manager_sees_each_read_page_without_write_buttons(client, manager, desk, url_name):
    client.force_login(manager)

    response = client.get(reverse(url_name))

    assert response.status_code == 200
    html = response.content.decode()
    assert _write_forms(html) == []
    for write_control in (
        'name="complaints"',
        'name="defects"',
        "batch-create",
        "New customer",
        "improve-selected",
    ):
        assert write_control not in html


@pytest.mark.parametrize("record", ["complaint", "order", "case"])
def test_the_read_only_manager_sees_each_record_without_actions(client, manager, desk, record):
    url_name = {
        "complaint": "complaints:detail",
        "order": "complaints:work-order",
        "case": "complaints:group-case",
    }
    client.force_login(manager)

    response = client.get(reverse(url_name[record], args=[desk[record].pk]))

    assert response.status_code == 200
    assert _write_forms(response.content.decode()) == []


def test_the_supervisor_view_shows_the_manager_the_proposals_without_the_form(
    client, manager, supervisor, desk
):
    client.force_login(manager)
    as_manager = client.get(reverse("complaints:supervisor")).content.decode()
    client.force_login(supervisor)
    as_supervisor = client.get(reverse("complaints:supervisor")).content.decode()

    assert 'data-testid="group-proposal"' in as_manager
    assert "Create group case" not in as_manager
    assert "Create group case" in as_supervisor
    assert reverse("complaints:supervisor") in as_manager  # the desk's own tab leads there


def test_the_supervisor_view_stays_closed_to_agents_and_contractors(client, agent):
    client.force_login(agent)

    assert client.get(reverse("complaints:supervisor")).status_code == 403


def test_every_write_from_the_read_pages_is_refused_to_the_manager(client, manager, desk):
    complaint = desk["complaint"]
    client.force_login(manager)
    writes = [
        (reverse("complaints:group-case-create"), {"complaints": [complaint.pk], "title": "x"}),
        (reverse("complaints:bulk-assign"), {"complaints": [complaint.pk]}),
        (reverse("complaints:improvement-from-selection"), {"complaints": [complaint.pk]}),
        (reverse("complaints:improvements"), {"title": "x", "department": "engineering"}),
        (reverse("complaints:improvement-status", args=[desk["item"].pk]), {"status": "done"}),
        (reverse("complaints:action", args=[complaint.pk, "resolve"]), {"note": "x"}),
        (reverse("complaints:work-order-action", args=[desk["order"].pk, "accept"]), {}),
        (reverse("complaints:group-case-action", args=[desk["case"].pk, "close"]), {}),
        (reverse("delivery:orders-issue"), {"defects": []}),
        (reverse("customers:create"), {"name": "x"}),
    ]
    for url, data in writes:
        assert client.post(url, data).status_code in (403, 404), url
