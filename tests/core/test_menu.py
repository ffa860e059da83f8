"""core.menu: the main menu is what the apps register, per user, in order; the kernel knows no app."""

import pytest
from django.urls import reverse

from accounts.models import Role
from core.menu import MenuEntry, menu_for, register_menu_entry
from tests.factories import ContractorFactory, UserFactory


def labels(user) -> list[str]:
    return [str(entry.label) for entry in menu_for(user)]


@pytest.mark.django_db
def test_each_role_gets_the_entries_its_apps_give_it(agent, project):
    assert labels(agent) == [
        "Customers",
        "Complaints",
        "Club",
        "Handover",
        "Surveys",
        "6+2",
        "Property",
    ]
    engineer = UserFactory(username="engineer", role=Role.DELIVERY_ENGINEER, projects=[project])
    handover = next(entry for entry in menu_for(engineer) if entry.section == "delivery")
    assert [link.url for link in handover.links] == [
        reverse("delivery:batch-list"),
        reverse("delivery:formal-inspection-list"),
        reverse("delivery:defect-list"),
        reverse("delivery:order-list"),
        reverse("delivery:stats"),
    ]
    department = UserFactory(username="dept", role=Role.DEPARTMENT_STAFF, projects=[project])
    assert labels(department) == ["Complaints", "Property"]
    contractor = UserFactory(
        username="firm", role=Role.CONTRACTOR, contractor=ContractorFactory(), projects=[project]
    )
    assert labels(contractor) == ["Work orders", "Rectification", "Property"]


def test_an_anonymous_visitor_gets_no_staff_menu():
    from django.contrib.auth.models import AnonymousUser

    assert menu_for(AnonymousUser()) == []


@pytest.mark.django_db
def test_the_page_draws_the_registered_entries(client, agent):
    client.force_login(agent)
    page = client.get(reverse("customers:list")).content.decode()
    assert f'class="nav-link active" href="{reverse("customers:list")}"' in page
    assert f'href="{reverse("complaints:board")}">Complaints</a>' in page


def test_registering_a_different_entry_twice_is_refused(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    from core import menu

    monkeypatch.setattr(menu, "_ENTRIES", {})

    def extra(user):
        return MenuEntry(label="Extra", url_name="home", section="extra")

    register_menu_entry(order=5, entry=extra)
    register_menu_entry(order=5, entry=extra)  # the same registration again: fine (ready() may rerun)
    with pytest.raises(ImproperlyConfigured):
        register_menu_entry(order=6, entry=extra)
