"""The audit trail of customers and contracts: every service write leaves who, when, old → new, with
personal data masked; the 360 page's History section loads it after the page, paged, in scope."""

import datetime
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from core.audit import audit_paused
from core.audit.admin import entries_visible_to
from customers.models import Contract, Customer
from customers.services import contract_update, customer_create, customer_merge, customer_update
from tests.factories import CustomerFactory, CustomerPhoneFactory, UserFactory

pytestmark = pytest.mark.django_db


def entries(record):
    return list(LogEntry.objects.get_for_object(record).order_by("id"))


def history_url(record):
    return reverse("audit:history", args=[record._meta.label_lower, record.pk])


def test_an_edit_records_who_when_and_each_field_old_to_new(agent, owner):
    customer_update(customer=owner, by=agent, expected_version=owner.version, name="张伟明", employer="万科")
    (entry,) = entries(owner)
    assert entry.actor == agent and entry.action == LogEntry.Action.UPDATE and entry.timestamp is not None
    assert entry.changes == {"name": ["张伟", "张伟明"], "employer": ["", "万科"]}


def test_a_changed_phone_and_id_number_are_stored_masked(agent, owner):
    old_id = owner.id_number
    customer_update(
        customer=Customer.objects.prefetch_related("phones").get(pk=owner.pk),
        by=agent,
        expected_version=owner.version,
        phones=["13987654321"],
        id_number="110101199003070011",
    )
    (entry,) = entries(owner)
    assert entry.changes["phones"] == ["138****5678", "139****4321"]
    assert entry.changes["id_number"] == [f"{old_id[:4]}**********{old_id[-4:]}", "1101**********0011"]
    stored = str(entry.changes)
    assert "13812345678" not in stored and "13987654321" not in stored and old_id not in stored


def test_an_edit_that_changes_nothing_writes_no_entry(agent, owner):
    customer_update(customer=owner, by=agent, expected_version=owner.version, name=owner.name)
    assert entries(owner) == []


def test_a_new_customer_is_recorded_with_its_values(agent, project):
    customer = customer_create(
        by=agent, registered_project=project, name="李娜", phones=["13700001111"], email="li@example.com"
    )
    (entry,) = entries(customer)
    assert entry.action == LogEntry.Action.CREATE and entry.actor == agent
    assert entry.changes["name"] == ["None", "李娜"] and entry.changes["phones"] == ["", "137****1111"]


def test_a_contract_edit_is_recorded(agent, owned_unit):
    contract = Contract.objects.get(unit=owned_unit)
    contract_update(
        contract=contract, by=agent, expected_version=contract.version, price=Decimal("3300000.00")
    )
    (entry,) = entries(contract)
    assert entry.actor == agent and entry.changes == {"price": ["3200000.00", "3300000.00"]}


def test_a_merge_records_the_filled_fields_and_moves_referrals_on_the_trail(supervisor, owner, project):
    duplicate = CustomerFactory(
        city_company=project.city_company,
        registered_project=project,
        name="张伟",
        id_number=None,
        employer="腾讯",
    )
    CustomerPhoneFactory(customer=duplicate, number="13900002222", is_primary=True)
    referred = CustomerFactory(
        city_company=project.city_company, registered_project=project, referrer=duplicate
    )
    customer_merge(survivor=owner, duplicate=duplicate, by=supervisor)
    (entry,) = entries(owner)
    assert entry.actor == supervisor
    assert entry.changes["employer"] == ["", "腾讯"]
    assert entry.changes["merged_from"] == ["", f"#{duplicate.pk} 张伟"]
    assert entry.changes["phones"] == ["138****5678", "138****5678, 139****2222"]
    (moved,) = entries(referred)
    assert moved.changes == {"referrer": [str(duplicate.pk), str(owner.pk)]}


def test_a_paused_trail_records_nothing(agent, owner):
    with audit_paused():
        customer_update(customer=owner, by=agent, expected_version=owner.version, name="王芳")
    assert entries(owner) == []


# --- the History section ------------------------------------------------------------------------------


def _edits(customer, by, count):
    for n in range(count):
        customer = customer_update(
            customer=customer, by=by, expected_version=customer.version, employer=f"公司{n}"
        )
    return customer


