"""manage.py seed_demo: a realistic, deterministic demo data set and one login per role.

Four city companies, their projects (四季花城, 城市花园, 假日风景, 优诗美地 ...), phases, buildings,
~3,000 units and ~4,000 customers with households, contracts at every lifecycle stage
(准业主, 磨合期, 稳定期, 老业主 and prospects), referrals and acquisition channels.

Idempotent: every row has a natural key (codes, unit addresses, ID-number hashes, contract numbers)
and only the missing ones are created, so a second run creates nothing. A fixed random seed makes the
data the same on every machine; dates are relative to the day of the first run.
"""

from __future__ import annotations

import datetime
import random
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from tqdm import tqdm

from accounts.models import Contractor, Role, User
from accounts.services import staff_set_role
from complaints.models import Complaint, Status
from core.masking import mask_id_number
from customers.models import (
    AcquisitionChannel,
    ContactChannel,
    Contract,
    Customer,
    CustomerPhone,
    Education,
    Gender,
    HouseholdMember,
    HouseholdRole,
    IdType,
    Stage,
    pii_hash,
)
from customers.services import customers_refresh_contract_dates
from customers.validators import resident_id_check_code
from delivery.models import Appointment, Defect, Handover, HandoverBatch
from properties.models import Building, CityCompany, FinishStandard, Phase, Project, Unit

from . import _seed_delivery_inspection, _seed_delivery_planning, _seed_delivery_rectification
from ._seed_complaints import CONTRACTORS, seed_complaints, seed_sla_demo

DEMO_PASSWORD = "demo1234"
BATCH_SIZE = 500
SHOWCASE_PROJECT, SHOWCASE_UNIT, SHOWCASE_PHONE = "sjhc", ("3", "1", "502"), "13812345678"
DUPLICATE_NOTE = "热线重复登记（未核对证件号码）"

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
ROADS = ("梅林路", "布吉大道", "春风路", "滨江大道", "锦绣路", "光明大道", "翠竹路", "东湖路", "海景路")
PHASE_NAMES = ("一期", "二期", "三期")
# A project's phases were handed over one after the other: the older phase is further along.
STAGE_CYCLE = (Stage.ESTABLISHED, Stage.STABLE, Stage.SETTLING_IN, Stage.BUYER)
LAYOUTS = (
    ("3室2厅2卫", 96, 128),
    ("2室2厅1卫", 72, 90),
    ("4室2厅2卫", 132, 168),
    ("1室1厅1卫", 42, 58),
)
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔汤"
)
MALE_GIVEN = "伟强磊军洋勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆旭宁龙林阳建国志文博晨峰亮成东海振"
FEMALE_GIVEN = "芳娜敏静丽艳娟霞秀燕玲丹萍红玉兰琳婷雪慧颖倩洁佳欣怡梅莉晶月璐楠萌悦思雨琪瑶"
OTHER_REGIONS = ("110101", "320102", "330106", "430102", "510104", "360102", "410105", "370102", "350203")
MOBILE_PREFIXES = ("138", "139", "137", "135", "136", "150", "151", "158", "159", "186", "187", "188", "189",
                   "133", "177", "180", "181", "199", "152", "183")  # fmt: skip
EMPLOYERS = ("腾讯", "华为", "招商银行", "中国平安", "中国移动", "比亚迪", "顺丰速运", "中兴通讯", "市第一人民医院",
             "实验中学", "个体经营", "国家电网", "中国建设银行", "上汽集团", "东风汽车", "广汽集团", "")  # fmt: skip
CHANNEL_WEIGHTS = (
    (AcquisitionChannel.WALK_IN, 28),
    (AcquisitionChannel.REFERRAL, 18),
    (AcquisitionChannel.CLUB, 20),
    (AcquisitionChannel.ONLINE, 14),
    (AcquisitionChannel.ADVERTISING, 8),
    (AcquisitionChannel.AGENCY, 7),
    (AcquisitionChannel.EVENT, 5),
)


