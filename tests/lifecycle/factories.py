"""Factories of the lifecycle tests (append only: each helper adds its own below)."""

# --- registers: commitments, red line, risk, renovation ---
import datetime

import factory
from factory.django import DjangoModelFactory

from lifecycle.models import Commitment, RedLineItem, RenovationItem, RiskCheckpoint
from tests.factories import ContractFactory, ProjectFactory


class CommitmentFactory(DjangoModelFactory):
    class Meta:
        model = Commitment

    contract = factory.SubFactory(ContractFactory)
    project = factory.LazyAttribute(lambda o: o.contract.unit.project)
    text = factory.Sequence(lambda n: f"赠送车位使用权{n}年")
    promised_by_name = "王销售"


class RedLineItemFactory(DjangoModelFactory):
    class Meta:
        model = RedLineItem

    project = factory.SubFactory(ProjectFactory)
    side = RedLineItem.Side.INSIDE
    kind = RedLineItem.Kind.TRANSFORMER_BOX
    location = factory.Sequence(lambda n: f"3栋北侧绿化带{n}")
    distance_m = 12
    material = True


class RiskCheckpointFactory(DjangoModelFactory):
    class Meta:
        model = RiskCheckpoint

    project = factory.SubFactory(ProjectFactory)
    kind = RiskCheckpoint.Kind.DRAWING_REVIEW
    planned_on = datetime.date(2026, 3, 1)


class RenovationItemFactory(DjangoModelFactory):
    class Meta:
        model = RenovationItem

    project = factory.SubFactory(ProjectFactory)
    category = RenovationItem.Category.PAINT
    title = factory.Sequence(lambda n: f"外立面翻新{n}")
