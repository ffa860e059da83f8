"""The bench estate: city companies, ~10 projects each with two phases, buildings of 30 floors, and the
units (written with the writer; Unit.project_id and Unit.code derived as Unit.save() derives them)."""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from properties.models import Building, CityCompany, Phase, Project, Unit

from .writer import RowWriter, next_id

# Every bench city company's and project's code starts with it: how a filled database is recognised.
BENCH_PREFIX = "bench"
CITIES = (
    "深圳", "广州", "上海", "北京", "杭州", "南京", "成都", "武汉", "天津", "重庆",
    "西安", "长沙", "苏州", "宁波", "厦门", "青岛", "沈阳", "大连", "佛山", "东莞",
)  # fmt: skip
PROJECT_NAMES = (
    "四季花城", "金色家园", "城市花园", "翡翠湾", "东海岸", "第五园", "万科城", "兰乔圣菲",
    "金域华府", "蓝山", "白鹭郡", "公园里", "星河湾", "云城", "海上传奇",
)  # fmt: skip
LAYOUTS = ("2室1厅1卫", "3室2厅1卫", "3室2厅2卫", "4室2厅2卫", "5室2厅3卫")


@dataclass
class Estate:
    cities: list[CityCompany]
    projects: list[Project]
    # (id, project_id, code) of every unit, in the order written; customers and complaints pick from it.
    units: list[tuple[int, int, str]]
    project_launch: dict[int, datetime.date]  # project id → launched_on


def write_estate(
    writer: RowWriter, rng: random.Random, now: datetime.datetime, *, cities: int, per_city: int, units: int
) -> Estate:
    today = timezone.localdate(now)
    city_companies = CityCompany.objects.bulk_create(
        CityCompany(code=f"{BENCH_PREFIX}-{i:02d}", name=f"{CITIES[i]}压测公司", city=CITIES[i])
        for i in range(cities)
    )
    projects = []
    for ci, city in enumerate(city_companies):
        for pi in range(per_city):
            launched = today - datetime.timedelta(days=rng.randrange(365, 9 * 365))
            projects.append(
                Project(
                    city_company=city,
                    code=f"{BENCH_PREFIX}-{ci:02d}-{pi:02d}",
                    name=f"{city.city}{PROJECT_NAMES[pi % len(PROJECT_NAMES)]}"
                    + (f"{pi // len(PROJECT_NAMES) + 1}期" if pi >= len(PROJECT_NAMES) else ""),
                    launched_on=launched,
                )
            )
    projects = Project.objects.bulk_create(projects)
    phases = Phase.objects.bulk_create(
        Phase(
            project=p,
            name=f"{k}期",
            planned_handover_on=p.launched_on + datetime.timedelta(days=700 + 200 * k),
        )
        for p in projects
        for k in (1, 2)
    )
    phase_of = {(ph.project_id, ph.name): ph for ph in phases}
    per_project = max(1, units // len(projects))
    floors, entrances, rooms = 30, 2, 2
    per_building = floors * entrances * rooms
    buildings = []
    for p in projects:
        for b in range(1, -(-per_project // per_building) + 1):
            buildings.append(
                Building(
                    project=p,
                    phase=phase_of[(p.pk, "1期" if b % 2 else "2期")],
                    number=str(b),
                    floors=floors,
                )
            )
    buildings = Building.objects.bulk_create(buildings)
    by_project: dict[int, list[Building]] = {}
    for b in buildings:
        by_project.setdefault(b.project_id, []).append(b)

    first_id = next_id(Unit)
    estate = Estate(
        cities=city_companies,
        projects=projects,
        units=[],
        project_launch={p.pk: p.launched_on for p in projects},
    )

    def rows():
        uid = first_id
        for p in projects:
            made = 0
            for b in by_project[p.pk]:
                for floor in range(1, floors + 1):
                    for entrance in range(1, entrances + 1):
                        for room in range(1, rooms + 1):
                            if made >= per_project:
                                break
                            number = f"{floor}{room:02d}"
                            code = Unit.make_code(b.number, str(entrance), number)
                            estate.units.append((uid, p.pk, code))
                            yield (
                                uid, now, now, p.pk, b.pk, str(entrance), number, code, floor,
                                LAYOUTS[room % len(LAYOUTS)], Decimal(rng.randrange(6000, 18000)) / 100,
                                "furnished" if p.pk % 2 else "shell",
                            )  # fmt: skip
                            uid += 1
                            made += 1

    writer.write(
        Unit,
        [
            "id",
            "created_at",
            "updated_at",
            "project_id",
            "building_id",
            "entrance",
            "number",
            "code",
            "floor",
            "layout",
            "floor_area",
            "finish_standard",
        ],  # fmt: skip
        rows(),
        per_project * len(projects),
    )
    return estate