@dataclass
class DemoLogin:
    username: str
    role: Role
    display_name: str
    city_companies: tuple[str, ...] = ()
    projects: tuple[str, ...] = ()
    superuser: bool = False
    department: str = ""
    contractor: str = ""


DEMO_LOGINS = (
    DemoLogin("admin", Role.GROUP_ADMIN, "集团管理员", superuser=True),
    DemoLogin("cityhead", Role.CITY_HEAD, "深圳公司总经理", city_companies=("sz",)),
    # 万科城 (wkc) has a phase still to be handed over (二期, 准业主): the handover team's batches are there.
    DemoLogin("supervisor", Role.CS_SUPERVISOR, "客服主管 陈静", projects=("sjhc", "csgy", "wkc")),
    DemoLogin("agent", Role.CS_AGENT, "客服专员 刘洋", projects=("sjhc", "csgy", "wkc")),
    DemoLogin("engineer", Role.DELIVERY_ENGINEER, "交付工程师 周强", projects=("sjhc", "csgy", "wkc")),
    DemoLogin("dept", Role.DEPARTMENT_STAFF, "工程部 吴磊", projects=("sjhc",), department="engineering"),
    DemoLogin(
        "contractor",
        Role.CONTRACTOR,
        "施工单位 黄师傅",
        projects=("sjhc", "wkc"),
        contractor="中建三局第一分公司",
    ),
    DemoLogin("manager", Role.READONLY_MANAGER, "集团客服总监", city_companies=("sz", "sh", "wh", "gz")),
)


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


