"""Fixtures of the construction news tests: 四季花城's two phases and their buyers. Imported by the
test modules (test_news*.py)."""

from dataclasses import dataclass

import pytest
from django.utils import timezone

from customers.models import Contract, Customer
from lifecycle.models import ConstructionNews
from properties.models import Phase
from tests.factories import (
    BuildingFactory,
    ContractFactory,
    CustomerFactory,
    CustomerPhoneFactory,
    PhaseFactory,
    UnitFactory,
)


@dataclass
class Estate:
    phase_one: Phase
    phase_two: Phase
    buyers_one: list[Customer]  # the phase's buyers, each once
    unreachable: Customer  # a buyer in phase one without a phone or an email
    cancelled: Customer  # cancelled their only contract in phase one: no longer a buyer
    buyer_two: Customer
    outsider: Customer  # a buyer of another project


def _buyer(project, building, *, phone=True, **fields) -> Customer:
    customer = CustomerFactory(city_company=project.city_company, registered_project=project, **fields)
    if phone:
        CustomerPhoneFactory(customer=customer)
    ContractFactory(unit=UnitFactory(building=building), primary_buyer=customer)
    return customer


@pytest.fixture
def estate(project, other_project, owned_unit, owner) -> Estate:
    """一期: owned_unit's building (张伟, who also bought a second home there), two more buyers (one
    by email), one unreachable, one who cancelled; 二期: one buyer; 金口花园: one buyer."""
    phase_one = PhaseFactory(project=project, name="一期")
    phase_two = PhaseFactory(project=project, name="二期")
    building = owned_unit.building
    building.phase = phase_one
    building.save(update_fields=["phase"])
    ContractFactory(unit=UnitFactory(building=building), primary_buyer=owner)  # a second home
    by_sms = _buyer(project, building, name="李娜")
    by_email = _buyer(project, building, name="王磊", email="wanglei@example.com", preferred_channel="email")
    unreachable = _buyer(project, building, phone=False, name="赵敏")
    cancelled = _buyer(project, building, name="钱多")
    Contract.objects.filter(primary_buyer=cancelled).update(status=Contract.Status.CANCELLED)
    buyer_two = _buyer(project, BuildingFactory(project=project, phase=phase_two), name="孙丽")
    outsider = _buyer(other_project, BuildingFactory(project=other_project), name="周杰")
    return Estate(
        phase_one=phase_one,
        phase_two=phase_two,
        buyers_one=[owner, by_sms, by_email, unreachable],
        unreachable=unreachable,
        cancelled=cancelled,
        buyer_two=buyer_two,
        outsider=outsider,
    )


@pytest.fixture
def news_draft(supervisor, project, estate) -> ConstructionNews:
    """A draft for 一期's buyers."""
    from lifecycle.services import news as services

    return services.news_create(
        by=supervisor,
        project=project,
        phase=estate.phase_one,
        title="3栋主体结构封顶",
        text="3栋主体结构已于本周封顶，外立面施工即将开始。",
        progress_on=timezone.localdate(),
    )
