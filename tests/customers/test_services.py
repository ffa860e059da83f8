import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import PersonalDataAccess, Role
from accounts.services import personal_data_reveal
from customers.models import Contract, Customer, HouseholdMember, HouseholdRole
from customers.services import (
    ConcurrentEditError,
    contract_create,
    customer_create,
    customer_update,
    household_member_add,
)
from tests.factories import CustomerFactory, HouseholdMemberFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_agent_creates_customer_with_normalized_primary_phone(agent, project):
    customer = customer_create(
        by=agent, registered_project=project, name="李娜", phones=["+86 139-1234-5678", "13700001111"]
    )
    phones = list(customer.phones.order_by("-is_primary", "id").values_list("number", "is_primary", "last4"))
    assert phones == [("13912345678", True, "5678"), ("13700001111", False, "1111")]
    assert customer.city_company == project.city_company


def test_customer_create_reports_each_bad_phone(agent, project):
    with pytest.raises(ValidationError) as error:
        customer_create(by=agent, registered_project=project, name="李娜", phones=["12345", "13912345678"])
    assert "phones" in error.value.message_dict
    assert not Customer.objects.exists()


def test_customer_create_refuses_a_bad_resident_id(agent, project):
    with pytest.raises(ValidationError) as error:
        customer_create(
            by=agent,
            registered_project=project,
            name="李娜",
            id_type="resident_id",
            id_number="110105194912310021",
        )
    assert "check digit" in " ".join(error.value.message_dict["id_number"])


def test_customer_create_refuses_a_duplicate_id_number(agent, project, owner):
    with pytest.raises(ValidationError) as error:
        customer_create(
            by=agent,
            registered_project=project,
            name="重复",
            id_type="resident_id",
            id_number=owner.id_number,
        )
    assert "id_number" in error.value.message_dict


def test_agent_cannot_create_customer_in_another_city(agent, other_project):
    with pytest.raises(PermissionDenied):
        customer_create(by=agent, registered_project=other_project, name="王芳")


def test_readonly_manager_cannot_create_customers(project):
    manager = UserFactory(role=Role.READONLY_MANAGER, projects=[project])
    with pytest.raises(PermissionDenied):
        customer_create(by=manager, registered_project=project, name="王芳")


def test_stale_edit_is_refused_and_keeps_the_first_save(agent, owner):
    loaded_version = owner.version
    first = Customer.objects.get(pk=owner.pk)
    customer_update(customer=first, by=agent, expected_version=loaded_version, employer="万科")
    second = Customer.objects.get(pk=owner.pk)
    with pytest.raises(ConcurrentEditError):
        customer_update(customer=second, by=agent, expected_version=loaded_version, employer="华为")
    saved = Customer.objects.get(pk=owner.pk)
    assert saved.employer == "万科"
    assert saved.version == loaded_version + 1


def test_update_of_id_number_refreshes_hash_and_mask(agent, owner):
    customer_update(customer=owner, by=agent, expected_version=owner.version, id_number="11010519491231002X")
    saved = Customer.objects.get(pk=owner.pk)
    assert saved.id_number_masked == "1101**********002X"
    assert Customer.objects.filter(id_number_hash=saved.id_number_hash).count() == 1


def test_unit_has_only_one_primary_owner(agent, owned_unit):
    # Registered at the agent's project: one they can see (finding 10.2).
    newcomer = CustomerFactory(
        city_company=owned_unit.project.city_company, registered_project=owned_unit.project
    )
    with pytest.raises(ValidationError) as error:
        household_member_add(unit=owned_unit, customer=newcomer, role=HouseholdRole.OWNER, by=agent)
    assert "primary owner" in " ".join(error.value.message_dict["role"])
    member = household_member_add(unit=owned_unit, customer=newcomer, role=HouseholdRole.CO_OWNER, by=agent)
    assert member.role == HouseholdRole.CO_OWNER


def test_contract_makes_the_buyer_primary_owner(agent, project):
    unit = UnitFactory(building__project=project)
    buyer = CustomerFactory(city_company=project.city_company, registered_project=project)
    contract_create(
        unit=unit,
        primary_buyer=buyer,
        by=agent,
        number="HT-1",
        price=Decimal("1000000"),
        subscribed_on=datetime.date(2025, 1, 1),
        signed_on=datetime.date(2025, 1, 10),
    )
    assert HouseholdMember.objects.get(unit=unit).customer == buyer


def test_contract_dates_must_be_in_order(agent, project):
    unit = UnitFactory(building__project=project)
    buyer = CustomerFactory(city_company=project.city_company, registered_project=project)
    with pytest.raises(ValidationError) as error:
        contract_create(
            unit=unit,
            primary_buyer=buyer,
            by=agent,
            number="HT-2",
            price=Decimal("1"),
            subscribed_on=datetime.date(2025, 2, 1),
            signed_on=datetime.date(2025, 1, 10),
            handed_over_on=datetime.date(2024, 1, 1),
        )
    assert {"signed_on", "handed_over_on"} <= set(error.value.message_dict)
    assert not Contract.objects.exists()


def test_second_active_contract_on_a_unit_is_refused(agent, owned_unit, owner):
    with pytest.raises(ValidationError) as error:
        contract_create(unit=owned_unit, primary_buyer=owner, by=agent, number="HT-3", price=Decimal("1"))
    assert "unit" in error.value.message_dict


def test_reveal_returns_clear_phone_and_logs_the_reason(agent, owner):
    value = personal_data_reveal(
        user=agent, customer=owner, field="phone", reason_code="callback", reason="回访电话"
    )
    assert value == ["13812345678"]
    access = PersonalDataAccess.objects.get()
    assert (access.user, access.customer, access.field, access.reason) == (agent, owner, "phone", "回访电话")


def test_reveal_without_reason_is_refused_and_not_logged(agent, owner):
    with pytest.raises(ValidationError):
        personal_data_reveal(user=agent, customer=owner, field="phone", reason_code="callback", reason=" ")
    assert not PersonalDataAccess.objects.exists()


def test_agent_may_not_reveal_id_numbers(agent, owner):
    with pytest.raises(PermissionDenied):
        personal_data_reveal(
            user=agent, customer=owner, field="id_number", reason_code="identity", reason="核对身份"
        )
    assert not PersonalDataAccess.objects.exists()


def test_agent_may_edit_an_owner_registered_elsewhere_who_holds_a_unit_in_their_project(
    other_agent, owner, other_project
):
    HouseholdMemberFactory(unit=UnitFactory(building__project=other_project), customer=owner, role="tenant")
    customer_update(customer=owner, by=other_agent, expected_version=owner.version, employer="招商银行")
    assert Customer.objects.get(pk=owner.pk).employer == "招商银行"


def test_agent_may_not_edit_a_customer_outside_scope(other_agent, owner):
    with pytest.raises(PermissionDenied):
        customer_update(customer=owner, by=other_agent, expected_version=owner.version, employer="x")