class Command(BaseCommand):
    help = "Create realistic demo data and one login per role (password demo1234). Safe to run twice."

    def add_arguments(self, parser):
        parser.add_argument("--units", type=int, default=3000, help="units to create (default 3000)")
        parser.add_argument("--customers", type=int, default=4000, help="customers to create (default 4000)")
        parser.add_argument("--seed", type=int, default=20240315, help="random seed (default 20240315)")
        parser.add_argument(
            "--complaints", type=int, default=1500, help="complaints over the last 12 months (default 1500)"
        )

    def handle(
        self, *args, units: int, customers: int, seed: int, complaints: int, verbosity: int, **options
    ):
        self.verbosity = verbosity
        self.today = timezone.localdate()
        self.created: Counter = Counter()
        plan = self.build_plan(units=max(units, 1), customers=max(customers, 1), seed=seed)
        with transaction.atomic():
            self.write_property(plan)
            self.write_customers(plan)
            self.write_households_and_contracts(plan)
            self.duplicate_pair = self.write_duplicate_record()
            self.write_contractors()
            self.write_logins()
            self.write_city_staff()
            seed_complaints(self, plan, count=max(complaints, 0), seed=seed)
            # 交付: batches and today's queue, then the walks and defects, then their rectification.
            _seed_delivery_planning.seed(self)
            _seed_delivery_inspection.seed(self)
            _seed_delivery_rectification.seed(self)
        self.demo_complaint = seed_sla_demo(self)
        self.print_summary()

    # --- the plan: pure Python, deterministic --------------------------------------------------------

    def build_plan(self, *, units: int, customers: int, seed: int) -> Plan:
        rng = random.Random(seed)
        plan = Plan()
        candidates: list[tuple[tuple, PlannedUnit]] = []
        for city_code, city_name, city, _region, price, districts, projects in CITIES:
            plan.cities.append(CityCompany(code=city_code, name=city_name, city=city))
            for project_index, (code, name) in enumerate(projects):
                launched = self.today - datetime.timedelta(days=rng.randint(1500, 4000))
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
                        Phase(
                            name=phase_name, planned_handover_on=self.today + datetime.timedelta(planned_days)
                        )
                    )
                    plan.phases[-1]._project_code = code
                    finish = FinishStandard.FURNISHED if rng.random() < 0.6 else FinishStandard.SHELL
                    unit_price = price * rng.uniform(0.85, 1.2)
                    for _ in range(2 if code == SHOWCASE_PROJECT else rng.randint(2, 3)):
                        building_number += 1
                        floors, entrances, per_floor = rng.choice(
                            ((6, 1, 2), (11, 2, 2), (18, 2, 2), (26, 2, 3))
                        )
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
        self._plan_people(plan, rng, customers)
        return plan

    def _plan_people(self, plan: Plan, rng: random.Random, count: int) -> None:
        region_of = {code: region for code, _n, _c, region, *_rest in CITIES}
        city_of_project = {p.code: p._city_code for p in plan.projects}
        used_ids, used_phones = set(), {SHOWCASE_PHONE}
        for index in range(count):
            plan.people.append(self._person(rng, index, region_of, used_ids, used_phones))
        plan.people[0].name, plan.people[0].gender = "张伟", Gender.MALE
        plan.people[0].phones = [SHOWCASE_PHONE]

        prospects = max(1, count // 8)
        pool = iter(range(1, count - prospects))  # person 0 is the showcase owner
        owners_by_city: dict[str, list[int]] = defaultdict(list)
        order = list(range(1, len(plan.units)))
        rng.shuffle(order)
        order.insert(0, 0)  # the showcase unit (sorted first) goes to person 0
        for unit_index in order:
            unit = plan.units[unit_index]
            city_code = city_of_project[unit.project_code]
            unsold = 0.25 if unit.stage == Stage.BUYER else 0.08
            if unit_index and rng.random() < unsold:
                continue
            repeat = owners_by_city[city_code] and rng.random() < 0.05
            owner = rng.choice(owners_by_city[city_code]) if repeat else next(pool, None) if unit_index else 0
            if owner is None:
                owner = rng.choice(owners_by_city[city_code]) if owners_by_city[city_code] else None
            if owner is None:
                continue
            dates = _contract_dates(rng, unit, self.today)
            self._attach(plan.people[owner], unit, city_code)
            plan.members.append((unit_index, owner, HouseholdRole.OWNER, dates["handed_over_on"]))
            plan.contracts.append({"unit": unit_index, "buyer": owner, **dates})
            owners_by_city[city_code].append(owner)
            extras = [(HouseholdRole.CO_OWNER, 0.25), (HouseholdRole.FAMILY, 0.1)]
            if dates["handed_over_on"]:
                extras.append((HouseholdRole.TENANT, 0.07))
            for role, chance in extras:
                if rng.random() < chance:
                    person = next(pool, None)
                    if person is None:
                        break
                    since = dates["handed_over_on"]
                    if role == HouseholdRole.TENANT:
                        since = min(self.today, since + datetime.timedelta(days=rng.randint(30, 400)))
                    self._attach(plan.people[person], unit, city_code)
                    plan.members.append((unit_index, person, role, since))
        projects = [p.code for p in plan.projects]
        for index, person in enumerate(plan.people):
            if not person.project_code:  # a prospect: registered at a sales office, no home yet
                person.project_code = rng.choice(projects)
                person.city_code = city_of_project[person.project_code]
            if person.channel == AcquisitionChannel.REFERRAL:
                referrers = [o for o in owners_by_city[person.city_code] if o < index]
                if referrers:
                    person.referrer = rng.choice(referrers)
                else:
                    person.channel = AcquisitionChannel.WALK_IN

    @staticmethod
    def _attach(person: Person, unit: PlannedUnit, city_code: str) -> None:
        if not person.project_code:
            person.project_code, person.city_code = unit.project_code, city_code

    def _person(self, rng, index, region_of, used_ids, used_phones) -> Person:
        gender = Gender.MALE if rng.random() < 0.52 else Gender.FEMALE
        given_chars = MALE_GIVEN if gender == Gender.MALE else FEMALE_GIVEN
        given = "".join(rng.choice(given_chars) for _ in range(1 if rng.random() < 0.35 else 2))
        age_days = rng.randint(24 * 365, 72 * 365)
        birth = self.today - datetime.timedelta(days=age_days)
        channel = rng.choices([c for c, _w in CHANNEL_WEIGHTS], weights=[w for _c, w in CHANNEL_WEIGHTS])[0]
        if rng.random() < 0.02:
            id_type, nationality = (
                IdType.PASSPORT,
                rng.choice(("新加坡", "美国", "加拿大", "澳大利亚", "马来西亚")),
            )
            while True:
                id_number = f"{rng.choice('EGKP')}{rng.randint(10_000_000, 99_999_999)}"
                if id_number not in used_ids:
                    break
        else:
            id_type, nationality = IdType.RESIDENT_ID, "中国"
            region = rng.choice([*region_of.values(), *OTHER_REGIONS])
            while True:
                # The 17th digit is odd for men and even for women (GB 11643).
                sequence = rng.randint(0, 99) * 10 + rng.choice(
                    (1, 3, 5, 7, 9) if gender == "M" else (0, 2, 4, 6, 8)
                )
                first17 = f"{region}{birth:%Y%m%d}{sequence:03d}"
                id_number = first17 + resident_id_check_code(first17)
                if id_number not in used_ids:
                    break
        used_ids.add(id_number)
        phones = []
        for _ in range(2 if rng.random() < 0.2 else 1):
            while True:
                number = rng.choice(MOBILE_PREFIXES) + f"{rng.randint(0, 99_999_999):08d}"
                if number not in used_phones:
                    break
            used_phones.add(number)
            phones.append(number)
        return Person(
            name=rng.choice(SURNAMES) + given,
            gender=gender,
            birth_date=birth,
            id_type=id_type,
            id_number=id_number,
            nationality=nationality,
            phones=phones,
            employer=rng.choice(EMPLOYERS),
            education=rng.choice([e for e in Education.values if e]),
            channel=channel,
            preferred_channel=rng.choice(
                (ContactChannel.PHONE, ContactChannel.PHONE, ContactChannel.WECHAT, ContactChannel.SMS)
            ),
        )

    # --- writing: only what is missing ---------------------------------------------------------------

    def _bulk(self, model, objects: list, label: str) -> None:
        with tqdm(
            total=len(objects), desc=label, unit="row", disable=self.verbosity < 1, file=sys.stderr
        ) as bar:
            for start in range(0, len(objects), BATCH_SIZE):
                batch = objects[start : start + BATCH_SIZE]
                model.objects.bulk_create(batch)
                bar.update(len(batch))
        self.created[label] += len(objects)

    def write_property(self, plan: Plan) -> None:
        existing = set(CityCompany.objects.values_list("code", flat=True))
        self._bulk(CityCompany, [c for c in plan.cities if c.code not in existing], "city companies")
        cities = {c.code: c for c in CityCompany.objects.all()}
        existing = set(Project.objects.values_list("code", flat=True))
        new_projects = [p for p in plan.projects if p.code not in existing]
        for project in new_projects:
            project.city_company = cities[project._city_code]
        self._bulk(Project, new_projects, "projects")
        self.projects = {p.code: p for p in Project.objects.filter(code__in=[p.code for p in plan.projects])}
        existing = set(Phase.objects.values_list("project__code", "name"))
        new_phases = [ph for ph in plan.phases if (ph._project_code, ph.name) not in existing]
        for phase in new_phases:
            phase.project = self.projects[phase._project_code]
        self._bulk(Phase, new_phases, "phases")
        phases = {(ph.project.code, ph.name): ph for ph in Phase.objects.select_related("project")}
        existing = set(Building.objects.values_list("project__code", "number"))
        self._bulk(
            Building,
            [
                Building(
                    project=self.projects[code], phase=phases[(code, phase)], number=number, floors=floors
                )
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
        self._bulk(Unit, new_units, "units")
        units = {(u.project.code, u.code): u for u in Unit.objects.select_related("project")}
        self.units = [
            units[(p.project_code, Unit.make_code(p.building, p.entrance, p.number))] for p in plan.units
        ]

    def write_customers(self, plan: Plan) -> None:
        hashes = [pii_hash(person.id_number) for person in plan.people]
        existing = {
            (c.id_type, c.id_number_hash): c
            for c in _in_batches(Customer.objects.only("id", "id_type", "id_number_hash", "referrer_id"),
                                 "id_number_hash", hashes)
        }  # fmt: skip
        cities = {c.code: c for c in CityCompany.objects.all()}
        new = []
        for person, id_hash in zip(plan.people, hashes, strict=True):
            if (person.id_type, id_hash) in existing:
                continue
            customer = Customer(
                city_company=cities[person.city_code],
                registered_project=self.projects[person.project_code],
                name=person.name,
                gender=person.gender,
                birth_date=person.birth_date,
                id_type=person.id_type,
                id_number=person.id_number,
                # What Customer.save() derives: the search hash and the mask.
                id_number_hash=id_hash,
                id_number_masked=mask_id_number(person.id_number),
                nationality=person.nationality,
                employer=person.employer,
                education=person.education,
                preferred_channel=person.preferred_channel,
                acquisition_channel=person.channel,
            )
            new.append(customer)
            existing[(person.id_type, id_hash)] = customer
        self._bulk(Customer, new, "customers")
        self.customers = [existing[(p.id_type, h)] for p, h in zip(plan.people, hashes, strict=True)]

        referred = []
        for person, customer in zip(plan.people, self.customers, strict=True):
            if person.referrer is not None and customer.referrer_id is None:
                customer.referrer_id = self.customers[person.referrer].pk
                referred.append(customer)
        Customer.objects.bulk_update(referred, ["referrer"], batch_size=BATCH_SIZE)
        self.created["referrals"] += len(referred)

        have = set(
            _in_batches(
                CustomerPhone.objects.values_list("customer_id", "number"),
                "customer_id",
                [c.pk for c in self.customers],
            )
        )
        has_primary = {customer_id for customer_id, _number in have}
        phones = []
        for person, customer in zip(plan.people, self.customers, strict=True):
            for position, number in enumerate(person.phones):
                if (customer.pk, number) in have:
                    continue
                primary = position == 0 and customer.pk not in has_primary
                # What CustomerPhone.save() derives: the last four digits agents search by.
                phones.append(
                    CustomerPhone(customer=customer, number=number, last4=number[-4:], is_primary=primary)
                )
        self._bulk(CustomerPhone, phones, "phones")

    def write_households_and_contracts(self, plan: Plan) -> None:
        unit_ids = [u.pk for u in self.units]
        have = set(
            _in_batches(HouseholdMember.objects.values_list("unit_id", "customer_id"), "unit_id", unit_ids)
        )
        owned = set(
            _in_batches(HouseholdMember.objects.filter(role=HouseholdRole.OWNER).values_list("unit_id", flat=True),
                        "unit_id", unit_ids)
        )  # fmt: skip
        members = []
        for unit_index, person, role, since in plan.members:
            unit, customer = self.units[unit_index], self.customers[person]
            if (unit.pk, customer.pk) in have or (role == HouseholdRole.OWNER and unit.pk in owned):
                continue
            have.add((unit.pk, customer.pk))
            # bulk_create skips HouseholdMember.save(): the unit's project is copied here.
            members.append(
                HouseholdMember(
                    unit=unit, customer=customer, role=role, since=since, project_id=unit.project_id
                )
            )
        self._bulk(HouseholdMember, members, "household members")

        sold = set(
            _in_batches(Contract.objects.filter(status=Contract.Status.ACTIVE).values_list("unit_id", flat=True),
                        "unit_id", unit_ids)
        )  # fmt: skip
        numbers = set(Contract.objects.values_list("number", flat=True))
        contracts = []
        for planned in plan.contracts:
            unit = self.units[planned["unit"]]
            number = f"HT-{unit.project.code.upper()}-{unit.code}"
            if number in numbers or unit.pk in sold:
                continue
            contracts.append(
                Contract(
                    unit=unit,
                    primary_buyer=self.customers[planned["buyer"]],
                    number=number,
                    price=plan.units[planned["unit"]].price,
                    subscribed_on=planned["subscribed_on"],
                    signed_on=planned["signed_on"],
                    contractual_handover_on=planned["contractual_handover_on"],
                    handed_over_on=planned["handed_over_on"],
                    commitments=planned["commitments"],
                )
            )
        self._bulk(Contract, contracts, "contracts")
        # bulk_create skips Contract.save(): the buyers' stage dates are refreshed here.
        customers_refresh_contract_dates(customer_ids={c.primary_buyer.pk for c in contracts})

    def write_contractors(self) -> None:
        existing = set(Contractor.objects.values_list("name", flat=True))
        self._bulk(
            Contractor,
            [
                Contractor(name=n, trade=t, contact_phone=p)
                for n, t, p, _c in CONTRACTORS
                if n not in existing
            ],
            "contractors",
        )
        self.contractors = {c.name: c for c in Contractor.objects.all()}
        # Each company is engaged on the projects of its city companies: work goes only there.
        for name, _trade, _phone, city_codes in CONTRACTORS:
            projects = Project.objects.filter(code__in=self.projects, city_company__code__in=city_codes)
            self.contractors[name].projects.add(*projects)

    def write_city_staff(self) -> None:
        """One customer-service account per city company (no demo login): it handled the complaints of
        the projects the demo logins do not work on, so no record names staff of another city."""
        self.city_staff = {}
        for code, city_name, *_rest in CITIES:
            city = CityCompany.objects.get(code=code)
            user, created = User.objects.get_or_create(
                username=f"{code}-kefu", defaults={"display_name": f"{city_name}客服中心"}
            )
            if created:
                user.set_unusable_password()
                user.save(update_fields=["password"])
                staff_set_role(user=user, role=Role.CS_SUPERVISOR)
                user.city_companies.set([city])
                self.created["city customer-service accounts"] += 1
            self.city_staff[city.pk] = user

    def write_logins(self) -> None:
        cities = {c.code: c for c in CityCompany.objects.all()}
        for login in DEMO_LOGINS:
            user, created = User.objects.get_or_create(
                username=login.username,
                defaults={"display_name": login.display_name, "email": f"{login.username}@demo.crm.local"},
            )
            if not user.email:
                # SLA warnings and escalations are emailed (the console backend prints them in the demo).
                user.email = f"{login.username}@demo.crm.local"
                user.save(update_fields=["email"])
            contractor_id = self.contractors[login.contractor].pk if login.contractor else None
            if (user.department, user.contractor_id) != (login.department, contractor_id):
                # Logins from before departments and contractors existed get them too.
                user.department, user.contractor_id = login.department, contractor_id
                user.save(update_fields=["department", "contractor"])
            if not created:
                continue
            user.set_password(DEMO_PASSWORD)
            user.is_superuser = login.superuser
            user.save(update_fields=["password", "is_superuser"])
            staff_set_role(user=user, role=login.role)
            user.city_companies.set([cities[code] for code in login.city_companies])
            user.projects.set([self.projects[code] for code in login.projects])
            self.created["demo logins"] += 1

    def write_duplicate_record(self) -> tuple[Customer, Customer] | None:
        """One owner of the showcase project recorded a second time by the hotline, without the ID
        number: what the 360 page's "possible duplicates" and the merge page are for."""
        existing = Customer.objects.filter(notes=DUPLICATE_NOTE).first()
        owner_row = (
            HouseholdMember.objects.filter(project__code=SHOWCASE_PROJECT, role=HouseholdRole.OWNER)
            .exclude(customer__name="张伟")
            .select_related("customer")
            .order_by("pk")
            .first()
        )
        if owner_row is None:
            return None
        owner = owner_row.customer
        if existing is not None:
            return owner, existing
        phone = owner.phones.order_by("-is_primary", "pk").first()
        again = Customer.objects.create(
            city_company_id=owner.city_company_id,
            registered_project_id=owner_row.project_id,
            name=owner.name,
            gender=owner.gender,
            notes=DUPLICATE_NOTE,
        )
        if phone is not None:
            CustomerPhone.objects.create(customer=again, number=phone.number, is_primary=True)
        self.created["duplicate customer records"] += 1
        return owner, again

    def print_summary(self) -> None:
        write = self.stdout.write
        write(self.style.SUCCESS("Demo data ready."))
        write(
            "Created now: "
            + (", ".join(f"{n} {label}" for label, n in self.created.items() if n) or "nothing")
        )
        totals = (
            ("city companies", CityCompany), ("projects", Project), ("phases", Phase), ("buildings", Building),
            ("units", Unit), ("customers", Customer), ("phones", CustomerPhone),
            ("household members", HouseholdMember), ("contracts", Contract),
        )  # fmt: skip
        write("In the database: " + ", ".join(f"{model.objects.count()} {label}" for label, model in totals))
        stages = ", ".join(f"{Stage(s).label}: {Customer.objects.in_stage(s).count()}" for s in Stage.values)
        write(f"Customers by stage: {stages}")
        write(f"Demo logins (password {DEMO_PASSWORD}):")
        for login in DEMO_LOGINS:
            scope = ", ".join(login.city_companies + login.projects) or "everything"
            write(f"  {login.username:<11} {Role(login.role).label} ({scope})")
        write(f"Try the search box: 5678, {SHOWCASE_PHONE}, 张伟, 四季花城 {'-'.join(SHOWCASE_UNIT)}")
        if self.duplicate_pair:
            owner, again = self.duplicate_pair
            write(
                f"A duplicate record: {owner.name} #{owner.pk} and #{again.pk} (same phone, no ID number); "
                f"as supervisor open /customers/{owner.pk}/ and merge it under 疑似重复客户"
            )
        by_status = Counter(Complaint.objects.values_list("status", flat=True))
        write(
            f"Complaints: {sum(by_status.values())} ("
            + ", ".join(f"{Status(s).label}: {n}" for s, n in sorted(by_status.items()))
            + ")"
        )
        defects = Counter(Defect.objects.values_list("status", flat=True))
        write(
            f"Handover: {HandoverBatch.objects.count()} batches, {Appointment.objects.count()} appointments, "
            f"{Handover.objects.filter(status=Handover.Status.HANDED_OVER).count()} units signed off, "
            f"{sum(defects.values())} defects ("
            + ", ".join(f"{Defect.Status(s).label}: {n}" for s, n in sorted(defects.items()))
            + ") — batches and the site queue are on /handover/"
        )
        demo = self.demo_complaint
        write(
            self.style.WARNING(
                f"Complaint {demo.number} will escalate within 5 minutes: watch /complaints/{demo.pk}/ "
                "(the worker's beat sweeps every SLA_SWEEP_SECONDS, default 60)"
            )
        )


def _planned_days(rng: random.Random, stage: Stage) -> int:
    """Days from today to a phase's contractual handover date for the stage its buyers are in."""
    low, high = {
        Stage.ESTABLISHED: (-2600, -800),
        Stage.STABLE: (-690, -400),
        Stage.SETTLING_IN: (-330, -40),
        Stage.BUYER: (60, 540),
    }[stage]
    return rng.randint(low, high)


COMMITMENTS = (
    "赠送一年物业管理费",
    "赠送车位使用权三年",
    "交付时小区会所开放",
    "赠送入户花园",
    "",
    "",
    "",
    "",
)


def _contract_dates(rng: random.Random, unit: PlannedUnit, today: datetime.date) -> dict:
    contractual = today + datetime.timedelta(days=unit.planned_days)
    if unit.stage == Stage.BUYER:
        handed = None
        signed = today - datetime.timedelta(days=rng.randint(10, 600))
    else:
        # About one handover in five is late: the delay metrics need some.
        handed = contractual + datetime.timedelta(days=rng.randint(-30, 8))
        handed = min(handed, today - datetime.timedelta(days=5))
        signed = contractual - datetime.timedelta(days=rng.randint(300, 900))
    return {
        "subscribed_on": signed - datetime.timedelta(days=rng.randint(3, 30)),
        "signed_on": signed,
        "contractual_handover_on": contractual,
        "handed_over_on": handed,
        "commitments": rng.choice(COMMITMENTS),
    }


def _in_batches(queryset, field_name: str, values, size: int = 500):
    values = list(values)
    for start in range(0, len(values), size):
        yield from queryset.filter(**{f"{field_name}__in": values[start : start + size]})
