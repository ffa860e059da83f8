"""Finding 10.2: the Excel import, the customer forms and the API stay inside the user's scope.

A Shenzhen agent must learn nothing of a Shanghai customer from an ID number or a contract number
(no name, no unit, no city), and no import row, form or API call may pull that customer into
Shenzhen's scope by making them a household member there. Only a supervisor's logged link
(关联客户, customers.services.household_member_link) may.
"""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from customers import services
from customers.importing import customer_workbook_import
from customers.models import Customer, HouseholdLink, HouseholdMember, HouseholdRole
from tests.api import client_for
from tests.customers.test_import import unit_row, workbook
from tests.factories import (
    CityCompanyFactory,
    ContractFactory,
    CustomerFactory,
    CustomerPhoneFactory,
    HouseholdMemberFactory,
    ProjectFactory,
    UnitFactory,
    make_resident_id,
)

pytestmark = pytest.mark.django_db

API = "/api/v1"
SHANGHAI_ID = make_resident_id(501)
SHANGHAI_PHONE = "13612345678"


@pytest.fixture
def shanghai_customer(db):
    """朱涛林, owner of 上海 翠湖天地 8-2-1201 under contract HT-SH-0001: outside every Shenzhen scope."""
    city = CityCompanyFactory(code="sh", name="上海公司", city="上海")
    project = ProjectFactory(city_company=city, code="chtd", name="翠湖天地")
    unit = UnitFactory(building__project=project, building__number="8", entrance="2", number="1201", floor=12)
    customer = CustomerFactory(
        city_company=city, registered_project=project, name="朱涛林", id_number=SHANGHAI_ID
    )
    CustomerPhoneFactory(customer=customer, number=SHANGHAI_PHONE)
    ContractFactory(unit=unit, primary_buyer=customer, number="HT-SH-0001")
    HouseholdMemberFactory(unit=unit, customer=customer)
    return customer


def leaks(text: str) -> list[str]:
    """What of the Shanghai record a message must not show."""
    return [word for word in ("朱涛林", "上海", "翠湖天地", "8-2-1201", "1201", "HT-SH") if word in text]


def family_row(**changes):
    """A Shenzhen household member (家庭成员) of 四季花城 3-1-502, without a contract."""
    return unit_row(**{"身份": "家庭成员", "合同编号": "", "成交价": None, **changes})


# --- the import ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["王五", "朱涛林"])
def test_dry_run_with_a_shanghai_id_number_is_refused_naming_nobody_finding_10_2(
    agent, project, shanghai_customer, name
):
    rows = [unit_row(), family_row(**{"姓名": name, "证件号码": SHANGHAI_ID})]

    result = customer_workbook_import(by=agent, source=workbook(rows))

    assert [(e.row, e.column) for e in result.errors] == [(3, "证件号码")]
    message = result.errors[0].message
    assert message == str(services.ID_NUMBER_UNAVAILABLE)  # the same words whoever holds the number
    assert leaks(message) == []


def test_a_contract_number_of_an_out_of_scope_unit_tells_nothing_finding_10_2(
    agent, project, shanghai_customer
):
    result = customer_workbook_import(by=agent, source=workbook([unit_row(**{"合同编号": "HT-SH-0001"})]))

    assert [(e.row, e.column) for e in result.errors] == [(2, "合同编号")]
    message = result.errors[0].message
    assert "another unit" not in message and leaks(message) == []


def test_an_in_scope_contract_number_still_says_it_belongs_to_another_unit(city_head, owned_unit):
    contract = owned_unit.contracts.get()
    row = unit_row(**{"房号": 602, "楼层": 6, "证件号码": make_resident_id(33), "合同编号": contract.number})

    result = customer_workbook_import(by=city_head, source=workbook([row]))

    assert "belongs to another unit" in result.errors[0].message


def test_an_in_scope_id_number_with_another_name_still_names_the_customer(city_head, owner):
    row = unit_row(**{"房号": 602, "楼层": 6, "姓名": "王五", "证件号码": owner.id_number, "合同编号": ""})

    result = customer_workbook_import(by=city_head, source=workbook([row]))

    assert [e.message for e in result.errors] == ["This ID number belongs to customer 张伟."]