def test_the_360_page_loads_its_history_after_the_page(client, agent, owner):
    client.force_login(agent)
    html = client.get(reverse("customers:detail", args=[owner.pk])).content.decode()
    assert 'data-testid="history"' in html and f'hx-get="{history_url(owner)}"' in html


def test_the_history_shows_who_what_old_and_new_with_phones_masked(client, agent, owner):
    customer_update(
        customer=Customer.objects.prefetch_related("phones").get(pk=owner.pk),
        by=agent,
        expected_version=owner.version,
        phones=["13987654321"],
        preferred_channel="wechat",
        birth_date=datetime.date(1980, 2, 3),
    )
    client.force_login(agent)
    html = client.get(history_url(owner)).content.decode()
    assert str(agent) in html and "Phone numbers" in html
    assert "138****5678" in html and "139****4321" in html and "13987654321" not in html
    assert "Phone call" in html and "WeChat" in html  # choices shown by their labels
    assert "Birth date" in html


def test_the_history_is_paged_newest_first(client, agent, owner):
    _edits(owner, agent, 12)
    client.force_login(agent)
    first = client.get(history_url(owner)).content.decode()
    assert first.count('data-testid="history-entry"') == 10 and "公司11" in first
    assert 'rel="next"' in first and 'rel="prev"' not in first
    cursor = first.split("?after=")[1].split('"')[0]
    second = client.get(f"{history_url(owner)}?after={cursor}").content.decode()
    assert second.count('data-testid="history-entry"') == 2 and 'rel="prev"' in second


def test_a_broken_cursor_is_a_400(client, agent, owner):
    client.force_login(agent)
    assert client.get(f"{history_url(owner)}?after=%%%").status_code == 400


def test_the_history_of_a_customer_out_of_scope_is_a_404(client, agent, other_agent, owner):
    _edits(owner, agent, 1)
    client.force_login(other_agent)
    assert client.get(history_url(owner)).status_code == 404
    assert client.get(reverse("audit:history", args=["customers.customerphone", 1])).status_code == 404


@pytest.mark.parametrize("count", [2, 20])
def test_the_history_reads_a_constant_number_of_queries(
    client, agent, owner, project, count, django_assert_max_num_queries
):
    handlers = [UserFactory(projects=[project]) for _ in range(3)]
    customer = owner
    for n in range(count):
        customer = customer_update(
            customer=customer, by=handlers[n % 3], expected_version=customer.version, employer=f"公司{n}"
        )
    client.force_login(agent)
    # 7: session, user, the user's scope (city companies, projects), the record in scope, the
    # content type (cached after the first), the page of entries with their actors, and one per
    # related model the page names (none here: employer is text).
    with django_assert_max_num_queries(7):
        response = client.get(history_url(owner))
    assert response.status_code == 200


def test_related_rows_are_named_with_one_query_per_model(
    client, agent, project, django_assert_max_num_queries
):
    referrers = [
        CustomerFactory(city_company=project.city_company, registered_project=project) for _ in range(6)
    ]
    customer = CustomerFactory(city_company=project.city_company, registered_project=project)
    for referrer in referrers:
        customer = customer_update(
            customer=customer, by=agent, expected_version=customer.version, referrer=referrer
        )
    client.force_login(agent)
    with django_assert_max_num_queries(8):
        html = client.get(history_url(customer)).content.decode()
    assert all(referrer.name in html for referrer in referrers[1:])


# --- the admin ----------------------------------------------------------------------------------------


def test_the_admin_lists_only_entries_of_records_in_scope(agent, other_agent, owner, project, other_project):
    _edits(owner, agent, 1)
    elsewhere = CustomerFactory(city_company=other_project.city_company, registered_project=other_project)
    _edits(elsewhere, other_agent, 1)
    mine = entries_visible_to(agent, LogEntry.objects.all())
    assert {entry.object_id for entry in mine} == {owner.pk}
    assert entries_visible_to(UserFactory(role="group_admin"), LogEntry.objects.all()).count() == 2


def test_the_admin_history_button_shows_the_trail(client, group_admin, agent, owner):
    _edits(owner, agent, 1)
    client.force_login(group_admin)
    response = client.get(reverse("admin:customers_customer_history", args=[owner.pk]))
    assert response.status_code == 200 and "公司0" in response.content.decode()
    log = client.get(reverse("admin:auditlog_logentry_changelist"))
    assert log.status_code == 200 and owner.name in log.content.decode()
