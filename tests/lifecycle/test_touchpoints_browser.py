"""A day's touchpoints worked in a real browser: the agent opens My touchpoints from the menu and records
an outcome per row with at most two clicks (a note, then the outcome's button): reached and done leave
the list, no answer keeps the row, due again with its attempt counted.

Drives Debian's Chromium (/usr/bin/chromium) through the Python playwright package (tests/browser);
no browser is ever downloaded."""

import importlib

import pytest
from django.apps import apps
from django.utils import timezone

from lifecycle.models import Touchpoint
from tests.browser.chromium import TIMEOUT_MS, launched_chromium, requires_chromium
from tests.factories import ContractFactory, UnitFactory
from tests.lifecycle.factories import TouchpointFactory

pytestmark = requires_chromium


_plans = importlib.import_module("lifecycle.migrations.0002_default_touchpoint_plans")


@pytest.fixture
def default_plans(transactional_db):
    """The plans the data migration ships: a transactional test before this one flushed them."""
    _plans.add_plans(apps, None)


@pytest.fixture
def page(monkeypatch, live_server):
    with launched_chromium(monkeypatch) as chromium:
        page = chromium.new_page(viewport={"width": 1280, "height": 900})
        page.set_default_timeout(TIMEOUT_MS)
        yield page


def _due_today(project, buyer_name: str) -> Touchpoint:
    contract = ContractFactory(unit=UnitFactory(building__project=project), primary_buyer__name=buyer_name)
    today = timezone.localdate()
    return TouchpointFactory(contract=contract, due_on=today)


def test_an_agent_works_the_days_touchpoints(default_plans, live_server, agent, project, page):
    from playwright.sync_api import expect

    reached, unanswered, done = (_due_today(project, name) for name in ("张伟", "李娜", "王芳"))
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", "agent")
    page.fill("input[name=password]", "pass-1234")
    page.locator("form:has(input[name=password])").locator("[type=submit]").click()
    page.wait_for_selector("#global-search")

    # From the menu: 6+2 → My touchpoints.
    page.get_by_role("button", name="6+2").or_(page.get_by_role("link", name="6+2")).first.click()
    page.get_by_role("link", name="My touchpoints").first.click()
    rows = page.locator("[data-testid=touchpoints] tbody tr[data-touchpoint]")
    expect(rows).to_have_count(3)

    def row(touchpoint):
        return page.locator(f"tr[data-touchpoint='{touchpoint.pk}']")

    # Reached, with a note: a click in the note, a click on the outcome.
    row(reached).locator("input[name=note]").click()
    page.keyboard.type("业主已知悉交付安排")
    row(reached).locator("button[name=outcome][value=reached]").click()
    expect(page.locator(".alert-success")).to_contain_text("Outcome recorded.")
    expect(rows).to_have_count(2)
    expect(row(reached)).to_have_count(0)

    # No answer: one click; the row stays, due again, its attempt counted.
    row(unanswered).locator("button[name=outcome][value=no_answer]").click()
    expect(page.locator(".alert-info")).to_contain_text("No answer: tried again on")
    unanswered.refresh_from_db()
    if (unanswered.due_on - timezone.localdate()).days <= 6:  # the next working day is within the week
        expect(row(unanswered)).to_contain_text("1 attempt")
        expect(rows).to_have_count(2)

    # Done, with a note.
    row(done).locator("input[name=note]").click()
    page.keyboard.type("已寄送按揭资料清单")
    row(done).locator("button[name=outcome][value=done]").click()
    expect(page.locator(".alert-success")).to_contain_text("Outcome recorded.")
    expect(row(done)).to_have_count(0)

    outcomes = {
        tp.pk: (tp.status, tp.attempts, tp.assignee_id, tp.outcome_note)
        for tp in Touchpoint.objects.filter(pk__in=[reached.pk, unanswered.pk, done.pk])
    }
    assert {pk: outcome[:3] for pk, outcome in outcomes.items()} == {
        reached.pk: ("reached", 1, agent.pk),
        unanswered.pk: ("no_answer", 1, agent.pk),
        done.pk: ("done", 1, agent.pk),
    }
    # each note kept, stamped with when, who and the outcome
    assert outcomes[reached.pk][3].endswith("agent Reached] 业主已知悉交付安排")
    assert outcomes[done.pk][3].endswith("agent Done] 已寄送按揭资料清单")
    assert unanswered.due_on > timezone.localdate()
