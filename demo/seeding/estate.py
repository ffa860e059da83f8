"""The estate: four city companies, their projects, phases, buildings and units.

A project's phases were handed over one after the other, so each phase's buyers stand at a
different stage (准业主, 磨合期, 稳定期, 老业主); the units are filled from the ground up, every
building in proportion, so a small demo still spans every project.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from customers.models import Stage
from properties.models import Building, CityCompany, FinishStandard, Phase, Project, Unit

from .batches import bulk_write
from .names import ROADS
from .plan import SHOWCASE_PROJECT, SHOWCASE_UNIT, Plan, PlannedUnit

# code, name, city, resident-ID region code, price per m² (CNY), districts, projects (code, name)
CITIES = (
    ("sz", "深圳公司", "深圳", "440300", 52000, ("龙岗区", "宝安区", "南山区"),
     (("sjhc", "四季花城"), ("csgy", "城市花园"), ("wkc", "万科城"), ("dwy", "第五园"))),
    ("sh", "上海公司", "上海", "310100", 61000, ("闵行区", "浦东新区", "嘉定区"),
     (("jrfj", "假日风景"), ("ysmd", "优诗美地"), ("sh-jsjy", "金色家园"))),
    ("wh", "武汉公司", "武汉", "420100", 16000, ("江夏区", "洪山区", "东西湖区"),
     (("wh-sjhc", "四季花城"), ("wh-csgy", "城市花园"), ("wh-jyhf", "金域华府"))),
    ("gz", "广州公司", "广州", "440100", 38000, ("番禺区", "天河区", "黄埔区"),
     (("gz-jsjy", "金色家园"), ("gz-wkc", "万科城"), ("gz-ls", "蓝山"))),
)  # fmt: skip
# A project not on sale yet (its launch ahead, no units): the club's purchase intentions (意向登记) are
# for it. Written apart from the plan, so the plan's random stream stays what it was.
UPCOMING_PROJECT = (
    "sz",
    "sz-wkyc",
    "万科云城",
    "深圳市南山区留仙大道3333号",
    45,
)  # city, code, name, address, days
PHASE_NAMES = ("一期", "二期", "三期")
# A project's phases were handed over one after the other: the older phase is further along.
STAGE_CYCLE = (Stage.ESTABLISHED, Stage.STABLE, Stage.SETTLING_IN, Stage.BUYER)
LAYOUTS = (
    ("3室2厅2卫", 96, 128),
    ("2室2厅1卫", 72, 90),
    ("4室2厅2卫", 132, 168),
    ("1室1厅1卫", 42, 58),
)


# --- the plan: pure Python, deterministic ------------------------------------------------------------


def plan_estate(plan: Plan, rng: random.Random, *, today: datetime.date, units: int) -> None:
    """Every city company, project, phase and building, and the first `units` units to fill."""
    candidates: list[tuple[tuple, PlannedUnit]] = []
    for city_code, city_name, city, _region, price, districts, projects in CITIES:
        plan.cities.append(CityCompany(code=city_code, name=city_name, city=city))
        for project_index, (code, name) in enumerate(projects):
            launched = today - datetime.timedelta(days=rng.randint(1500, 4000))
            address = f"{city}市{rng.choice(districts)}{rng.choice(ROADS)}{rng.randint(1, 999)}号"
            plan.projects.append(Project(code=code, name=name, address=address, launched_on=launched))
            plan.projects[-1]._city_code = city_code
            phase_count = 2 if code == SHOWCASE_PROJECT else rng.randint(2, 3)
            building_number = 0
            for phase_index in range(phase_count):
                stage = STAGE_CYCLE[(project_index + phase_index) % len(STAGE_CYCLE)]
                planned_days = _planned_days(rng, stage)
                phase_name = PHASE_NAMES[phase_index]
                plan.phases.append(
                    Phase(name=phase_name, planned_handover_on=today + datetime.timedelta(planned_days))
                )
                plan.phases[-1]._project_code = code
                finish = FinishStandard.FURNISHED if rng.random() < 0.6 else FinishStandard.SHELL
                unit_price = price * rng.uniform(0.85, 1.2)
                for _ in range(2 if code == SHOWCASE_PROJECT else rng.randint(2, 3)):
                    building_number += 1
                    floors, entrances, per_floor = rng.choice(((6, 1, 2), (11, 2, 2), (18, 2, 2), (26, 2, 3)))
                    if code == SHOWCASE_PROJECT and building_number == int(SHOWCASE_UNIT[0]):
                        floors, entrances, per_floor = 18, 2, 2
                    number = str(building_number)
                    plan.buildings.append((code, phase_name, number, floors))
                    rooms = [
                        (floor, entrance, room)
                        for floor in range(1, floors + 1)
                        for entrance in range(1, entrances + 1)
                        for room in range(1, per_floor + 1)
                    ]
                    for position, (floor, entrance, room) in enumerate(rooms):
                        layout, low, high = LAYOUTS[(room - 1) % len(LAYOUTS)]
                        area = Decimal(rng.randint(low * 100, high * 100)) / 100
                        unit = PlannedUnit(
                            code, number, str(entrance), f"{floor}{room:02d}", floor, layout, area,
                            finish, stage, planned_days,
                        )  # fmt: skip
                        unit.price = (area * Decimal(unit_price) / 100).quantize(Decimal("1")) * 100
                        # Fill every building from the ground up, in proportion, projects interleaved.
                        showcase = (code, number, str(entrance), unit.number) == (
                            SHOWCASE_PROJECT,
                            *SHOWCASE_UNIT,
                        )
                        key = (
                            -1 if showcase else position / len(rooms),
                            building_number,
                            project_index,
                            city_code,
                        )
                        candidates.append((key, unit))
    candidates.sort(key=lambda pair: pair[0])
    plan.units = [unit for _key, unit in candidates[:units]]


def _planned_days(rng: random.Random, stage: Stage) -> int:
    """Days from today to a phase's contractual handover date for the stage its buyers are in."""
    low, high = {
        Stage.ESTABLISHED: (-2600, -800),
        Stage.STABLE: (-690, -400),
        Stage.SETTLING_IN: (-330, -40),
        Stage.BUYER: (60, 540),
    }[stage]
    return rng.randint(low, high)


