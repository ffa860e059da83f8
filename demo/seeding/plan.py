"""The plan: what the demo will hold, drawn in pure Python before anything is written.

estate.plan_estate fills in the city companies, projects, phases, buildings and units;
customers.plan_customers the people, their homes and contracts. The writers then create only the
rows that are missing, so the plan is the same on every run and every machine.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from customers.models import Stage
from properties.models import CityCompany, Phase, Project

# The home the summary's search examples find: 张伟 of 四季花城 3-1-502, on this phone number.
SHOWCASE_PROJECT, SHOWCASE_UNIT, SHOWCASE_PHONE = "sjhc", ("3", "1", "502"), "13812345678"


@dataclass
class PlannedUnit:
    project_code: str
    building: str
    entrance: str
    number: str
    floor: int
    layout: str
    floor_area: Decimal
    finish: str
    stage: Stage
    planned_days: int  # days from today to the phase's contractual handover (negative: in the past)


@dataclass
class Person:
    name: str
    gender: str
    birth_date: datetime.date
    id_type: str
    id_number: str
    nationality: str
    phones: list[str]
    employer: str
    education: str
    channel: str
    preferred_channel: str
    city_code: str = ""
    project_code: str = ""
    referrer: int | None = None  # index into the people list


@dataclass
class Plan:
    cities: list[CityCompany] = field(default_factory=list)
    projects: list[Project] = field(default_factory=list)
    phases: list[Phase] = field(default_factory=list)
    buildings: list[tuple[str, str, str, int]] = field(default_factory=list)  # project, phase, number, floors
    units: list[PlannedUnit] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)
    members: list[tuple[int, int, str, datetime.date | None]] = field(default_factory=list)  # unit, person
    contracts: list[dict] = field(default_factory=list)
