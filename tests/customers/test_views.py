"""Staff pages for customers: permissions, scoping, masking, reveal, edit conflicts, query counts."""

import pytest
from django.urls import reverse

from accounts.models import PersonalDataAccess, Role
from customers.models import Customer
from tests.factories import (
    ContractFactory,
    CustomerFactory,
    CustomerPhoneFactory,
    HouseholdMemberFactory,
    UnitFactory,
    UserFactory,
    make_resident_id,
)

CLEAR_PHONE = "13812345678"
MASKED_PHONE = "138****5678"


@pytest.fixture
def contractor(project):
    return UserFactory(username="contractor", role=Role.CONTRACTOR, projects=[project])


@pytest.fixture
def agent_client(client, agent):
    client.force_login(agent)
    return client


def customer_pages(pk):
    return [
        reverse("customers:detail", args=[pk]),
        reverse("customers:edit", args=[pk]),
    ]


# --- login and permissions ---------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["customers:search", "customers:list", "customers:create"])
def test_customer_pages_redirect_anonymous_users_to_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_customer_detail_redirects_anonymous_users_to_login(client, owner):
    response = client.get(reverse("customers:detail", args=[owner.pk]))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_each_customer_page_renders_for_an_agent_of_the_project(agent_client, owner):
    urls = [
        reverse("customers:search") + "?q=张伟",
        reverse("customers:list"),
        reverse("customers:create"),
        *customer_pages(owner.pk),
    ]
    for url in urls:
        assert agent_client.get(url).status_code == 200, url


def test_agent_of_another_city_gets_404_on_this_citys_customer(client, other_agent, owner):
    client.force_login(other_agent)
    for url in customer_pages(owner.pk):
        assert client.get(url).status_code == 404, url
    response = client.post(
        reverse("customers:reveal", args=[owner.pk]),
        {"field": "phone", "reason_code": "callback", "reason": "业主来电回访"},
    )
    assert response.status_code == 404
    assert not PersonalDataAccess.objects.exists()


def test_contractor_gets_403_on_customer_pages(client, contractor, owner):
    client.force_login(contractor)
    for url in [
        reverse("customers:search") + "?q=1234",
        reverse("customers:list"),
        *customer_pages(owner.pk),
    ]:
        assert client.get(url).status_code == 403, url
    assert client.get(reverse("customers:create")).status_code == 403


def test_contractor_gets_403_on_reveal_and_logs_nothing(client, contractor, owner):
    client.force_login(contractor)
    response = client.post(
        reverse("customers:reveal", args=[owner.pk]),
        {"field": "phone", "reason_code": "callback", "reason": "业主来电回访"},
    )
    assert response.status_code == 403
    assert not PersonalDataAccess.objects.exists()


def test_read_only_manager_sees_the_customer_but_may_not_edit(client, project, owner):
    manager = UserFactory(role=Role.READONLY_MANAGER, projects=[project])
    client.force_login(manager)
    page = client.get(reverse("customers:detail", args=[owner.pk]))
    assert page.status_code == 200
    assert reverse("customers:edit", args=[owner.pk]) not in page.content.decode()
    assert client.get(reverse("customers:edit", args=[owner.pk])).status_code == 403


# --- search ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        (CLEAR_PHONE, "full phone number"),
        ("5678", "last 4 digits of a phone"),
        ("张伟", "name"),
        ("四季花城 3-1-502", "unit"),
    ],
)
def test_search_finds_the_owner_and_links_by_name(agent_client, owner, text, kind):
    CustomerFactory(city_company=owner.city_company, name="李娜")
    response = agent_client.post(reverse("customers:search"), {"q": text})
    html = response.content.decode()
    assert response.status_code == 200
    detail_url = reverse("customers:detail", args=[owner.pk])
    assert f'href="{detail_url}">张伟</a>' in html
    assert "李娜" not in html
    assert kind in html
    assert MASKED_PHONE in html
    assert CLEAR_PHONE not in html.replace(f'value="{CLEAR_PHONE}"', "")


def test_search_by_unit_also_lists_the_matching_unit(agent_client, owned_unit):
    html = agent_client.post(reverse("customers:search"), {"q": "四季花城 3-1-502"}).content.decode()
    assert reverse("properties:unit-detail", args=[owned_unit.pk]) in html