# --- writing: only what is missing -------------------------------------------------------------------


def write_estate(cmd, plan: Plan) -> None:
    """The missing city companies, projects, phases, buildings and units; cmd.projects (by code) and
    cmd.units (in the plan's order) for the steps after."""
    existing = set(CityCompany.objects.values_list("code", flat=True))
    bulk_write(cmd, CityCompany, [c for c in plan.cities if c.code not in existing], "city companies")
    cities = {c.code: c for c in CityCompany.objects.all()}
    existing = set(Project.objects.values_list("code", flat=True))
    new_projects = [p for p in plan.projects if p.code not in existing]
    for project in new_projects:
        project.city_company = cities[project._city_code]
    city_code, code, name, address, days = UPCOMING_PROJECT
    if code not in existing and city_code in cities:
        launched = cmd.today + datetime.timedelta(days=days)
        new_projects.append(
            Project(
                city_company=cities[city_code], code=code, name=name, address=address, launched_on=launched
            )
        )
    bulk_write(cmd, Project, new_projects, "projects")
    cmd.projects = {p.code: p for p in Project.objects.filter(code__in=[p.code for p in plan.projects])}
    cmd.upcoming_project = Project.objects.filter(code=code).first()
    existing = set(Phase.objects.values_list("project__code", "name"))
    new_phases = [ph for ph in plan.phases if (ph._project_code, ph.name) not in existing]
    for phase in new_phases:
        phase.project = cmd.projects[phase._project_code]
    bulk_write(cmd, Phase, new_phases, "phases")
    phases = {(ph.project.code, ph.name): ph for ph in Phase.objects.select_related("project")}
    existing = set(Building.objects.values_list("project__code", "number"))
    bulk_write(
        cmd,
        Building,
        [
            Building(project=cmd.projects[code], phase=phases[(code, phase)], number=number, floors=floors)
            for code, phase, number, floors in plan.buildings
            if (code, number) not in existing
        ],
        "buildings",
    )
    buildings = {(b.project.code, b.number): b for b in Building.objects.select_related("project")}
    existing = set(Unit.objects.values_list("project__code", "code"))
    new_units = []
    for planned in plan.units:
        building = buildings[(planned.project_code, planned.building)]
        code = Unit.make_code(planned.building, planned.entrance, planned.number)
        if (planned.project_code, code) in existing:
            continue
        # What Unit.save() derives: the project from the building and the code from the address.
        new_units.append(
            Unit(
                building=building,
                project=building.project,
                entrance=planned.entrance,
                number=planned.number,
                code=code,
                floor=planned.floor,
                layout=planned.layout,
                floor_area=planned.floor_area,
                finish_standard=planned.finish,
            )  # fmt: skip
        )
    bulk_write(cmd, Unit, new_units, "units")
    units = {(u.project.code, u.code): u for u in Unit.objects.select_related("project")}
    cmd.units = [
        units[(p.project_code, Unit.make_code(p.building, p.entrance, p.number))] for p in plan.units
    ]
