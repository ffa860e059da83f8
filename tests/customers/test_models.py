import datetime

import pytest
from django.core.exceptions import ValidationError

from customers.models import Customer, Stage, stage_on
from customers.validators import validate_mobile, validate_resident_id
from tests.factories import ContractFactory, CustomerFactory

TODAY = datetime.date(2026, 11, 25)


@pytest.mark.parametrize(
    ("signed", "handed", "expected"),
    [
        (None, None, Stage.PROSPECT),
        (datetime.date(2026, 12, 1), None, Stage.PROSPECT),
        (datetime.date(2025, 1, 1), None, Stage.BUYER),
        (datetime.date(2025, 1, 1), datetime.date(2026, 12, 1), Stage.BUYER),
        (datetime.date(2024, 1, 1), datetime.date(2025, 11, 25), Stage.SETTLING_IN),
        (datetime.date(2024, 1, 1), datetime.date(2025, 11, 24), Stage.STABLE),
        (datetime.date(2022, 1, 1), datetime.date(2024, 11, 25), Stage.STABLE),
        (datetime.date(2022, 1, 1), datetime.date(2024, 11, 24), Stage.ESTABLISHED),
    ],
)
def test_stage_is_derived_from_signing_and_handover_dates(signed, handed, expected):
    assert stage_on(signed_on=signed, handed_over_on=handed, today=TODAY) == expected


@pytest.mark.parametrize("number", ["13812345678", "19912345678", "16612345678"])
def test_mainland_mobile_numbers_pass(number):
    validate_mobile(number)


@pytest.mark.parametrize("number", ["12812345678", "1381234567", "138123456789", "02712345678", "abc"])
def test_malformed_mobile_numbers_are_refused(number):
    with pytest.raises(ValidationError):
        validate_mobile(number)


def test_resident_id_with_valid_checksum_passes():
    validate_resident_id("11010519491231002X")


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("110105194912310021", "check digit"),
        ("110105194902300021", "birth date"),
        ("11010519491231002", "18 characters"),
    ],
)
def test_bad_resident_ids_get_a_clear_message(number, message):
    with pytest.raises(ValidationError) as error:
        validate_resident_id(number)
    assert message in " ".join(error.value.messages)


@pytest.mark.django_db
def test_id_number_is_encrypted_at_rest_and_searchable_by_hash(city):
    customer = CustomerFactory(city_company=city, id_number="11010519491231002X")
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id_number, id_number_masked FROM customers_customer WHERE id = %s", [customer.pk]
        )
        stored, masked = cursor.fetchone()
    assert "11010519491231002X" not in stored
    assert masked == "1101**********002X"
    assert Customer.objects.get(pk=customer.pk).id_number == "11010519491231002X"


@pytest.mark.django_db
def test_customer_stage_follows_latest_contract(city, project):
    customer = CustomerFactory(city_company=city)
    assert customer.stage(TODAY) == Stage.PROSPECT
    ContractFactory(
        primary_buyer=customer,
        unit__building__project=project,
        signed_on=datetime.date(2025, 1, 1),
        subscribed_on=datetime.date(2024, 12, 1),
        contractual_handover_on=datetime.date(2026, 1, 1),
    )
    assert Customer.objects.get(pk=customer.pk).stage(TODAY) == Stage.BUYER
    assert list(Customer.objects.in_stage(Stage.BUYER, TODAY)) == [customer]


@pytest.mark.django_db
def test_count_by_stage_agrees_with_in_stage(city, project):
    buyer = CustomerFactory(city_company=city)
    ContractFactory(
        primary_buyer=buyer,
        unit__building__project=project,
        signed_on=datetime.date(2025, 1, 1),
        subscribed_on=datetime.date(2024, 12, 1),
        contractual_handover_on=datetime.date(2026, 1, 1),
    )
    old_owner = CustomerFactory(city_company=city)
    ContractFactory(
        primary_buyer=old_owner,
        unit__building__project=project,
        signed_on=datetime.date(2020, 1, 1),
        subscribed_on=datetime.date(2019, 12, 1),
        contractual_handover_on=datetime.date(2021, 1, 1),
        handed_over_on=datetime.date(2021, 1, 1),
    )
    CustomerFactory(city_company=city)
    counts = Customer.objects.count_by_stage(TODAY)
    assert counts == {stage: Customer.objects.in_stage(stage, TODAY).count() for stage in Stage}
    assert (counts[Stage.PROSPECT], counts[Stage.BUYER], counts[Stage.ESTABLISHED]) == (1, 1, 1)
