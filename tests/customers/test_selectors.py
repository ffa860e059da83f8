import pytest

from customers.models import Customer
from customers.selectors import classify_query, customer_360, customer_search
from tests.factories import CustomerFactory, CustomerPhoneFactory, HouseholdMemberFactory, UnitFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("13812345678", "phone"),
        ("+86 138 1234 5678", "phone"),
        ("5678", "phone_tail"),
        ("11010519491231002X", "id_number"),
        ("四季花城 3-1-502", "unit"),
        ("3-1-502", "unit"),
        ("张伟", "name"),
    ],
)
def test_search_box_understands_what_was_typed(text, kind):
    assert classify_query(text).kind == kind


@pytest.mark.parametrize("text", ["13812345678", "5678", "张伟", "四季花城 3-1-502", "3-1-502"])
def test_agent_finds_the_owner_by_phone_tail_name_or_unit(agent, owner, text):
    _, results = customer_search(user=agent, text=text)
    assert owner in results


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("王", {"王伟", "王伟华", "王桂英"}),  # one or two characters: the start of the name
        ("王伟", {"王伟", "王伟华"}),
        ("桂英", set()),
        ("王桂英", {"王桂英"}),  # three or more: anywhere in the name (trigram index)
        ("伟华", set()),
        ("李王伟", {"李王伟华"}),
    ],
)
def test_short_names_match_their_start_longer_ones_anywhere(city_head, city, text, found):
    for name in ("王伟", "王伟华", "王桂英", "李王伟华"):
        CustomerFactory(city_company=city, name=name)
    _, results = customer_search(user=city_head, text=text)
    assert {c.name for c in results} == found


def test_search_by_id_number_uses_the_keyed_hash(supervisor, owner):
    _, results = customer_search(user=supervisor, text=owner.id_number.lower())
    assert results == [owner]


def test_search_never_returns_customers_of_another_city(other_agent, owner):
    for text in ["13812345678", "5678", "张伟", "四季花城 3-1-502"]:
        assert customer_search(user=other_agent, text=text)[1] == []


def test_project_agent_sees_owners_of_their_project_and_not_the_rest_of_the_city(agent, owner, city, project):
    stranger = CustomerFactory(city_company=city)  # registered at city level, no unit in the project
    visible = set(Customer.objects.visible_to(agent))
    assert owner in visible
    assert stranger not in visible


def test_city_head_sees_every_customer_of_their_city(city_head, owner, city):
    stranger = CustomerFactory(city_company=city)
    assert {owner, stranger} <= set(Customer.objects.visible_to(city_head))


def test_owner_of_a_unit_elsewhere_is_visible_through_the_household(other_agent, owner, other_project):
    unit = UnitFactory(building__project=other_project)
    HouseholdMemberFactory(unit=unit, customer=owner, role="co_owner")
    assert owner in Customer.objects.visible_to(other_agent)


def test_customer_360_outside_scope_does_not_exist(other_agent, owner):
    with pytest.raises(Customer.DoesNotExist):
        customer_360(user=other_agent, pk=owner.pk)


def test_customer_360_query_count_is_fixed(agent, owner, project, django_assert_max_num_queries):
    for _ in range(5):
        unit = UnitFactory(building__project=project)
        HouseholdMemberFactory(unit=unit, customer=owner, role="co_owner")
        CustomerPhoneFactory(customer=CustomerFactory(city_company=project.city_company, referrer=owner))
    agent.scope  # noqa: B018 - computed once per request in real use
    # customer + phones + households (+units) + each unit's household + own contracts + referrals = 6;
    # the stage comes from the customer's own columns (no query).
    with django_assert_max_num_queries(6):
        customer = customer_360(user=agent, pk=owner.pk)
        units = [member.unit for member in customer.households.all()]
        [list(unit.household.all()) for unit in units]
        list(customer.contracts_as_buyer.all())
        list(customer.referrals.all())
        customer.stage()
    assert len(units) == 6
