"""REST API v1 of customers, households and contracts.

Scope (404), roles (403), masking, reveal with its log, versioned updates (409/428),
bad input (400, never 500), query counts and token authentication.
"""

import datetime

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import PersonalDataAccess, Role
from customers.models import Contract, Customer, HouseholdMember
from tests.api import client_for
from tests.factories import (
    ContractFactory,
    CustomerFactory,
    CustomerPhoneFactory,
    HouseholdMemberFactory,
    UnitFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

API = "/api/v1"
CLEAR_PHONE = "13812345678"


@pytest.fixture
def readonly_manager(city):
    return UserFactory(username="readonly", role=Role.READONLY_MANAGER, city_companies=[city])


@pytest.fixture
def contract(owned_unit):
    return owned_unit.contracts.get()


@pytest.fixture
def member(owned_unit):
    return owned_unit.household.get()


@pytest.fixture
def spare_unit(owned_unit):
    return UnitFactory(building=owned_unit.building, entrance="1", number="602", floor=6)


# --- Scope --------------------------------------------------------------------------------


@pytest.mark.parametrize("endpoint", ["customers", "household-members", "contracts"])
def test_user_of_another_city_gets_404_and_an_empty_list(endpoint, owner, member, contract, other_agent):
    obj = {"customers": owner, "household-members": member, "contracts": contract}[endpoint]
    client = client_for(other_agent)

    assert client.get(f"{API}/{endpoint}/{obj.pk}/").status_code == 404
    response = client.get(f"{API}/{endpoint}/")
    assert response.status_code == 200
    assert response.json()["results"] == []


@pytest.mark.parametrize("endpoint", ["customers", "household-members", "contracts"])
def test_user_in_scope_reads_and_lists(endpoint, owner, member, contract, agent):
    obj = {"customers": owner, "household-members": member, "contracts": contract}[endpoint]
    client = client_for(agent)

    assert client.get(f"{API}/{endpoint}/{obj.pk}/").status_code == 200
    assert [row["id"] for row in client.get(f"{API}/{endpoint}/").json()["results"]] == [obj.pk]


def test_other_city_agent_cannot_reveal_update_or_remove(owner, member, other_agent):
    client = client_for(other_agent)

    assert (
        client.post(
            f"{API}/customers/{owner.pk}/reveal/",
            {"field": "phone", "reason_code": "callback", "reason": "业主来电回访"},
            format="json",
        ).status_code
        == 404
    )
    assert (
        client.patch(f"{API}/customers/{owner.pk}/", {"name": "x", "version": 1}, format="json").status_code
        == 404
    )
    assert client.delete(f"{API}/household-members/{member.pk}/").status_code == 404
    assert not PersonalDataAccess.objects.exists()
    assert HouseholdMember.objects.filter(pk=member.pk).exists()


def test_agent_cannot_create_a_customer_in_another_project(agent, other_project):
    response = client_for(agent).post(
        f"{API}/customers/", {"registered_project": other_project.pk, "name": "越界"}, format="json"
    )

    assert response.status_code == 400
    assert "within your scope" in response.json()["registered_project"][0]
    assert not Customer.objects.filter(name="越界").exists()


def test_project_agent_must_name_one_of_their_projects(agent, city):
    response = client_for(agent).post(
        f"{API}/customers/", {"city_company": city.pk, "name": "李娜"}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"registered_project": ["Choose one of your projects."]}


def test_agent_cannot_sign_a_contract_on_a_unit_of_another_city(agent, owner, other_project):
    unit = UnitFactory(building__project=other_project)
    response = client_for(agent).post(
        f"{API}/contracts/",
        {"unit": unit.pk, "primary_buyer": owner.pk, "number": "HT-X", "price": "100"},
        format="json",
    )

    assert response.status_code == 400
    assert "unit" in response.json()
    assert not Contract.objects.filter(number="HT-X").exists()


# --- Roles --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.CONTRACTOR, Role.DEPARTMENT_STAFF])
@pytest.mark.parametrize("endpoint", ["customers", "household-members", "contracts"])
def test_contractors_and_department_staff_get_403_on_customer_data(role, endpoint, project, owner):
    user = UserFactory(role=role, projects=[project])
    client = client_for(user)

    assert client.get(f"{API}/{endpoint}/").status_code == 403
    assert client.get(f"{API}/customers/{owner.pk}/").status_code == 403


def test_readonly_manager_reads_but_every_write_is_403(readonly_manager, owner, member, contract, spare_unit):
    client = client_for(readonly_manager)

    assert client.get(f"{API}/customers/{owner.pk}/").status_code == 200
    writes = [
        client.post(f"{API}/customers/", {"city_company": owner.city_company_id, "name": "x"}, format="json"),
        client.patch(f"{API}/customers/{owner.pk}/", {"name": "x", "version": 1}, format="json"),
        client.post(
            f"{API}/household-members/",
            {"unit": spare_unit.pk, "customer": owner.pk, "role": "owner"},
            format="json",
        ),
        client.delete(f"{API}/household-members/{member.pk}/"),
        client.patch(f"{API}/contracts/{contract.pk}/", {"price": "1", "version": 1}, format="json"),
        client.post(
            f"{API}/contracts/",
            {"unit": spare_unit.pk, "primary_buyer": owner.pk, "number": "HT-RO", "price": "1"},
            format="json",
        ),
    ]

    assert [response.status_code for response in writes] == [403] * 6
    assert writes[1].json()["detail"] == "Your role may not edit customers."
    owner.refresh_from_db()
    assert owner.name == "张伟"


def test_readonly_manager_may_not_reveal(readonly_manager, owner):
    response = client_for(readonly_manager).post(
        f"{API}/customers/{owner.pk}/reveal/",
        {"field": "phone", "reason_code": "callback", "reason": "业主来电回访"},
        format="json",
    )

    assert response.status_code == 403
    assert not PersonalDataAccess.objects.exists()


# --- Masking and reveal -------------------------------------------------------------------


def test_customer_output_is_masked_everywhere(agent, owner, project):
    client = client_for(agent)
    clear_id = owner.id_number

    responses = [
        client.get(f"{API}/customers/"),
        client.get(f"{API}/customers/{owner.pk}/"),
        client.post(
            f"{API}/customers/",
            {
                "registered_project": project.pk,
                "name": "李娜",
                "phones": ["139 1234 5678"],
                "id_type": "resident_id",
                "id_number": "11010519491231002X",
            },
            format="json",
        ),
        client.patch(
            f"{API}/customers/{owner.pk}/",
            {"phones": [CLEAR_PHONE, "13700001111"], "version": 1},
            format="json",
        ),
    ]

    assert [r.status_code for r in responses] == [200, 200, 201, 200], [r.content for r in responses]
    for response in responses:
        body = response.content.decode()
        for secret in (CLEAR_PHONE, "13912345678", "13700001111", clear_id, "11010519491231002X"):
            assert secret not in body
    detail = responses[1].json()
    assert detail["phones"] == [{"number": "138****5678", "is_primary": True}]
    assert detail["id_number_masked"] == owner.id_number_masked
    assert "id_number" not in detail
    assert responses[2].json()["phones"] == [{"number": "139****5678", "is_primary": True}]


def test_customer_shows_derived_stage(agent, owner):
    detail = client_for(agent).get(f"{API}/customers/{owner.pk}/").json()

    assert detail["stage"] == "buyer"  # signed, not handed over


def test_reveal_phone_returns_clear_numbers_and_logs_an_api_access(agent, owner):
    response = client_for(agent).post(
        f"{API}/customers/{owner.pk}/reveal/",
        {"field": "phone", "reason_code": "callback", "reason": "业主来电回访"},
        format="json",
    )

    assert response.status_code == 200
    assert response.json() == {"field": "phone", "value": [CLEAR_PHONE]}
    assert response["Cache-Control"] == "no-store"
    access = PersonalDataAccess.objects.get()
    assert (access.user, access.customer, access.field, access.reason, access.channel) == (
        agent,
        owner,
        "phone",
        "业主来电回访",
        "api",
    )


def test_supervisor_reveals_the_id_number(supervisor, owner):
    response = client_for(supervisor).post(
        f"{API}/customers/{owner.pk}/reveal/",
        {"field": "id_number", "reason_code": "identity", "reason": "核对合同"},
        format="json",
    )

    assert response.status_code == 200
    assert response.json() == {"field": "id_number", "value": owner.id_number}
    assert PersonalDataAccess.objects.get().field == "id_number"


def test_agent_may_not_reveal_the_id_number(agent, owner):
    response = client_for(agent).post(
        f"{API}/customers/{owner.pk}/reveal/",
        {"field": "id_number", "reason_code": "identity", "reason": "核对身份"},
        format="json",
    )

    assert response.status_code == 403
    assert owner.id_number not in response.content.decode()
    assert not PersonalDataAccess.objects.exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"field": "phone", "reason_code": "callback"}, "reason"),
        ({"field": "phone", "reason_code": "callback", "reason": ""}, "reason"),
        (
            {"field": "phone", "reason_code": "callback", "reason": " x "},
            "reason",
        ),  # one character after trimming
        ({"field": "phone", "reason": "业主来电回访"}, "reason_code"),
        ({"field": "phone", "reason_code": "bulk", "reason": "业主来电回访"}, "reason_code"),
        ({"field": "salary", "reason_code": "callback", "reason": "业主来电回访"}, "field"),
        ({"reason_code": "callback", "reason": "业主来电回访"}, "field"),
    ],
)
def test_reveal_without_a_reason_or_a_known_field_is_a_400(payload, field, agent, owner):
    response = client_for(agent).post(f"{API}/customers/{owner.pk}/reveal/", payload, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not PersonalDataAccess.objects.exists()


# --- Customers: create / update / versions ------------------------------------------------


def test_agent_creates_a_customer_with_phones(agent, project):
    response = client_for(agent).post(
        f"{API}/customers/",
        {
            "registered_project": project.pk,
            "name": "李娜",
            "gender": "F",
            "phones": ["+86 139-1234-5678", "13700001111"],
            "acquisition_channel": "referral",
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    customer = Customer.objects.get(pk=body["id"])
    assert customer.city_company == project.city_company
    assert list(customer.phones.values_list("number", flat=True)) == ["13912345678", "13700001111"]
    assert body["version"] == 1
    assert body["stage"] == "prospect"
    assert response["ETag"] == '"1"'


def test_retrieve_sends_the_version_as_etag(agent, owner):
    response = client_for(agent).get(f"{API}/customers/{owner.pk}/")

    assert response["ETag"] == f'"{owner.version}"'


def test_update_with_body_version_bumps_it(agent, owner):
    response = client_for(agent).patch(
        f"{API}/customers/{owner.pk}/", {"employer": "万科", "version": 1}, format="json"
    )

    assert response.status_code == 200, response.json()
    assert response.json()["version"] == 2
    assert response["ETag"] == '"2"'
    owner.refresh_from_db()
    assert (owner.employer, owner.version) == ("万科", 2)


def test_update_with_if_match_header(agent, owner):
    response = client_for(agent).patch(
        f"{API}/customers/{owner.pk}/", {"employer": "万科"}, format="json", HTTP_IF_MATCH='"1"'
    )

    assert response.status_code == 200
    owner.refresh_from_db()
    assert owner.employer == "万科"


def test_put_replaces_the_customer(agent, owner, project):
    response = client_for(agent).put(
        f"{API}/customers/{owner.pk}/",
        {"registered_project": project.pk, "name": "张伟伟", "phones": ["13900002222"], "version": 1},
        format="json",
    )

    assert response.status_code == 200, response.json()
    owner.refresh_from_db()
    assert owner.name == "张伟伟"
    assert list(owner.phones.values_list("number", flat=True)) == ["13900002222"]


def test_stale_version_is_a_409_and_keeps_the_other_edit(agent, supervisor, owner):
    first = client_for(agent).patch(
        f"{API}/customers/{owner.pk}/", {"employer": "万科", "version": 1}, format="json"
    )
    stale = client_for(supervisor).patch(
        f"{API}/customers/{owner.pk}/", {"employer": "华润", "version": 1}, format="json"
    )

    assert first.status_code == 200
    assert stale.status_code == 409
    assert "Someone else changed this record" in stale.json()["detail"]
    owner.refresh_from_db()
    assert (owner.employer, owner.version) == ("万科", 2)


def test_stale_if_match_is_a_409(agent, owner):
    Customer.objects.filter(pk=owner.pk).update(version=5)

    response = client_for(agent).patch(
        f"{API}/customers/{owner.pk}/", {"employer": "万科"}, format="json", HTTP_IF_MATCH='W/"4"'
    )

    assert response.status_code == 409


def test_update_without_a_version_is_a_428(agent, owner):
    response = client_for(agent).patch(f"{API}/customers/{owner.pk}/", {"employer": "万科"}, format="json")

    assert response.status_code == 428
    assert "version" in response.json()["detail"]
    owner.refresh_from_db()
    assert owner.employer == ""


@pytest.mark.parametrize(("body_version", "if_match"), [(1, '"2"'), (None, "abc"), (None, "*")])
def test_conflicting_or_malformed_if_match_is_a_400(body_version, if_match, agent, owner):
    payload = {"employer": "x"} | ({"version": body_version} if body_version else {})

    response = client_for(agent).patch(
        f"{API}/customers/{owner.pk}/", payload, format="json", HTTP_IF_MATCH=if_match
    )

    assert response.status_code == 400
    assert "version" in response.json()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "x" * 51}, "name"),
        ({"name": "李娜", "phones": ["12345"]}, "phones"),
        ({"name": "李娜", "phones": "13912345678"}, "phones"),  # not a list
        ({"name": "李娜", "phones": [{"number": "13912345678"}]}, "phones"),
        ({"name": "李娜", "birth_date": "1990-02-30"}, "birth_date"),
        ({"name": "李娜", "birth_date": "2999-01-01"}, "birth_date"),  # in the future
        ({"name": "李娜", "id_type": "resident_id", "id_number": "110105194912310021"}, "id_number"),
        ({"name": "李娜", "id_number": "11010519491231002X"}, "id_type"),  # type missing
        ({"name": "李娜", "gender": "X"}, "gender"),
        ({"name": "李娜", "email": "not-an-email"}, "email"),
        ({"name": "李娜", "referrer": 99999999}, "referrer"),
        ({"name": "李娜", "registered_project": "abc"}, "registered_project"),
        ({"name": "李娜", "registered_project": None}, "city_company"),
        ({"name": 123, "acquisition_channel": "tv"}, "acquisition_channel"),
    ],
)
def test_bad_customer_payloads_are_400s(payload, field, agent, project):
    payload = {"registered_project": project.pk, **payload}

    response = client_for(agent).post(f"{API}/customers/", payload, format="json")

    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not Customer.objects.exists()


