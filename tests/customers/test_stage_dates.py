"""The lifecycle stage is read from the latest active contract's dates copied onto the customer
(customers.services.customers_refresh_contract_dates): every way a contract is written keeps them
right, and the stage read from them is the stage the contracts give."""

import datetime
import itertools
import random
from decimal import Decimal

import pytest
from django.db import connection

from customers.models import Contract, Customer, HouseholdMember, Stage, stage_on
from customers.services import contract_create, contract_update, customers_refresh_contract_dates
from tests.factories import ContractFactory, CustomerFactory, HouseholdMemberFactory, UnitFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 25)


def _dates(customer) -> tuple:
    return Customer.objects.values_list("latest_signed_on", "latest_handed_over_on").get(pk=customer.pk)


def _stage_from_contracts(customer, today=TODAY) -> Stage:
    """The rule, straight from the contracts: the latest active one (unsigned counts as oldest)."""
    active = [
        c for c in Contract.objects.filter(primary_buyer=customer) if c.status == Contract.Status.ACTIVE
    ]
    if not active:
        return Stage.PROSPECT
    latest = max(active, key=lambda c: (c.signed_on or datetime.date.min, c.pk))
    return stage_on(signed_on=latest.signed_on, handed_over_on=latest.handed_over_on, today=today)


def test_contract_services_keep_the_buyers_dates(agent, project):
    buyer = CustomerFactory(city_company=project.city_company, registered_project=project)
    contract = contract_create(
        unit=UnitFactory(building__project=project),
        primary_buyer=buyer,
        by=agent,
        number="HT-1",
        price=Decimal("1000000"),
        subscribed_on=datetime.date(2025, 1, 1),
        signed_on=datetime.date(2025, 2, 1),
    )
    assert _dates(buyer) == (datetime.date(2025, 2, 1), None)
    assert Customer.objects.get(pk=buyer.pk).stage(TODAY) == Stage.BUYER

    # The handover sign-off writes handed_over_on: the customer moves on to 磨合期.
    contract_update(contract=contract, by=agent, expected_version=1, handed_over_on=datetime.date(2026, 6, 1))
    assert _dates(buyer) == (datetime.date(2025, 2, 1), datetime.date(2026, 6, 1))
    assert Customer.objects.get(pk=buyer.pk).stage(TODAY) == Stage.SETTLING_IN
    assert list(Customer.objects.in_stage(Stage.SETTLING_IN, TODAY)) == [buyer]


def test_a_cancelled_contract_falls_back_to_the_next_active_one(agent, project):
    buyer = CustomerFactory(city_company=project.city_company)
    older = ContractFactory(
        primary_buyer=buyer,
        unit__building__project=project,
        subscribed_on=datetime.date(2019, 12, 1),
        signed_on=datetime.date(2020, 1, 1),
        contractual_handover_on=datetime.date(2021, 1, 1),
        handed_over_on=datetime.date(2021, 1, 1),
    )
    newer = ContractFactory(
        primary_buyer=buyer, unit__building__project=project, signed_on=datetime.date(2024, 3, 15)
    )
    assert _dates(buyer) == (datetime.date(2024, 3, 15), None)

    contract_update(contract=newer, by=agent, expected_version=1, status=Contract.Status.CANCELLED)
    assert _dates(buyer) == (datetime.date(2020, 1, 1), datetime.date(2021, 1, 1))

    older.delete()
    assert _dates(buyer) == (None, None)
    assert Customer.objects.get(pk=buyer.pk).stage(TODAY) == Stage.PROSPECT


def test_moving_a_contract_to_another_buyer_refreshes_both(project):
    first, second = (
        CustomerFactory(city_company=project.city_company),
        CustomerFactory(city_company=project.city_company),
    )
    contract = ContractFactory(primary_buyer=first, unit__building__project=project)
    contract = Contract.objects.get(pk=contract.pk)
    contract.primary_buyer = second
    contract.save()
    assert _dates(first) == (None, None)
    assert _dates(second) == (contract.signed_on, None)


def test_an_unsigned_contract_counts_as_the_oldest(project):
    buyer = CustomerFactory(city_company=project.city_company)
    ContractFactory(
        primary_buyer=buyer, unit__building__project=project, signed_on=datetime.date(2024, 3, 15)
    )
    ContractFactory(
        primary_buyer=buyer,
        unit__building__project=project,
        subscribed_on=None,
        signed_on=None,
        contractual_handover_on=None,
    )
    assert _dates(buyer) == (datetime.date(2024, 3, 15), None)
    assert Customer.objects.get(pk=buyer.pk).stage(TODAY) == _stage_from_contracts(buyer) == Stage.BUYER


def test_a_customer_loaded_before_a_contract_does_not_write_back_stale_dates(project):
    buyer = CustomerFactory(city_company=project.city_company)
    stale = Customer.objects.get(pk=buyer.pk)
    ContractFactory(primary_buyer=buyer, unit__building__project=project)
    stale.notes = "电话回访"
    stale.save()
    assert _dates(buyer) == (datetime.date(2024, 3, 15), None)
    assert Customer.objects.get(pk=buyer.pk).notes == "电话回访"