def test_household_import_cannot_pull_a_shanghai_customer_into_shenzhen_finding_10_2(
    client, agent, project, shanghai_customer
):
    rows = [unit_row(), family_row(**{"姓名": "朱涛林", "证件号码": SHANGHAI_ID, "手机": SHANGHAI_PHONE})]

    result = customer_workbook_import(by=agent, source=workbook(rows), dry_run=False)

    assert not result.written
    assert list(shanghai_customer.households.values_list("unit__code", flat=True)) == ["8-2-1201"]
    client.force_login(agent)
    assert client.get(reverse("customers:detail", args=[shanghai_customer.pk])).status_code == 404
    reveal = {"field": "phone", "reason": "回访"}
    assert client.post(reverse("customers:reveal", args=[shanghai_customer.pk]), reveal).status_code == 404
    api = client_for(agent)
    assert api.get(f"{API}/customers/{shanghai_customer.pk}/").status_code == 404
    assert api.post(f"{API}/customers/{shanghai_customer.pk}/reveal/", reveal).status_code == 404


def test_a_name_and_phone_match_out_of_scope_makes_a_new_shenzhen_record_not_a_link_finding_10_2(
    agent, project, shanghai_customer
):
    row = family_row(**{"身份": "业主", "姓名": "朱涛林", "证件号码": "", "证件类型": ""})
    row["手机"] = SHANGHAI_PHONE

    result = customer_workbook_import(by=agent, source=workbook([row]), dry_run=False)

    assert result.written, result.errors
    assert shanghai_customer.households.count() == 1  # still only their Shanghai home
    new = HouseholdMember.objects.get(unit__project=project).customer
    assert new.pk != shanghai_customer.pk and new.city_company_id == project.city_company_id
    assert not Customer.objects.visible_to(agent).filter(pk=shanghai_customer.pk).exists()


# --- the customer forms and the API ----------------------------------------------------------------