def test_duplicate_id_number_is_a_400(agent, owner, project):
    response = client_for(agent).post(
        f"{API}/customers/",
        {
            "registered_project": project.pk,
            "name": "重复",
            "id_type": "resident_id",
            "id_number": owner.id_number,
        },
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {"id_number": [f"Customer 张伟 (no. {owner.pk}) already has this ID number."]}


def test_malformed_json_and_wrong_content_are_400s(agent, owner):
    client = client_for(agent)

    broken = client.post(f"{API}/customers/", data="{name:", content_type="application/json")
    not_an_object = client.patch(
        f"{API}/customers/{owner.pk}/", data="[1, 2]", content_type="application/json"
    )
    bad_version = client.patch(f"{API}/customers/{owner.pk}/", {"version": "one"}, format="json")

    assert [broken.status_code, not_an_object.status_code, bad_version.status_code] == [400, 400, 400]


# --- Filters ------------------------------------------------------------------------------


def test_customer_filters_by_phone_tail_name_id_and_stage(agent, owner, project):
    prospect = CustomerFactory(city_company=project.city_company, registered_project=project, name="李娜")
    CustomerPhoneFactory(customer=prospect, number="13900001111")
    client = client_for(agent)

    def ids(query):
        response = client.get(f"{API}/customers/", query)
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    assert ids({"phone": CLEAR_PHONE}) == [owner.pk]
    assert ids({"phone": "+86 139-0000-1111"}) == [prospect.pk]
    assert ids({"phone_tail": "5678"}) == [owner.pk]
    assert ids({"name": "李"}) == [prospect.pk]
    assert ids({"name": "张伟"}) == [owner.pk]
    assert ids({"id_number": owner.id_number.lower()}) == [owner.pk]
    assert ids({"stage": "buyer"}) == [owner.pk]
    assert ids({"stage": "prospect"}) == [prospect.pk]
    assert ids({"project": project.pk}) == [prospect.pk, owner.pk]
    assert ids({"city_company": project.city_company_id, "acquisition_channel": "club"}) == []


@pytest.mark.parametrize(
    "query",
    [{"phone": "5678"}, {"phone_tail": "56"}, {"stage": "vip"}, {"project": "abc"}, {"project": 10**30}],
)
def test_bad_customer_filters_are_400s(query, agent, owner):
    assert client_for(agent).get(f"{API}/customers/", query).status_code == 400


def test_contract_filters_by_project_status_dates_and_handover(agent, owner, contract, spare_unit):
    handed = ContractFactory(
        unit=spare_unit,
        primary_buyer=owner,
        subscribed_on=datetime.date(2023, 1, 1),
        signed_on=datetime.date(2023, 1, 10),
        contractual_handover_on=datetime.date(2024, 1, 1),
        handed_over_on=datetime.date(2024, 1, 1),
    )
    client = client_for(agent)

    def ids(query):
        response = client.get(f"{API}/contracts/", query)
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    assert ids({"signed_on_after": "2024-01-01"}) == [contract.pk]
    assert ids({"signed_on_before": "2023-12-31"}) == [handed.pk]
    assert ids({"handover": "handed_over"}) == [handed.pk]
    assert ids({"handover": "pending"}) == [contract.pk]
    assert ids({"status": "cancelled"}) == []
    assert ids({"project": spare_unit.project_id}) == [handed.pk, contract.pk]
    assert client.get(f"{API}/contracts/", {"signed_on_after": "2024-99-01"}).status_code == 400


def test_late_handover_filter(agent, contract):
    Contract.objects.filter(pk=contract.pk).update(contractual_handover_on=datetime.date(2024, 6, 30))

    response = client_for(agent).get(f"{API}/contracts/", {"handover": "late"})

    assert [row["id"] for row in response.json()["results"]] == [contract.pk]
    assert response.json()["results"][0]["is_handover_late"] is True


# --- Household members --------------------------------------------------------------------


def test_agent_adds_and_removes_a_family_member(agent, owned_unit, project):
    spouse = CustomerFactory(city_company=project.city_company, registered_project=project)
    client = client_for(agent)

    added = client.post(
        f"{API}/household-members/",
        {"unit": owned_unit.pk, "customer": spouse.pk, "role": "family", "since": "2024-07-01"},
        format="json",
    )
    assert added.status_code == 201, added.json()
    removed = client.delete(f"{API}/household-members/{added.json()['id']}/")

    assert removed.status_code == 204
    assert not HouseholdMember.objects.filter(customer=spouse).exists()


def test_a_second_owner_is_a_400(agent, owned_unit, project):
    other = CustomerFactory(city_company=project.city_company, registered_project=project)

    response = client_for(agent).post(
        f"{API}/household-members/",
        {"unit": owned_unit.pk, "customer": other.pk, "role": "owner"},
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {"role": ["This unit already has a primary owner."]}


def test_removing_the_primary_buyer_is_a_400(agent, member):
    response = client_for(agent).delete(f"{API}/household-members/{member.pk}/")

    assert response.status_code == 400
    assert "primary buyer" in response.json()["non_field_errors"][0]
    assert HouseholdMember.objects.filter(pk=member.pk).exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"role": "pet"}, "role"),
        ({"role": "family", "customer": "abc"}, "customer"),
        ({"role": "family", "unit": 99999999}, "unit"),
        ({"role": "family", "since": "yesterday"}, "since"),
        ({"role": "family", "customer": None}, "customer"),
        ({"role": "owner"}, "role"),  # the unit already has its owner
        ({"role": "family"}, "customer"),  # the owner is already in the household
    ],
)
def test_bad_household_payloads_are_400s(payload, field, agent, owner, owned_unit):
    payload = {"unit": owned_unit.pk, "customer": owner.pk, **payload}

    response = client_for(agent).post(f"{API}/household-members/", payload, format="json")

    assert response.status_code == 400, response.content
    assert field in response.json()


