"""The admin is scoped like the app and never shows personal data in clear."""

import pytest
from django.urls import reverse

from accounts.models import PersonalDataAccess, Role
from accounts.services import personal_data_reveal, staff_set_role
from customers.models import Customer
from tests.factories import CustomerFactory, CustomerPhoneFactory, UserFactory


def _admin_user(role, **assignments):
    user = UserFactory(role=role, **assignments)
    return staff_set_role(user=user, role=role)  # is_staff and the role's group


@pytest.fixture
def other_city_head(other_city):
    return _admin_user(Role.CITY_HEAD, city_companies=[other_city])


@pytest.fixture
def city_head_admin(city):
    return _admin_user(Role.CITY_HEAD, city_companies=[city])


@pytest.fixture
def other_city_customer(other_city):
    customer = CustomerFactory(city_company=other_city, name="李娜")
    CustomerPhoneFactory(customer=customer, number="13987654321")
    return customer


def test_city_head_of_another_city_sees_none_of_this_citys_customers(
    client, other_city_head, owner, other_city_customer
):
    client.force_login(other_city_head)

    response = client.get(reverse("admin:customers_customer_changelist"))

    assert response.status_code == 200
    shown = list(response.context["cl"].result_list)
    assert shown == [other_city_customer]
    assert "张伟" not in response.content.decode()


def test_city_head_of_another_city_gets_404_on_a_customer_change_page(client, other_city_head, owner):
    client.force_login(other_city_head)

    response = client.get(reverse("admin:customers_customer_change", args=[owner.pk]))

    assert response.status_code == 404


def test_city_head_of_another_city_gets_404_on_a_unit_and_contract(client, other_city_head, owned_unit):
    client.force_login(other_city_head)
    contract = owned_unit.contracts.get()

    assert client.get(reverse("admin:properties_unit_change", args=[owned_unit.pk])).status_code == 404
    assert client.get(reverse("admin:customers_contract_change", args=[contract.pk])).status_code == 404


def test_group_admin_sees_customers_of_every_city(client, group_admin, owner, other_city_customer):
    client.force_login(group_admin)

    response = client.get(reverse("admin:customers_customer_changelist"))

    assert set(response.context["cl"].result_list) == {owner, other_city_customer}


def test_changelist_shows_phones_and_id_numbers_masked(client, city_head_admin, owner):
    client.force_login(city_head_admin)

    html = client.get(reverse("admin:customers_customer_changelist")).content.decode()

    assert "138****5678" in html
    assert "13812345678" not in html
    assert owner.id_number_masked in html
    assert owner.id_number not in html


