"""The red-line register and the batch guard: a handover batch does not open while a material item
is undisclosed to any buyer in it (tested through delivery's own batch_open)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from delivery.models import HandoverBatch
from delivery.services import planning as delivery_services
from lifecycle.models import Disclosure, RedLineItem
from lifecycle.services import red_line as services
from tests.factories import ContractFactory, CustomerFactory, UnitFactory, photo_upload
from tests.lifecycle.factories import RedLineItemFactory

SIGNED = datetime.date(2026, 1, 10)


def acknowledge(by, signed_contract, disclosure):
    return services.acknowledgement_record(
        by=by, contract=signed_contract, disclosure=disclosure, signed_by_name="张伟", signed_on=SIGNED
    )


@pytest.mark.django_db
def test_publishing_freezes_the_items_as_the_next_version(project, supervisor):
    item = RedLineItemFactory(project=project, location="2栋东侧")
    first = services.disclosure_publish(by=supervisor, project=project)
    services.red_line_item_update(by=supervisor, item=item, version=item.version, location="2栋东南侧")
    second = services.disclosure_publish(by=supervisor, project=project)
    assert (first.number, second.number) == (1, 2)
    assert first.snapshot[0]["location"] == "2栋东侧"  # what the buyer was shown then
    assert second.snapshot[0]["location"] == "2栋东南侧"
    assert list(first.items.all()) == [item]


@pytest.mark.django_db
def test_an_empty_list_is_not_published_and_agents_may_not_publish(project, supervisor, agent):
    with pytest.raises(ValidationError) as error:
        services.disclosure_publish(by=supervisor, project=project)
    assert "items" in error.value.message_dict
    RedLineItemFactory(project=project)
    with pytest.raises(PermissionDenied):
        services.disclosure_publish(by=agent, project=project)


@pytest.mark.django_db
def test_an_item_needs_a_location_and_a_known_type(project, supervisor):
    with pytest.raises(ValidationError) as error:
        services.red_line_item_create(
            by=supervisor, project=project, side="inside", kind="volcano", location=" "
        )
    assert set(error.value.message_dict) == {"kind", "location"}


@pytest.mark.django_db
def test_the_batch_does_not_open_while_a_material_item_is_undisclosed(
    project, supervisor, engineer, batch, contract
):
    RedLineItemFactory(project=project, kind=RedLineItem.Kind.SUBSTATION)
    v1 = services.disclosure_publish(by=supervisor, project=project)
    with pytest.raises(ValidationError) as error:
        delivery_services.batch_open(by=supervisor, batch=batch)
    message = " ".join(error.value.message_dict["status"])
    assert "张伟" in message and contract.unit.code in message
    assert HandoverBatch.objects.get(pk=batch.pk).status == HandoverBatch.Status.PLANNING

    acknowledge(engineer, contract, v1)  # engineers record the signature at handover
    opened = delivery_services.batch_open(by=supervisor, batch=batch)
    assert opened.status == HandoverBatch.Status.OPEN


@pytest.mark.django_db
def test_a_material_item_added_after_the_signed_version_blocks_again(project, supervisor, batch, contract):
    RedLineItemFactory(project=project)
    v1 = services.disclosure_publish(by=supervisor, project=project)
    acknowledge(supervisor, contract, v1)
    RedLineItemFactory(project=project, side="outside", kind=RedLineItem.Kind.FUEL_STATION)
    with pytest.raises(ValidationError):
        delivery_services.batch_open(by=supervisor, batch=batch)
    v2 = services.disclosure_publish(by=supervisor, project=project)
    acknowledge(supervisor, contract, v2)
    assert delivery_services.batch_open(by=supervisor, batch=batch).status == HandoverBatch.Status.OPEN


@pytest.mark.django_db
def test_only_undisclosed_buyers_are_listed_and_minor_items_never_block(
    project, supervisor, batch, contract, owned_unit
):
    other_unit = UnitFactory(building=owned_unit.building, number="602", floor=6)
    other = ContractFactory(unit=other_unit, primary_buyer=CustomerFactory(name="李娜"))
    delivery_services.batch_units_add(by=supervisor, batch=batch, units=[other_unit])
    RedLineItemFactory(project=project, material=False)
    RedLineItemFactory(project=project, material=True)
    v1 = services.disclosure_publish(by=supervisor, project=project)
    acknowledge(supervisor, contract, v1)
    with pytest.raises(ValidationError) as error:
        delivery_services.batch_open(by=supervisor, batch=batch)
    message = " ".join(error.value.message_dict["status"])
    assert "李娜" in message and "张伟" not in message
    acknowledge(supervisor, other, v1)
    assert delivery_services.batch_open(by=supervisor, batch=batch).status == HandoverBatch.Status.OPEN


@pytest.mark.django_db
def test_no_material_items_no_guard(project, supervisor, batch):
    RedLineItemFactory(project=project, material=False)
    assert delivery_services.batch_open(by=supervisor, batch=batch).status == HandoverBatch.Status.OPEN


@pytest.mark.django_db
def test_the_batch_page_shows_the_blocker_to_the_engineer(client, project, supervisor, engineer, batch):
    RedLineItemFactory(project=project)
    client.force_login(engineer)
    response = client.get(reverse("delivery:batch-detail", args=[batch.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="batch-blocker"' in html and "张伟" in html
    assert reverse("lifecycle:project_risk", args=[project.pk]) in html


@pytest.mark.django_db
def test_an_acknowledgement_is_of_the_contracts_own_project_and_once(
    project, other_project, supervisor, contract, group_admin
):
    RedLineItemFactory(project=other_project)
    foreign = services.disclosure_publish(by=group_admin, project=other_project)
    with pytest.raises(ValidationError) as error:
        acknowledge(group_admin, contract, foreign)
    assert "disclosure" in error.value.message_dict
    RedLineItemFactory(project=project)
    own = services.disclosure_publish(by=supervisor, project=project)
    acknowledge(supervisor, contract, own)
    with pytest.raises(ValidationError) as error:
        acknowledge(supervisor, contract, own)
    assert "disclosure" in error.value.message_dict
    assert Disclosure.objects.get(pk=own.pk).acknowledgements.count() == 1


@pytest.mark.django_db
def test_photos_are_served_only_within_scope(client, project, supervisor, agent, other_agent):
    item = RedLineItemFactory(project=project)
    photo = services.red_line_photo_add(by=supervisor, item=item, upload=photo_upload())
    client.force_login(agent)
    assert client.get(photo.image.url).status_code == 200
    client.force_login(other_agent)
    assert client.get(photo.image.url).status_code == 404
