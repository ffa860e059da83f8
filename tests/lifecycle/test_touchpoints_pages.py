"""My touchpoints today: what is listed, the outcomes in one post, paging and query counts; the rates;
the home queue and the menu."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.urls import reverse

from accounts.models import Role
from lifecycle.models import Touchpoint
from tests.factories import ContractFactory, CustomerPhoneFactory, UnitFactory, UserFactory
from tests.lifecycle.factories import TouchpointFactory, plan

D = datetime.date
URL = "/lifecycle/touchpoints/"
# Tuesday 10 June 2025, 10:00 in Shanghai.
NOW = datetime.datetime(2025, 6, 10, 2, 0, tzinfo=datetime.UTC)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def tp(project, **kwargs) -> Touchpoint:
    contract = ContractFactory(unit=UnitFactory(building__project=project))
    CustomerPhoneFactory(customer=contract.primary_buyer, number=f"1390000{contract.pk:04d}")
    return TouchpointFactory(contract=contract, **kwargs)


def listed(response) -> list[int]:
    return [t.pk for t in response.context["page"]]


@pytest.mark.django_db
def test_mine_and_my_roles_unassigned_ones_by_due_date(client, frozen, agent, project, other_project):
    colleague = UserFactory(role=Role.CS_AGENT, projects=[project])
    overdue = tp(project, due_on=D(2025, 6, 6), assignee=agent)
    today = tp(project, due_on=D(2025, 6, 10))
    week = tp(project, due_on=D(2025, 6, 16))
    tp(project, due_on=D(2025, 6, 17))  # after this week
    tp(project, due_on=D(2025, 6, 10), assignee=colleague)
    tp(project, due_on=D(2025, 6, 10), plan=plan("four_year_review"), role=Role.CS_SUPERVISOR)  # not my role
    tp(other_project, due_on=D(2025, 6, 10))  # out of scope
    tp(project, due_on=D(2025, 6, 9), status="reached")  # done
    client.force_login(agent)
    response = client.get(URL)
    assert response.status_code == 200
    assert listed(response) == [overdue.pk, today.pk, week.pk]
    assert listed(client.get(URL, {"when": "overdue"})) == [overdue.pk]
    assert listed(client.get(URL, {"when": "today"})) == [today.pk]
    assert listed(client.get(URL, {"when": "week"})) == [week.pk]
    assert client.get(URL, {"when": "yesterday"}).status_code == 400
    html = response.content.decode()
    assert "1390000" not in html and "****" in html  # masked phone
    assert "Welcome call after signing" in html


@pytest.mark.django_db
def test_no_answer_retries_the_next_working_day(client, frozen, agent, project):
    touchpoint = tp(project, due_on=D(2025, 6, 6))  # Friday, unassigned
    client.force_login(agent)
    record = reverse("lifecycle:touchpoint_record", args=[touchpoint.pk])
    response = client.post(record, {"outcome": "no_answer", "note": "关机", "version": 1})
    assert response.status_code == 302
    touchpoint.refresh_from_db()
    assert (touchpoint.status, touchpoint.attempts, touchpoint.due_on) == ("no_answer", 1, D(2025, 6, 11))
    assert touchpoint.assignee == agent and touchpoint.version == 2 and "关机" in touchpoint.outcome_note
    assert touchpoint.next_check_at is not None and touchpoint.done_at is None
    # Still on the list; the second call reaches the owner: closed, clock stopped.
    assert touchpoint.pk in listed(client.get(URL))
    client.post(record, {"outcome": "reached", "version": 2})
    touchpoint.refresh_from_db()
    assert (touchpoint.status, touchpoint.attempts, touchpoint.done_by) == ("reached", 2, agent)
    assert touchpoint.next_check_at is None and touchpoint.done_at is not None
    assert touchpoint.pk not in listed(client.get(URL))


@pytest.mark.django_db
def test_across_the_national_day_week(client, agent, project):
    touchpoint = tp(project, due_on=D(2025, 9, 30))
    client.force_login(agent)
    with time_machine.travel(datetime.datetime(2025, 9, 30, 8, 0, tzinfo=datetime.UTC), tick=False):
        client.post(
            reverse("lifecycle:touchpoint_record", args=[touchpoint.pk]),
            {"outcome": "no_answer", "version": 1},
        )
    touchpoint.refresh_from_db()
    assert touchpoint.due_on == D(2025, 10, 9)


@pytest.mark.django_db
def test_bad_input_stale_version_and_other_peoples_touchpoints(client, frozen, agent, project, other_project):
    mine = tp(project, due_on=D(2025, 6, 10), assignee=agent)
    client.force_login(agent)
    record = reverse("lifecycle:touchpoint_record", args=[mine.pk])
    assert client.post(record, {"outcome": "maybe", "version": 1}).status_code == 400
    assert client.post(record, {"outcome": "done"}).status_code == 400  # no version
    assert client.post(record, {"outcome": "done", "version": 7}).status_code == 409
    colleagues = tp(
        project, due_on=D(2025, 6, 10), assignee=UserFactory(role=Role.CS_AGENT, projects=[project])
    )
    assert (
        client.post(
            reverse("lifecycle:touchpoint_record", args=[colleagues.pk]), {"outcome": "done", "version": 1}
        ).status_code
        == 403
    )
    elsewhere = tp(other_project, due_on=D(2025, 6, 10))
    assert (
        client.post(
            reverse("lifecycle:touchpoint_record", args=[elsewhere.pk]), {"outcome": "done", "version": 1}
        ).status_code
        == 404
    )
    assert client.post(record, {"outcome": "done", "note": "OK", "version": 1}).status_code == 302
    assert client.post(record, {"outcome": "done", "version": 2}).status_code == 400  # already closed
    assert Touchpoint.objects.get(pk=mine.pk).status == "done"


@pytest.mark.django_db
def test_roles_without_touchpoints(client, project):
    contractor = UserFactory(role=Role.CONTRACTOR)
    client.force_login(contractor)
    assert client.get(URL).status_code == 403


@pytest.mark.django_db
def test_keyset_paging_and_constant_queries(client, frozen, agent, project, django_assert_max_num_queries):
    for day in range(30):
        tp(project, due_on=D(2025, 5, 15) + datetime.timedelta(days=day))
    client.force_login(agent)
    with django_assert_max_num_queries(12):
        first = client.get(URL)
    assert len(first.context["page"]) == 25 and first.context["next_cursor"]
    second = client.get(URL, {"after": first.context["next_cursor"]})
    assert len(second.context["page"]) == 5
    assert set(listed(first)).isdisjoint(listed(second))
    assert client.get(URL, {"after": "garbage"}).status_code == 400


@pytest.mark.django_db
def test_completion_rates_per_step_and_project(client, frozen, supervisor, agent, project):
    for status in ("reached", "done", "declined", "open"):
        tp(project, due_on=D(2025, 6, 2), status=status)
    tp(project, due_on=D(2025, 6, 2), plan=plan("mortgage_help"), status="no_answer")
    client.force_login(supervisor)
    response = client.get(reverse("lifecycle:touchpoint_rates"))
    assert response.status_code == 200
    rows = {row["plan_id"]: row for row in response.context["rows"]}
    welcome = rows[plan("welcome_call").pk]
    assert (
        welcome["total"],
        welcome["completed"],
        welcome["declined"],
        welcome["pending"],
        welcome["rate"],
    ) == (4, 2, 1, 1, 50)
    assert rows[plan("mortgage_help").pk]["rate"] == 0
    assert (
        client.get(
            reverse("lifecycle:touchpoint_rates"), {"since": "2025-06-30", "until": "2025-06-01"}
        ).status_code
        == 400
    )
    client.force_login(agent)
    assert client.get(reverse("lifecycle:touchpoint_rates")).status_code == 403


@pytest.mark.django_db
def test_home_queue_and_menu(client, frozen, agent, project):
    tp(project, due_on=D(2025, 6, 9))
    tp(project, due_on=D(2025, 6, 12))  # not yet
    client.force_login(agent)
    response = client.get("/")
    queue = next(q for q in response.context["queues"] if q.key == "touchpoints")
    assert len(queue.rows) == 1 and queue.rows[0].late
    assert 'href="/lifecycle/touchpoints/"' in response.content.decode()