def test_household_members_have_no_update(agent, member):
    response = client_for(agent).patch(
        f"{API}/household-members/{member.pk}/", {"role": "family"}, format="json"
    )

    assert response.status_code == 405


# --- Contracts ----------------------------------------------------------------------------


def test_agent_signs_a_contract_and_the_buyer_becomes_owner(agent, owner, spare_unit):
    response = client_for(agent).post(
        f"{API}/contracts/",
        {
            "unit": spare_unit.pk,
            "primary_buyer": owner.pk,
            "number": "HT-2025-000001",
            "subscribed_on": "2025-01-01",
            "signed_on": "2025-01-15",
            "price": "2800000.00",
            "contractual_handover_on": "2027-06-30",
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["unit"], body["project"], body["version"]) == (spare_unit.pk, spare_unit.project_id, 1)
    assert response["ETag"] == '"1"'
    assert HouseholdMember.objects.get(unit=spare_unit).customer == owner


def test_contract_update_with_version_and_conflict(agent, supervisor, contract):
    first = client_for(agent).patch(
        f"{API}/contracts/{contract.pk}/", {"number": "HT-NEW-1"}, format="json", HTTP_IF_MATCH='"1"'
    )
    stale = client_for(supervisor).patch(
        f"{API}/contracts/{contract.pk}/", {"number": "HT-NEW-2", "version": 1}, format="json"
    )
    missing = client_for(supervisor).patch(
        f"{API}/contracts/{contract.pk}/", {"number": "HT-NEW-3"}, format="json"
    )

    assert first.status_code == 200, first.json()
    assert first.json()["version"] == 2
    assert stale.status_code == 409
    assert missing.status_code == 428
    contract.refresh_from_db()
    assert (contract.number, contract.version) == ("HT-NEW-1", 2)


def test_the_free_text_commitments_are_read_only_history_in_the_api(agent, contract):
    """The promises live in the register (/api/v1/commitments/): the old text is shown, never written."""
    Contract.objects.filter(pk=contract.pk).update(commitments="赠送一年物业费")
    response = client_for(agent).patch(
        f"{API}/contracts/{contract.pk}/", {"commitments": "改写", "version": 1}, format="json"
    )

    assert response.status_code == 200, response.json()
    assert response.json()["commitments"] == "赠送一年物业费"
    contract.refresh_from_db()
    assert contract.commitments == "赠送一年物业费"


def test_contract_retrieve_has_etag(agent, contract):
    response = client_for(agent).get(f"{API}/contracts/{contract.pk}/")

    assert response.status_code == 200
    assert response["ETag"] == '"1"'


def test_handing_over_records_the_date(agent, contract):
    today = timezone.localdate()
    response = client_for(agent).patch(
        f"{API}/contracts/{contract.pk}/", {"handed_over_on": today.isoformat(), "version": 1}, format="json"
    )

    assert response.status_code == 200, response.json()
    contract.refresh_from_db()
    assert contract.handed_over_on == today


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"price": "-1"}, "price"),
        ({"price": "abc"}, "price"),
        ({"price": "1" * 20}, "price"),
        ({"signed_on": "2024-01-01", "subscribed_on": "2024-02-01"}, "signed_on"),
        ({"handed_over_on": "2024-05-01", "signed_on": None}, "handed_over_on"),
        ({"handed_over_on": "2999-01-01"}, "handed_over_on"),
        ({"signed_on": "0000-01-01"}, "signed_on"),
        ({"number": "HT-2024-EXISTS"}, "number"),
        ({"unit": "abc"}, "unit"),
        ({"primary_buyer": 10**30}, "primary_buyer"),
        ({"number": None}, "number"),
    ],
)
def test_bad_contract_payloads_are_400s(payload, field, agent, owner, spare_unit):
    ContractFactory(number="HT-2024-EXISTS")
    payload = {
        "unit": spare_unit.pk,
        "primary_buyer": owner.pk,
        "number": "HT-NEW",
        "price": "100.00",
        "signed_on": "2024-03-15",
        **payload,
    }

    response = client_for(agent).post(f"{API}/contracts/", payload, format="json")

    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not Contract.objects.filter(unit=spare_unit).exists()