def test_api_create_with_another_companys_id_number_is_a_400_that_reveals_nothing_finding_10_2(
    agent, project, shanghai_customer
):
    response = client_for(agent).post(
        f"{API}/customers/",
        {
            "registered_project": project.pk,
            "name": "王五",
            "id_type": "resident_id",
            "id_number": SHANGHAI_ID,
        },
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {"id_number": [str(services.ID_NUMBER_UNAVAILABLE)]}
    assert "Another customer" not in response.content.decode()
    assert leaks(response.content.decode()) == []
    assert not Customer.objects.filter(name="王五").exists()


def test_api_create_with_an_in_scope_id_number_names_the_customer(agent, owner, project):
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


def test_api_update_to_another_companys_id_number_reveals_nothing_finding_10_2(
    agent, owner, shanghai_customer
):
    response = client_for(agent).patch(
        f"{API}/customers/{owner.pk}/",
        {"id_type": "resident_id", "id_number": SHANGHAI_ID, "version": owner.version},
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {"id_number": [str(services.ID_NUMBER_UNAVAILABLE)]}


def test_customer_form_with_another_companys_id_number_reveals_nothing_finding_10_2(
    client, agent, project, shanghai_customer
):
    client.force_login(agent)
    response = client.post(
        reverse("customers:create"),
        {
            "registered_project": project.pk,
            "name": "王五",
            "id_type": "resident_id",
            "id_number": SHANGHAI_ID,
            "nationality": "中国",
            "preferred_channel": "phone",
            "phone_0": "13900001111",
        },
    )

    assert response.status_code == 200
    assert response.context["form"].errors["id_number"] == [str(services.ID_NUMBER_UNAVAILABLE)]
    assert leaks(response.content.decode()) == []


def test_household_member_api_cannot_add_a_customer_of_another_city_finding_10_2(
    agent, owned_unit, shanghai_customer
):
    spare = UnitFactory(building=owned_unit.building, entrance="1", number="602", floor=6)

    response = client_for(agent).post(
        f"{API}/household-members/",
        {"unit": spare.pk, "customer": shanghai_customer.pk, "role": "family"},
        format="json",
    )

    assert response.status_code == 400
    assert "customer" in response.json() and leaks(response.content.decode()) == []
    assert not HouseholdMember.objects.filter(unit=spare).exists()


def test_household_and_contract_services_refuse_a_customer_outside_the_scope_finding_10_2(
    agent, owned_unit, shanghai_customer
):
    spare = UnitFactory(building=owned_unit.building, entrance="1", number="602", floor=6)

    with pytest.raises(PermissionDenied):
        services.household_member_add(unit=spare, customer=shanghai_customer, role="family", by=agent)
    with pytest.raises(PermissionDenied):
        services.contract_create(
            unit=spare, primary_buyer=shanghai_customer, by=agent, number="HT-X", price=1
        )
    assert shanghai_customer.households.count() == 1


# --- the supervisor's logged link (关联客户) -------------------------------------------------------------


def link_data(unit_code="四季花城 3-1-602", **changes):
    return {
        "unit_code": unit_code,
        "id_type": "resident_id",
        "id_number": SHANGHAI_ID,
        "role": "co_owner",
        "reason": "购买深圳第二套房，共有人",
        **changes,
    }


def test_a_supervisor_links_a_shanghai_owner_into_a_shenzhen_household_and_it_is_logged(
    client, supervisor, owned_unit, shanghai_customer
):
    UnitFactory(building=owned_unit.building, entrance="1", number="602", floor=6)
    client.force_login(supervisor)
    assert 'id="household-link"' in client.get(reverse("customers:link")).content.decode()

    response = client.post(reverse("customers:link"), link_data())

    assert response.status_code == 302
    assert response.url.startswith(reverse("customers:detail", args=[shanghai_customer.pk]))
    member = shanghai_customer.households.get(unit__code="3-1-602")
    assert member.role == HouseholdRole.CO_OWNER
    link = HouseholdLink.objects.get()
    assert (link.customer, link.unit, link.linked_by, link.widened_scope) == (
        shanghai_customer,
        member.unit,
        supervisor,
        True,
    )
    assert link.reason == "购买深圳第二套房，共有人"
    assert client.get(reverse("customers:detail", args=[shanghai_customer.pk])).status_code == 200


def test_agents_cannot_link_customers_from_elsewhere(client, agent, owned_unit, shanghai_customer):
    UnitFactory(building=owned_unit.building, entrance="1", number="602", floor=6)
    client.force_login(agent)

    assert client.get(reverse("customers:link")).status_code == 403
    assert client.post(reverse("customers:link"), link_data()).status_code == 403
    response = client_for(agent).post(
        f"{API}/household-members/link/",
        {**link_data(), "unit": owned_unit.pk, "role": "family"},
        format="json",
    )
    assert response.status_code == 403
    assert not HouseholdLink.objects.exists() and shanghai_customer.households.count() == 1


def test_a_link_needs_a_reason_and_a_known_id_number(client, supervisor, owned_unit, shanghai_customer):
    UnitFactory(building=owned_unit.building, entrance="1", number="602", floor=6)
    client.force_login(supervisor)

    no_reason = client.post(reverse("customers:link"), link_data(reason=""))
    unknown = client.post(reverse("customers:link"), link_data(id_number=make_resident_id(999)))

    assert no_reason.status_code == 400 and "reason" in no_reason.context["form"].errors
    assert unknown.status_code == 400 and "No customer has this ID number" in unknown.content.decode()
    assert not HouseholdLink.objects.exists()


def test_the_api_link_is_for_supervisors_and_logged(supervisor, owned_unit, shanghai_customer):
    spare = UnitFactory(building=owned_unit.building, entrance="1", number="602", floor=6)

    response = client_for(supervisor).post(
        f"{API}/household-members/link/",
        {
            "unit": spare.pk,
            "id_type": "resident_id",
            "id_number": SHANGHAI_ID,
            "role": "tenant",
            "since": datetime.date(2026, 1, 1).isoformat(),
            "reason": "租户登记",
        },
        format="json",
    )

    assert response.status_code == 201, response.content
    assert response.json()["customer"] == shanghai_customer.pk
    assert HouseholdLink.objects.get().widened_scope
    assert client_for(supervisor).get(f"{API}/customers/{shanghai_customer.pk}/").status_code == 200
