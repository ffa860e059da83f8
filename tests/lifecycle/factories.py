"""Lifecycle (6+2) test data. Append only: three helpers share this file."""

from __future__ import annotations

import datetime

import factory
from factory.django import DjangoModelFactory

# --- touchpoints ---------------------------------------------------------------------------------
from lifecycle.deadlines import business_day, next_check
from lifecycle.models import Touchpoint, TouchpointPlan
from tests.factories import ContractFactory


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