def test_bulk_writes_refresh_through_the_one_function(project):
    buyers = [CustomerFactory(city_company=project.city_company) for _ in range(3)]
    units = [UnitFactory(building__project=project) for _ in buyers]
    Contract.objects.bulk_create(
        Contract(
            unit=unit,
            primary_buyer=buyer,
            number=f"HT-B{n}",
            price=Decimal("1"),
            signed_on=datetime.date(2023, 5, n + 1),
        )
        for n, (unit, buyer) in enumerate(zip(units, buyers, strict=True))
    )
    assert _dates(buyers[0]) == (None, None)  # bulk_create skips save()

    assert customers_refresh_contract_dates(customer_ids=[b.pk for b in buyers]) == 3
    assert [_dates(b)[0] for b in buyers] == [datetime.date(2023, 5, n + 1) for n in range(3)]

    Contract.objects.filter(primary_buyer=buyers[0]).update(handed_over_on=datetime.date(2024, 1, 1))
    customers_refresh_contract_dates(customer_ids=None)  # every customer with a contract
    assert _dates(buyers[0]) == (datetime.date(2023, 5, 1), datetime.date(2024, 1, 1))


def test_refreshing_nobody_writes_nothing(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert customers_refresh_contract_dates(customer_ids=[]) == 0


def test_the_stage_read_from_the_customer_agrees_with_the_contracts(project):
    """Random contract histories: Customer.stage(), in_stage() and count_by_stage() give the stage the
    contracts themselves give, at several dates (stages move with time, the columns do not)."""
    rng = random.Random(7)
    customers = [CustomerFactory(city_company=project.city_company) for _ in range(25)]
    day = datetime.date(2019, 1, 1)
    for customer in customers:
        for _ in range(rng.randrange(0, 3)):
            signed = day + datetime.timedelta(days=rng.randrange(0, 2500))
            handed = signed + datetime.timedelta(days=rng.randrange(30, 900)) if rng.random() < 0.6 else None
            handed = handed if handed and handed <= datetime.date.today() else None
            ContractFactory(
                primary_buyer=customer,
                unit__building__project=project,
                status=rng.choice(
                    [Contract.Status.ACTIVE, Contract.Status.ACTIVE, Contract.Status.CANCELLED]
                ),
                subscribed_on=signed - datetime.timedelta(days=10),
                signed_on=signed,
                contractual_handover_on=signed + datetime.timedelta(days=700),
                handed_over_on=handed,
            )
    for today in (datetime.date(2022, 6, 1), TODAY, datetime.date(2029, 1, 1)):
        expected = {c.pk: _stage_from_contracts(c, today) for c in customers}
        assert {c.pk: c.stage(today) for c in Customer.objects.all()} == expected
        counts = Customer.objects.count_by_stage(today)
        for stage in Stage:
            in_stage = set(Customer.objects.in_stage(stage, today).values_list("pk", flat=True))
            assert in_stage == {pk for pk, s in expected.items() if s == stage}
            assert counts[stage] == len(in_stage)


def test_the_backfill_migration_copies_the_dates(project):
    """customers.0003's data migration does what customers_refresh_contract_dates(None) does."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("customers.migrations.0003_customer_contract_dates")
    buyer = CustomerFactory(city_company=project.city_company)
    ContractFactory(
        primary_buyer=buyer, unit__building__project=project, handed_over_on=datetime.date(2026, 1, 1)
    )
    Customer.objects.update(latest_signed_on=None, latest_handed_over_on=None)
    migration.copy_latest_contract_dates(apps, None)
    assert _dates(buyer) == (datetime.date(2024, 3, 15), datetime.date(2026, 1, 1))


# --- households carry their unit's project -------------------------------------------------------


def test_a_household_member_copies_its_units_project(project, other_project):
    member = HouseholdMemberFactory(unit=UnitFactory(building__project=project))
    assert HouseholdMember.objects.get(pk=member.pk).project_id == project.pk
    member.unit = UnitFactory(building__project=other_project)
    member.save(update_fields=["unit"])
    assert HouseholdMember.objects.get(pk=member.pk).project_id == other_project.pk


def test_the_household_project_migration_copies_the_units_project(project, other_project):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("customers.migrations.0004_household_project_and_name_prefix")
    member = HouseholdMemberFactory(unit=UnitFactory(building__project=project))
    with connection.cursor() as cursor:  # as if the column held anything else before the backfill
        cursor.execute(
            "UPDATE customers_householdmember SET project_id = %s WHERE id = %s",
            [other_project.pk, member.pk],
        )
    migration.copy_unit_projects(apps, _SchemaEditor())
    assert HouseholdMember.objects.get(pk=member.pk).project_id == project.pk


class _SchemaEditor:
    connection = connection

    @staticmethod
    def execute(sql):
        with connection.cursor() as cursor:
            cursor.execute(sql)


@pytest.mark.parametrize("whole_set", [False, True])
def test_both_forms_of_the_scope_check_see_the_same_customers(whole_set, agent, project, other_project):
    registered = CustomerFactory(city_company=project.city_company, registered_project=project)
    holder = CustomerFactory(city_company=other_project.city_company)  # another city's customer …
    HouseholdMemberFactory(unit=UnitFactory(building__project=project), customer=holder)  # … with a home here
    stranger = CustomerFactory(city_company=other_project.city_company, registered_project=other_project)
    HouseholdMemberFactory(unit=UnitFactory(building__project=other_project), customer=stranger)
    visible = set(Customer.objects.visible_to(agent, whole_set=whole_set))
    assert visible == {registered, holder}


def test_count_by_stage_is_one_query(agent, project, django_assert_num_queries):
    for _ in itertools.repeat(None, 3):
        ContractFactory(
            primary_buyer=CustomerFactory(city_company=project.city_company, registered_project=project),
            unit__building__project=project,
        )
    agent.scope  # noqa: B018 - computed once per request in real use
    with django_assert_num_queries(1):
        counts = Customer.objects.visible_to(agent, whole_set=True).count_by_stage(TODAY)
    assert counts[Stage.BUYER] == 3