def test_change_page_hides_the_id_number_field_from_a_city_head(client, city_head_admin, owner):
    client.force_login(city_head_admin)

    response = client.get(reverse("admin:customers_customer_change", args=[owner.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="id_number"' not in html
    assert owner.id_number not in html
    assert owner.id_number_masked in html
    assert "13812345678" not in html
    assert "138****5678" in html


def test_change_page_never_sends_the_id_number_to_a_group_admin(client, group_admin, owner):
    client.force_login(group_admin)

    html = client.get(reverse("admin:customers_customer_change", args=[owner.pk])).content.decode()

    assert 'name="id_number"' in html  # write-only: may type a new one
    assert owner.id_number not in html
    assert "13812345678" not in html


def test_phone_admin_lists_masked_numbers_and_finds_by_last_four_digits(client, city_head_admin, owner):
    client.force_login(city_head_admin)

    response = client.get(reverse("admin:customers_customerphone_changelist"), {"q": "5678"})

    html = response.content.decode()
    assert [phone.customer for phone in response.context["cl"].result_list] == [owner]
    assert "138****5678" in html
    assert "13812345678" not in html


def test_customer_admin_save_goes_through_the_service_and_bumps_the_version(client, city_head_admin, owner):
    client.force_login(city_head_admin)
    url = reverse("admin:customers_customer_change", args=[owner.pk])
    data = _customer_form_data(client.get(url))
    data.update({"name": "张伟伟", "expected_version": owner.version, "_save": "Save"})

    response = client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    owner = Customer.objects.get(pk=owner.pk)
    assert owner.name == "张伟伟"
    assert owner.version == 2
    assert owner.id_number  # blank write-only field kept the stored number


def test_stale_customer_admin_save_is_refused(client, city_head_admin, owner):
    client.force_login(city_head_admin)
    url = reverse("admin:customers_customer_change", args=[owner.pk])
    data = _customer_form_data(client.get(url))
    data.update({"name": "王芳", "expected_version": owner.version, "_save": "Save"})
    Customer.objects.filter(pk=owner.pk).update(version=owner.version + 1)  # someone else saved meanwhile

    response = client.post(url, data, follow=True)

    assert Customer.objects.get(pk=owner.pk).name == "张伟"
    assert any("Someone else changed this record" in str(m) for m in response.context["messages"])


def _customer_form_data(response) -> dict:
    """What the browser would post back: the form's initial values and the inlines' management forms."""
    form = response.context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and name not in ("referrer", "birth_date")
    }
    for inline in response.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        data.update({f"{management.prefix}-{key}": value for key, value in management.initial.items()})
    return data


def test_reveal_log_is_read_only(client, group_admin, owner):
    personal_data_reveal(
        user=group_admin, customer=owner, field="phone", reason_code="callback", reason="回访核实"
    )
    access = PersonalDataAccess.objects.get()
    client.force_login(group_admin)

    assert client.get(reverse("admin:accounts_personaldataaccess_changelist")).status_code == 200
    assert client.get(reverse("admin:accounts_personaldataaccess_add")).status_code == 403
    change = client.get(reverse("admin:accounts_personaldataaccess_change", args=[access.pk]))
    assert 'name="reason"' not in change.content.decode()  # shown, not editable
    delete = client.post(
        reverse("admin:accounts_personaldataaccess_delete", args=[access.pk]), {"post": "yes"}
    )
    assert delete.status_code == 403
    assert PersonalDataAccess.objects.filter(pk=access.pk).exists()


def test_reveal_log_shows_a_city_head_only_their_customers(
    client, group_admin, city_head_admin, owner, other_city_customer
):
    personal_data_reveal(
        user=group_admin, customer=owner, field="phone", reason_code="callback", reason="回访核实"
    )
    personal_data_reveal(
        user=group_admin,
        customer=other_city_customer,
        field="phone",
        reason_code="callback",
        reason="回访核实",
    )
    client.force_login(city_head_admin)

    response = client.get(reverse("admin:accounts_personaldataaccess_changelist"))

    assert [access.customer for access in response.context["cl"].result_list] == [owner]


def test_agents_have_no_admin_access(client, agent):
    client.force_login(agent)

    response = client.get(reverse("admin:customers_customer_changelist"))

    assert response.status_code == 302  # to the admin login


def test_staff_admin_shows_role_assignments_and_employment_end(client, group_admin, agent):
    client.force_login(group_admin)

    html = client.get(reverse("admin:accounts_user_change", args=[agent.pk])).content.decode()

    for field in ("role", "city_companies", "projects", "employment_ends_on"):
        assert f'name="{field}"' in html


def test_changing_a_role_in_the_admin_moves_the_user_to_the_roles_group(client, group_admin, agent):
    client.force_login(group_admin)
    url = reverse("admin:accounts_user_change", args=[agent.pk])
    form = client.get(url).context["adminform"].form
    data = {name: value for name, value in form.initial.items() if value not in (None, "")}
    data.update(
        {
            "role": Role.CS_SUPERVISOR,
            "projects": [p.pk for p in agent.projects.all()],
            "city_companies": [],
            "groups": [],
            "user_permissions": [],
        }
    )

    response = client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    agent.refresh_from_db()
    assert agent.role == Role.CS_SUPERVISOR
    assert list(agent.groups.values_list("name", flat=True)) == [Role.CS_SUPERVISOR.value]


def test_unit_added_in_the_admin_is_created_by_the_service(client, city_head_admin, project):
    from properties.models import Unit
    from tests.factories import BuildingFactory

    building = BuildingFactory(project=project, number="7", floors=10)
    client.force_login(city_head_admin)
    data = {"building": building.pk, "entrance": "2", "number": "301", "floor": 3, "floor_area": "88.00"}
    data.update({"layout": "2室1厅1卫", "finish_standard": "shell", "_save": "Save"})

    response = client.post(reverse("admin:properties_unit_add"), data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    unit = Unit.objects.get(building=building)
    assert (unit.code, unit.project) == ("7-2-301", project)


def test_project_cannot_be_moved_to_another_city_in_the_admin(client, group_admin, project, other_city):
    client.force_login(group_admin)
    url = reverse("admin:properties_project_change", args=[project.pk])
    data = {"city_company": other_city.pk, "code": project.code, "name": project.name, "_save": "Save"}

    response = client.post(url, data, follow=True)

    project.refresh_from_db()
    assert project.city_company_id != other_city.pk
    assert any("cannot move" in str(m) for m in response.context["messages"])


ADMIN_MODELS = [
    "accounts_user",
    "accounts_personaldataaccess",
    "properties_citycompany",
    "properties_project",
    "properties_phase",
    "properties_building",
    "properties_unit",
    "customers_customer",
    "customers_customerphone",
    "customers_householdmember",
    "customers_contract",
]


@pytest.mark.parametrize("model", ADMIN_MODELS)
def test_every_admin_page_renders_for_the_group_admin(client, group_admin, owner, project, model):
    from tests.factories import PhaseFactory

    PhaseFactory(project=project)
    personal_data_reveal(
        user=group_admin, customer=owner, field="phone", reason_code="callback", reason="回访核实"
    )
    client.force_login(group_admin)

    changelist = client.get(reverse(f"admin:{model}_changelist"))

    assert changelist.status_code == 200
    first = changelist.context["cl"].result_list[0]
    assert client.get(reverse(f"admin:{model}_change", args=[first.pk])).status_code == 200


def test_finding_10_3_the_group_admin_engages_a_contractor_on_projects_in_the_admin(
    client, group_admin, city_head_admin, project
):
    """Contractor.projects, the projects a company works on, is kept in the admin (group admin only)."""
    from accounts.models import Contractor

    company = Contractor.objects.create(name="中建三局")
    client.force_login(group_admin)
    url = reverse("admin:accounts_contractor_change", args=[company.pk])
    assert client.get(url).status_code == 200

    data = {
        "name": company.name,
        "trade": "",
        "contact_phone": "",
        "is_active": "on",
        "projects": [project.pk],
    }
    response = client.post(url, {**data, "_save": "Save"})

    assert response.status_code == 302
    assert list(company.projects.all()) == [project]
    client.force_login(city_head_admin)
    assert client.get(url).status_code == 403