def test_search_does_not_show_customers_of_another_city(client, other_agent, owner):
    client.force_login(other_agent)
    html = client.post(reverse("customers:search"), {"q": "张伟"}).content.decode()
    assert reverse("customers:detail", args=[owner.pk]) not in html


# --- masking -----------------------------------------------------------------------------


def test_list_and_detail_show_the_phone_and_id_masked(agent_client, owner):
    for url in [reverse("customers:list"), reverse("customers:detail", args=[owner.pk])]:
        html = agent_client.get(url).content.decode()
        assert MASKED_PHONE in html, url
        assert CLEAR_PHONE not in html, url
        assert owner.id_number not in html, url


def test_detail_renders_the_masked_phone_in_the_tested_element(agent_client, owner):
    html = agent_client.get(reverse("customers:detail", args=[owner.pk])).content.decode()
    assert f'data-testid="customer-phone">{MASKED_PHONE}' in html


def test_edit_form_never_puts_the_clear_phone_or_id_number_in_the_page(agent_client, owner):
    html = agent_client.get(reverse("customers:edit", args=[owner.pk])).content.decode()
    assert CLEAR_PHONE not in html
    assert owner.id_number not in html
    assert MASKED_PHONE in html


# --- reveal ------------------------------------------------------------------------------


def test_reveal_with_a_reason_shows_the_number_and_logs_the_access(agent_client, agent, owner):
    response = agent_client.post(
        reverse("customers:reveal", args=[owner.pk]),
        {"field": "phone", "reason_code": "callback", "reason": "回访客户"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert CLEAR_PHONE in response.content.decode()
    assert "<html" not in response.content.decode()  # an htmx fragment, not a page
    access = PersonalDataAccess.objects.get()
    assert (access.user, access.customer, access.field, access.reason) == (agent, owner, "phone", "回访客户")
    assert access.ip_address == "127.0.0.1"


def test_reveal_without_htmx_renders_a_page_with_the_number(agent_client, owner):
    response = agent_client.post(
        reverse("customers:reveal", args=[owner.pk]),
        {"field": "phone", "reason_code": "callback", "reason": "回访客户"},
    )
    assert response.status_code == 200
    assert "<html" in response.content.decode()
    assert CLEAR_PHONE in response.content.decode()


def test_reveal_without_a_reason_shows_the_error_and_logs_nothing(agent_client, owner):
    response = agent_client.post(
        reverse("customers:reveal", args=[owner.pk]),
        {"field": "phone", "reason_code": "callback", "reason": " "},
        HTTP_HX_REQUEST="true",
    )
    html = response.content.decode()
    assert "Say why you need to see this value" in html
    assert CLEAR_PHONE not in html
    assert not PersonalDataAccess.objects.exists()


def test_agent_may_not_reveal_an_id_number(agent_client, owner):
    response = agent_client.post(
        reverse("customers:reveal", args=[owner.pk]),
        {"field": "id_number", "reason_code": "identity", "reason": "核对身份"},
    )
    assert response.status_code == 403
    assert not PersonalDataAccess.objects.exists()


def test_supervisor_reveals_the_id_number_and_sees_the_access_log(client, supervisor, owner):
    client.force_login(supervisor)
    response = client.post(
        reverse("customers:reveal", args=[owner.pk]),
        {"field": "id_number", "reason_code": "identity", "reason": "核对身份"},
    )
    assert owner.id_number in response.content.decode()
    html = client.get(reverse("customers:detail", args=[owner.pk])).content.decode()
    assert "核对身份" in html


def test_detail_offers_the_id_reveal_form_only_to_roles_that_may_use_it(client, agent, supervisor, owner):
    client.force_login(agent)
    html = client.get(reverse("customers:detail", args=[owner.pk])).content.decode()
    assert 'value="phone"' in html
    assert 'value="id_number"' not in html
    client.force_login(supervisor)
    html = client.get(reverse("customers:detail", args=[owner.pk])).content.decode()
    assert 'value="id_number"' in html


def test_reveal_refuses_get(agent_client, owner):
    assert agent_client.get(reverse("customers:reveal", args=[owner.pk])).status_code == 405


# --- create and edit ---------------------------------------------------------------------


def edit_data(customer, **overrides):
    data = {
        "version": customer.version,
        "city_company": customer.city_company_id,
        "registered_project": customer.registered_project_id or "",
        "name": customer.name,
        "gender": customer.gender,
        "id_type": customer.id_type,
        "id_number": "",
        "nationality": customer.nationality,
        "preferred_channel": customer.preferred_channel,
    }
    data.update(overrides)
    return data


def test_create_saves_the_customer_with_phones_and_redirects(agent_client, project):
    response = agent_client.post(
        reverse("customers:create"),
        {
            "registered_project": project.pk,
            "name": "王芳",
            "id_type": "resident_id",
            "id_number": make_resident_id(777),
            "nationality": "中国",
            "preferred_channel": "phone",
            "phone_0": "139 0000 1111",
            "phone_1": "13700002222",
        },
    )
    customer = Customer.objects.get(name="王芳")
    assert response.status_code == 302
    assert response.url == reverse("customers:detail", args=[customer.pk])
    assert customer.city_company_id == project.city_company_id
    assert [p.number for p in customer.phones.all()] == ["13900001111", "13700002222"]


def test_create_with_a_bad_phone_and_a_bad_id_number_shows_field_errors(agent_client, project):
    response = agent_client.post(
        reverse("customers:create"),
        {
            "registered_project": project.pk,
            "name": "王芳",
            "id_type": "resident_id",
            "id_number": "440301198506150000",
            "nationality": "中国",
            "preferred_channel": "phone",
            "phone_0": "12345",
        },
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "phone_0" in form.errors
    assert "is not a mainland mobile number" in form.errors["phone_0"][0]
    assert not Customer.objects.filter(name="王芳").exists()


def test_create_with_a_bad_id_number_shows_the_error_on_the_field(agent_client, project):
    response = agent_client.post(
        reverse("customers:create"),
        {
            "registered_project": project.pk,
            "name": "王芳",
            "id_type": "resident_id",
            "id_number": "440301198506150000",
            "nationality": "中国",
            "preferred_channel": "phone",
            "phone_0": "13900001111",
        },
    )
    assert response.status_code == 200
    assert "check digit" in response.context["form"].errors["id_number"][0]
    assert "check digit" in response.content.decode()
    assert not Customer.objects.filter(name="王芳").exists()


def test_create_offers_only_visible_projects(agent_client, project, other_project):
    form = agent_client.get(reverse("customers:create")).context["form"]
    assert list(form.fields["registered_project"].queryset) == [project]


def test_edit_saves_and_keeps_phones_and_id_when_left_empty(agent_client, owner):
    response = agent_client.post(reverse("customers:edit", args=[owner.pk]), edit_data(owner, name="张伟伟"))
    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.name == "张伟伟"
    assert owner.version == 2
    assert owner.id_number is not None and owner.id_number_masked
    assert [p.number for p in owner.phones.all()] == [CLEAR_PHONE]


def test_edit_replaces_a_phone_typed_into_its_slot(agent_client, owner):
    agent_client.post(reverse("customers:edit", args=[owner.pk]), edit_data(owner, phone_0="13999998888"))
    assert [p.number for p in owner.phones.all()] == ["13999998888"]


def test_edit_with_a_stale_version_shows_the_conflict_and_does_not_overwrite(agent_client, agent, owner):
    stale = edit_data(owner, name="旧页面的名字")
    from customers.services import customer_update

    customer_update(customer=owner, by=agent, expected_version=owner.version, name="别人改的名字")
    response = agent_client.post(reverse("customers:edit", args=[owner.pk]), stale)
    assert response.status_code == 200
    assert "Someone else changed this record" in response.content.decode()
    owner.refresh_from_db()
    assert owner.name == "别人改的名字"


@pytest.mark.parametrize("version", ["", None], ids=["empty", "left-out"])
def test_edit_without_a_version_is_refused_with_a_clear_message(agent_client, owner, version):
    """The API answers 428 without a version; the page refuses too instead of last-writer-wins."""
    data = edit_data(owner, name="没带版本的名字")
    if version is None:
        del data["version"]
    else:
        data["version"] = version
    response = agent_client.post(reverse("customers:edit", args=[owner.pk]), data)
    assert response.status_code == 200
    assert "Reload the page and try again." in response.content.decode()
    owner.refresh_from_db()
    assert (owner.name, owner.version) == ("张伟", 1)


def test_create_needs_no_version(agent_client, project):
    response = agent_client.post(
        reverse("customers:create"),
        {
            "registered_project": project.pk,
            "name": "王芳",
            "id_type": "resident_id",
            "nationality": "中国",
            "preferred_channel": "phone",
            "phone_0": "13900001111",
        },
    )
    assert response.status_code == 302
    assert Customer.objects.filter(name="王芳").exists()


def test_edit_of_another_citys_customer_by_post_is_404(client, other_agent, owner):
    client.force_login(other_agent)
    response = client.post(reverse("customers:edit", args=[owner.pk]), edit_data(owner, name="x"))
    assert response.status_code == 404
    owner.refresh_from_db()
    assert owner.name == "张伟"


# --- household ---------------------------------------------------------------------------


def test_household_member_is_added_by_unit_code(agent_client, owned_unit):
    family = CustomerFactory(
        city_company=owned_unit.project.city_company, registered_project=owned_unit.project, name="张小明"
    )
    response = agent_client.post(
        reverse("customers:household-add", args=[family.pk]),
        {"unit_code": "四季花城 3-1-502", "role": "family"},
    )
    assert response.status_code == 302
    assert owned_unit.household.filter(customer=family, role="family").exists()


def test_household_add_with_an_unknown_unit_shows_the_error(agent_client, owner):
    response = agent_client.post(
        reverse("customers:household-add", args=[owner.pk]),
        {"unit_code": "四季花城 9-9-909", "role": "family"},
    )
    assert response.status_code == 400
    assert "No unit of your projects matches this." in response.content.decode()


def test_contract_is_recorded_from_the_360_page_and_makes_the_buyer_owner(agent_client, project):
    buyer = CustomerFactory(city_company=project.city_company, registered_project=project, name="周杰")
    unit = UnitFactory(building__project=project, building__number="7", entrance="2", number="1201", floor=12)
    response = agent_client.post(
        reverse("customers:contract-add", args=[buyer.pk]),
        {
            "unit_code": "四季花城 7-2-1201",
            "number": "HT-2025-7-1201",
            "price": "2860000",
            "subscribed_on": "2025-03-01",
            "signed_on": "2025-03-20",
            "contractual_handover_on": "2027-06-30",
            # The form has no free text any more (the promises go to the register): ignored.
            "commitments": "赠送车位使用权一年",
        },
    )
    assert response.status_code == 302
    contract = unit.contracts.get()
    assert (contract.primary_buyer, contract.commitments) == (buyer, "")
    assert unit.household.get(role="owner").customer == buyer


def test_contract_on_a_sold_unit_shows_the_error_and_saves_nothing(agent_client, owned_unit, project):
    buyer = CustomerFactory(city_company=project.city_company, registered_project=project)
    response = agent_client.post(
        reverse("customers:contract-add", args=[buyer.pk]),
        {"unit_code": "四季花城 3-1-502", "number": "HT-X-1", "price": "100", "signed_on": "2025-03-20"},
    )
    assert response.status_code == 400
    assert "This unit already has an active contract." in response.content.decode()
    assert owned_unit.contracts.count() == 1


# --- list pagination and filters ---------------------------------------------------------


def test_list_pages_by_cursor_keeping_filters(agent_client, project):
    for n in range(30):
        CustomerFactory(city_company=project.city_company, registered_project=project, name=f"客户{n:02d}")
    first = agent_client.get(reverse("customers:list"), {"project": project.pk})
    assert len(first.context["page"]) == 25
    html = first.content.decode()
    assert f"project={project.pk}&amp;after=" in html
    second = agent_client.get(
        reverse("customers:list"), {"project": project.pk, "after": first.context["next_cursor"]}
    )
    assert [c.name for c in second.context["page"]] == ["客户04", "客户03", "客户02", "客户01", "客户00"]
    back = agent_client.get(
        reverse("customers:list"), {"project": project.pk, "before": second.context["previous_cursor"]}
    )
    assert [c.pk for c in back.context["page"]] == [c.pk for c in first.context["page"]]


def test_list_answers_400_to_a_forged_cursor(agent_client):
    assert agent_client.get(reverse("customers:list"), {"after": "bm90LWFuLWlk"}).status_code == 400


def test_list_filters_by_stage(agent_client, owner, project):
    prospect = CustomerFactory(city_company=project.city_company, registered_project=project, name="意向张")
    page = agent_client.get(reverse("customers:list"), {"stage": "prospect"}).context["page"]
    assert [c.pk for c in page] == [prospect.pk]


# --- query counts ------------------------------------------------------------------------


def make_owners(project, count):
    """`count` owners of 四季花城, each with a phone, a unit, a contract and a family member."""
    for n in range(count):
        unit = UnitFactory(building__project=project)
        owner = CustomerFactory(
            city_company=project.city_company, registered_project=project, name=f"业主{n}"
        )
        CustomerPhoneFactory(customer=owner, number=f"1390000{n:04d}")
        ContractFactory(unit=unit, primary_buyer=owner)
        HouseholdMemberFactory(unit=unit, customer=owner)
        HouseholdMemberFactory(
            unit=unit, customer__city_company=project.city_company, customer__name=f"家人{n}", role="family"
        )


# Session + user (2), the user's scope: city companies, projects (2), then the page's own queries.
# List: the page of customers with each one's primary phone (1), the households prefetch (1), the
# notification bell (1), the bounded count (1) → 8, in either order. The filters' city companies and
# projects come from the cache (a cold cache adds 2, once); the stage is read from the customer's own columns.
LIST_QUERIES = 8
# Search: customers with their primary phone + households prefetch (2), the unit search (1) and the
# bell (1) → 8; words are searched in complaints too (complaints/search.py: subject matches, then
# description-only ones while the page is not full; a two-character word first reads the newest
# complaint's id, see SHORT_WORD_WINDOW) → 11.
SEARCH_QUERIES = 11


@pytest.mark.parametrize("sort", ["", "created"])
@pytest.mark.parametrize("rows", [2, 20])
def test_customer_list_query_count_does_not_grow_with_rows(
    client, agent, project, rows, sort, django_assert_max_num_queries
):
    make_owners(project, rows)
    client.force_login(agent)
    client.get(reverse("customers:list"))  # fills the reference-data cache
    with django_assert_max_num_queries(LIST_QUERIES):
        response = client.get(reverse("customers:list"), {"sort": sort} if sort else {})
    assert len(response.context["page"]) == min(2 * rows, 25)


@pytest.mark.parametrize("rows", [2, 20])
def test_search_query_count_does_not_grow_with_rows(
    client, agent, project, rows, django_assert_max_num_queries
):
    make_owners(project, rows)
    client.force_login(agent)
    with django_assert_max_num_queries(SEARCH_QUERIES):
        response = client.post(reverse("customers:search"), {"q": "业主"})
    assert len(response.context["customers"]) == rows


# 360: session, user, scope (2), customer, phones, households (+ each unit's household), contracts,
# referrals = 10; the access log (supervisor only) adds 1 → 11; the customer's recent complaints (1)
# and the notification bell (1) → 13; possible duplicates (supervisors and up, one query) → 14. The
# stage is read from the customer's own columns. The panels other apps register (customers.panels):
# surveys' history, its scores and open invitations (3); the club's member section, memberships and
# their consents (2; 1 when none) → 19; the privacy section's consents (1) → 20.
DETAIL_QUERIES = 20


@pytest.mark.parametrize("rows", [2, 20])
def test_customer_360_query_count_does_not_grow_with_homes(
    client, supervisor, project, rows, django_assert_max_num_queries
):
    owner = CustomerFactory(city_company=project.city_company, name="多套房业主")
    CustomerPhoneFactory(customer=owner)
    for n in range(rows):
        unit = UnitFactory(building__project=project)
        ContractFactory(unit=unit, primary_buyer=owner, commitments="赠送一年物业费")
        HouseholdMemberFactory(unit=unit, customer=owner)
        HouseholdMemberFactory(unit=unit, customer__city_company=project.city_company, role="family")
        CustomerFactory(city_company=project.city_company, referrer=owner, name=f"被推荐{n}")
    client.force_login(supervisor)
    with django_assert_max_num_queries(DETAIL_QUERIES):
        response = client.get(reverse("customers:detail", args=[owner.pk]))
    assert response.status_code == 200
    assert len(response.context["customer"].households.all()) == rows