def test_a_second_active_contract_on_a_unit_is_a_400(agent, owned_unit, owner):
    response = client_for(agent).post(
        f"{API}/contracts/",
        {"unit": owned_unit.pk, "primary_buyer": owner.pk, "number": "HT-DUP", "price": "1"},
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {"unit": ["This unit already has an active contract."]}


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"status": "sold"}, "status"),
        ({"handed_over_on": "2024-01-01"}, "handed_over_on"),  # before the 2024-03-15 signing
        ({"contractual_handover_on": "2024-13-01"}, "contractual_handover_on"),
        ({"price": None}, "price"),
    ],
)
def test_bad_contract_updates_are_400s(payload, field, agent, contract):
    response = client_for(agent).patch(
        f"{API}/contracts/{contract.pk}/", {**payload, "version": 1}, format="json"
    )

    assert response.status_code == 400, response.content
    assert field in response.json()
    contract.refresh_from_db()
    assert contract.version == 1


# --- Query counts -------------------------------------------------------------------------


def _fill(project, rows: int) -> None:
    for _ in range(rows):
        unit = UnitFactory(building__project=project)
        customer = CustomerFactory(city_company=project.city_company, registered_project=project)
        CustomerPhoneFactory(customer=customer)
        CustomerPhoneFactory(customer=customer, is_primary=False)
        ContractFactory(unit=unit, primary_buyer=customer)
        HouseholdMemberFactory(unit=unit, customer=customer)


