"""The touchpoint API: plans, the scoped list, `complete` with the version."""

from __future__ import annotations

import datetime

import pytest

from accounts.models import Role
from tests.factories import UserFactory
from tests.lifecycle.factories import TouchpointFactory


@pytest.mark.django_db
def test_plans_list_and_scoped_touchpoints(client, agent, project, other_project):
    mine = TouchpointFactory(contract__unit__building__project=project, due_on=datetime.date(2025, 6, 10))
    TouchpointFactory(contract__unit__building__project=other_project, due_on=datetime.date(2025, 6, 10))
    client.force_login(agent)
    plans = client.get("/api/v1/touchpoint-plans/").json()
    assert "welcome_call" in [p["code"] for p in plans["results"]]
    listed = client.get("/api/v1/touchpoints/").json()["results"]
    assert [t["id"] for t in listed] == [mine.pk]
    client.force_login(UserFactory(role=Role.CONTRACTOR))
    assert client.get("/api/v1/touchpoints/").status_code == 403


@pytest.mark.django_db
def test_complete_checks_the_version(client, agent, project, other_project):
    touchpoint = TouchpointFactory(
        contract__unit__building__project=project, due_on=datetime.date(2025, 6, 10)
    )
    client.force_login(agent)
    url = f"/api/v1/touchpoints/{touchpoint.pk}/complete/"
    assert (
        client.post(url, {"outcome": "maybe", "version": 1}, content_type="application/json").status_code
        == 400
    )
    assert client.post(
        url, {"outcome": "reached", "version": 5}, content_type="application/json"
    ).status_code in (409, 412)
    response = client.post(
        url, {"outcome": "reached", "note": "好", "version": 1}, content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "reached" and response.json()["version"] == 2
    assert (
        client.post(url, {"outcome": "done", "version": 2}, content_type="application/json").status_code
        == 400
    )
    elsewhere = TouchpointFactory(
        contract__unit__building__project=other_project, due_on=datetime.date(2025, 6, 10)
    )
    assert (
        client.post(
            f"/api/v1/touchpoints/{elsewhere.pk}/complete/",
            {"outcome": "done", "version": 1},
            content_type="application/json",
        ).status_code
        == 404
    )
