"""Lifecycle (6+2) test data. Append only: three helpers share this file."""

from __future__ import annotations

import datetime

import factory
from factory.django import DjangoModelFactory

from lifecycle.deadlines import business_day, next_check
from lifecycle.models import (
    Commitment,
    RedLineItem,
    RenovationItem,
    RiskCheckpoint,
    Touchpoint,
    TouchpointPlan,
)
from tests.factories import ContractFactory, ProjectFactory

# --- touchpoints ---------------------------------------------------------------------------------


def plan(code: str) -> TouchpointPlan:
    """A default plan (the data migration's)."""
    return TouchpointPlan.objects.get(code=code)


class TouchpointFactory(DjangoModelFactory):
    """An open touchpoint for a contract's unit and buyer, due on `due_on` with its clock set."""

    class Meta:
        model = Touchpoint

    plan = factory.LazyFunction(lambda: plan("welcome_call"))
    contract = factory.SubFactory(ContractFactory)
    customer = factory.SelfAttribute("contract.primary_buyer")
    unit = factory.SelfAttribute("contract.unit")
    project = factory.SelfAttribute("unit.project")
    city_company = factory.SelfAttribute("project.city_company")
    role = factory.SelfAttribute("plan.role")
    due_on = datetime.date(2025, 6, 10)
    due_at = factory.LazyAttribute(lambda o: business_day(o.due_on)[1])
    next_check_at = factory.LazyAttribute(lambda o: next_check(due_on=o.due_on, warned=False, level=0))


# Factories of the lifecycle tests (append only: each helper adds its own below).

# --- registers: commitments, red line, risk, renovation ---


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