@pytest.mark.parametrize("rows", [2, 20])
@pytest.mark.parametrize("endpoint", ["customers", "household-members", "contracts"])
def test_list_query_count_does_not_grow_with_rows(
    endpoint, rows, city_head, project, django_assert_max_num_queries
):
    _fill(project, rows)
    client = client_for(city_head)

    # token+user 1; scope: city companies, projects, the city's projects 3; page 1;
    # customers add phones 1 (the stage is on the customer's row) = 6.
    with django_assert_max_num_queries(6):
        response = client.get(f"{API}/{endpoint}/")

    assert response.status_code == 200
    assert len(response.json()["results"]) == rows


# --- Token authentication -----------------------------------------------------------------


def test_token_of_a_departed_user_is_refused(agent, owner):
    agent.employment_ends_on = timezone.localdate() - datetime.timedelta(days=1)
    agent.save()

    response = client_for(agent).get(f"{API}/customers/")

    assert response.status_code == 401


def test_token_of_a_deactivated_user_is_refused(agent, owner):
    client = client_for(agent)
    agent.is_active = False
    agent.save()

    assert client.get(f"{API}/customers/").status_code == 401


def test_token_of_a_user_leaving_today_still_works(agent, owner):
    agent.employment_ends_on = timezone.localdate()
    agent.save()

    assert client_for(agent).get(f"{API}/customers/").status_code == 200


def test_session_authentication_works_too(agent, owner):
    client = APIClient()
    client.force_login(agent)

    assert client.get(f"{API}/customers/{owner.pk}/").status_code == 200
