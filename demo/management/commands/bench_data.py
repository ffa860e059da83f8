"""manage.py bench_data --complaints 1000000: fill a PostgreSQL database with realistic volumes.

20 city companies × ~10 projects, buildings, ~300k units, ~400k customers (phones, households,
contracts at every stage), 1M complaints over 5 years with their events, work orders and return
visits; ~3 % open, some paused, warned and breached, their SLA fields set as the services and the
sweep would have set them. Rows go in with COPY (CSV built in memory, in chunks), then the
sequences are moved past the new ids and the tables are vacuumed and analysed.

Derived columns are written exactly as the models' save() writes them: Unit.project_id/code,
CustomerPhone.last4, Customer.id_number_hash/id_number_masked (ID numbers only for ~1 % of the
customers: encrypting 400k of them would dominate the run). Closed complaints' due times use clock
time even under a working-time policy (cheap; they no longer drive anything); open ones go through
complaints.sla exactly.

On SQLite only small sizes are allowed (tests): rows go in with executemany instead of COPY.
"""

from __future__ import annotations

import contextlib
import csv
import datetime
import io
import random
import time
from collections.abc import Iterable, Iterator
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone
from tqdm import tqdm

from accounts.models import Role, User
from complaints import sla
from complaints.models import (
    Category,
    Complaint,
    ComplaintEvent,
    ReturnVisit,
    SlaPolicy,
    WorkOrder,
)
from core.masking import mask_id_number
from customers.models import Contract, Customer, CustomerPhone, HouseholdMember, pii_hash
from customers.services import customers_refresh_contract_dates
from customers.validators import resident_id_check_code
from properties.models import Building, CityCompany, Phase, Project, Unit

SQLITE_MAX_COMPLAINTS = 20_000
CHUNK_ROWS = 50_000
BENCH_PREFIX = "bench"
BENCH_PASSWORD = "bench-pass-2026"
# The customer the 360 benchmark opens: 10 units, 50 complaints.
BENCH_360_NAME = "压测多房客户"
BENCH_USERS = {"agent": "bench_agent", "city_head": "bench_city_head", "group_admin": "bench_admin"}

CITIES = (
    "深圳", "广州", "上海", "北京", "杭州", "南京", "成都", "武汉", "天津", "重庆",
    "西安", "长沙", "苏州", "宁波", "厦门", "青岛", "沈阳", "大连", "佛山", "东莞",
)  # fmt: skip
PROJECT_NAMES = (
    "四季花城", "金色家园", "城市花园", "翡翠湾", "东海岸", "第五园", "万科城", "兰乔圣菲",
    "金域华府", "蓝山", "白鹭郡", "公园里", "星河湾", "云城", "海上传奇",
)  # fmt: skip
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
)
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红玉梅文辉晨宇浩然子涵欣怡思远"
LAYOUTS = ("2室1厅1卫", "3室2厅1卫", "3室2厅2卫", "4室2厅2卫", "5室2厅3卫")
PHONE_PREFIXES = ("138", "139", "137", "136", "135", "150", "151", "158", "186", "188", "189", "177", "199")
TYPE_WEIGHTS = (("complaint", 55), ("repair", 25), ("enquiry", 10), ("suggestion", 6), ("praise", 4))
CHANNEL_WEIGHTS = (("hotline", 45), ("front_desk", 15), ("web_form", 10), ("wechat", 12), ("property", 10),
                   ("forum", 4), ("email", 2), ("letter", 1), ("media", 1))  # fmt: skip
SUBJECTS = ("卫生间天花板渗水", "地下车库顶板漏水", "客厅墙面裂缝", "电梯夜间运行噪音大", "入户门关不严",
            "下水管道堵塞", "地面空鼓", "单元门禁失灵", "楼道垃圾清理不及时", "车位被占用",
            "报修三天无人上门", "销售承诺赠送一年物业费未兑现", "样板房与交付标准不符", "交付延期未通知",
            "物业费上涨未公示", "中心花园景观缩水")  # fmt: skip
OPEN_STATUSES = ("received", "dispatched", "plan_agreed", "in_progress", "resolved", "reopened")
DAY = datetime.timedelta(days=1)
HOUR = datetime.timedelta(hours=1)


def _weighted(rng: random.Random, pairs) -> Iterator[str]:
    values, weights = zip(*pairs, strict=True)
    while True:
        yield from rng.choices(values, weights, k=1000)


class RowWriter:
    """COPY … FROM STDIN (CSV) on PostgreSQL, executemany elsewhere; in chunks, with a progress bar."""

    def __init__(self, stdout, quiet: bool):
        self.postgres = connection.vendor == "postgresql"
        self.stdout = stdout
        self.quiet = quiet
        self.counts: dict[str, int] = {}

    def write(self, model, columns: list[str], rows: Iterable[tuple], total: int) -> int:
        table = model._meta.db_table
        self._check_columns(model, columns)
        written = 0
        bar = tqdm(total=total, desc=table, unit="row", disable=self.quiet, mininterval=1.0)
        chunk: list[tuple] = []
        for row in rows:
            chunk.append(row)
            if len(chunk) >= CHUNK_ROWS:
                self._flush(table, columns, chunk)
                written += len(chunk)
                bar.update(len(chunk))
                chunk = []
        if chunk:
            self._flush(table, columns, chunk)
            written += len(chunk)
            bar.update(len(chunk))
        bar.close()
        self.counts[table] = self.counts.get(table, 0) + written
        return written

    @staticmethod
    def _check_columns(model, columns: list[str]) -> None:
        """Every NOT NULL column must be written: the database has no defaults of Django's."""
        required = {f.column for f in model._meta.concrete_fields if not f.null and not f.primary_key} - set(
            columns
        )
        if required:
            raise CommandError(f"{model._meta.db_table}: missing columns {sorted(required)}")

    def _flush(self, table: str, columns: list[str], chunk: list[tuple]) -> None:
        with connection.cursor() as cursor:
            if self.postgres:
                buffer = io.StringIO()
                writer = csv.writer(buffer)
                writer.writerows(tuple(r"\N" if v is None else v for v in row) for row in chunk)
                buffer.seek(0)
                sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv, NULL '\\N')"
                cursor.cursor.copy_expert(sql, buffer)
            else:
                ops = connection.ops
                placeholders = ", ".join(["%s"] * len(columns))
                adapted = [
                    tuple(
                        ops.adapt_datetimefield_value(v)
                        if isinstance(v, datetime.datetime)
                        else str(v)
                        if isinstance(v, datetime.date | Decimal)
                        else v
                        for v in row
                    )
                    for row in chunk
                ]
                cursor.executemany(
                    f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})", adapted
                )


class _ClosedRow:
    """The SLA and timeline fields of a closed complaint, without a model instance."""

    def __init__(self, *, status, received_at, sla_policy):
        self.status, self.received_at, self.sla_policy = status, received_at, sla_policy
        self.sla_policy_id = sla_policy.pk if sla_policy else None
        self.first_responded_at = self.plan_agreed_at = self.resolved_at = self.closed_at = None
        self.paused_at, self.pause_reason, self.reopen_count = None, "", 0


def _next_id(model) -> int:
    last = model.objects.order_by("-pk").values_list("pk", flat=True).first()
    return (last or 0) + 1


def resident_id(rng: random.Random, birth: datetime.date) -> str:
    body = f"{rng.choice(('440301', '310101', '110105', '330106', '510104'))}{birth:%Y%m%d}{rng.randrange(1000):03d}"
    return body + resident_id_check_code(body)


class Command(BaseCommand):
    help = "Fill a PostgreSQL database with benchmark volumes (1M complaints by default) using COPY."

    def add_arguments(self, parser):
        parser.add_argument("--complaints", type=int, default=1_000_000)
        parser.add_argument("--units", type=int, default=None, help="default: 0.3 × complaints")
        parser.add_argument("--customers", type=int, default=None, help="default: 0.4 × complaints")
        parser.add_argument("--cities", type=int, default=20)
        parser.add_argument("--projects-per-city", type=int, default=10)
        parser.add_argument("--years", type=int, default=5)
        parser.add_argument("--seed", type=int, default=20261125)
        parser.add_argument("--quiet", action="store_true", help="no progress bars")

    def handle(self, *args, **opts):
        n = opts["complaints"]
        if connection.vendor != "postgresql" and n > SQLITE_MAX_COMPLAINTS:
            raise CommandError(
                f"bench_data writes with PostgreSQL COPY; on {connection.vendor} only "
                f"--complaints ≤ {SQLITE_MAX_COMPLAINTS:,} is allowed (for tests). "
                "Set DATABASE_URL=postgres://… to a PostgreSQL database."
            )
        if CityCompany.objects.filter(code__startswith=f"{BENCH_PREFIX}-").exists():
            raise CommandError("This database already holds bench data; use a fresh database.")
        self.rng = random.Random(opts["seed"])
        self.now = timezone.now()
        self.today = timezone.localdate(self.now)
        self.writer = RowWriter(self.stdout, opts["quiet"])
        units = opts["units"] or max(n * 3 // 10, 40)
        customers = opts["customers"] or max(n * 4 // 10, 50)
        cities = max(1, min(opts["cities"], len(CITIES)))
        started = time.perf_counter()
        with transaction.atomic():
            if connection.vendor == "postgresql":
                # Bulk load: skip the per-row foreign-key triggers (the rows are consistent by
                # construction; tests/crm/test_bench.py checks it). Needs a superuser; else keep them.
                with connection.cursor() as cursor:
                    cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
                    if cursor.fetchone()[0]:
                        cursor.execute("SET LOCAL session_replication_role = replica")
            self._hierarchy(cities, opts["projects_per_city"], units)
            self._users()
            with self._indexes_dropped((Customer,)):
                with self._indexes_dropped((CustomerPhone, Contract, HouseholdMember)):
                    self._customers(customers)
                # COPY skips Contract.save(): copy the latest contract's dates onto every buyer (the
                # lifecycle stage) with the contracts' indexes back and statistics taken, while the
                # customers' own indexes (a trigram GIN among them) are still down.
                self._analyze(Contract, Customer)
                customers_refresh_contract_dates(customer_ids=None)
            with self._indexes_dropped((Complaint, ComplaintEvent, WorkOrder, ReturnVisit)):
                self._complaints(n, opts["years"])
            self._reset_sequences()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                # VACUUM as well: it marks the copied pages all-visible, so index-only scans work at once.
                # It cannot run inside a transaction (a caller's atomic block, a test): ANALYZE only.
                cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")
        elapsed = time.perf_counter() - started
        for table, count in self.writer.counts.items():
            self.stdout.write(f"  {table:32} {count:>10,}")
        self.stdout.write(self.style.SUCCESS(f"Bench data written in {elapsed:.0f} s."))
        self.stdout.write(
            f"Bench users (password {BENCH_PASSWORD}): "
            f"{BENCH_USERS['agent']} (agent, 2 projects), {BENCH_USERS['city_head']} (city head, "
            f"{self.cities[0].name}), {BENCH_USERS['group_admin']} (group admin)."
        )

    # --- property ---------------------------------------------------------------------------

    def _hierarchy(self, cities: int, per_city: int, units: int) -> None:
        rng, now = self.rng, self.now
        self.cities = CityCompany.objects.bulk_create(
            CityCompany(code=f"{BENCH_PREFIX}-{i:02d}", name=f"{CITIES[i]}压测公司", city=CITIES[i])
            for i in range(cities)
        )
        projects = []
        for ci, city in enumerate(self.cities):
            for pi in range(per_city):
                launched = self.today - datetime.timedelta(days=rng.randrange(365, 9 * 365))
                projects.append(
                    Project(
                        city_company=city,
                        code=f"{BENCH_PREFIX}-{ci:02d}-{pi:02d}",
                        name=f"{city.city}{PROJECT_NAMES[pi % len(PROJECT_NAMES)]}"
                        + (f"{pi // len(PROJECT_NAMES) + 1}期" if pi >= len(PROJECT_NAMES) else ""),
                        launched_on=launched,
                    )
                )
        self.projects = Project.objects.bulk_create(projects)
        phases = Phase.objects.bulk_create(
            Phase(
                project=p,
                name=f"{k}期",
                planned_handover_on=p.launched_on + datetime.timedelta(days=700 + 200 * k),
            )
            for p in self.projects
            for k in (1, 2)
        )
        phase_of = {(ph.project_id, ph.name): ph for ph in phases}
        per_project = max(1, units // len(self.projects))
        floors, entrances, rooms = 30, 2, 2
        per_building = floors * entrances * rooms
        buildings = []
        for p in self.projects:
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

        first_id = _next_id(Unit)
        # unit index → (id, project_id, code, launched_on); kept for customers and complaints.
        self.units: list[tuple[int, int, str]] = []
        launched = {p.pk: p.launched_on for p in self.projects}
        self.project_launch = launched

        def rows():
            uid = first_id
            for p in self.projects:
                made = 0
                for b in by_project[p.pk]:
                    for floor in range(1, floors + 1):
                        for entrance in range(1, entrances + 1):
                            for room in range(1, rooms + 1):
                                if made >= per_project:
                                    break
                                number = f"{floor}{room:02d}"
                                code = Unit.make_code(b.number, str(entrance), number)
                                self.units.append((uid, p.pk, code))
                                yield (
                                    uid, now, now, p.pk, b.pk, str(entrance), number, code, floor,
                                    LAYOUTS[room % len(LAYOUTS)], Decimal(rng.randrange(6000, 18000)) / 100,
                                    "furnished" if p.pk % 2 else "shell",
                                )  # fmt: skip
                                uid += 1
                                made += 1

        self.writer.write(
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
            per_project * len(self.projects),
        )

    def _users(self) -> None:
        password = make_password(BENCH_PASSWORD)
        made = User.objects.bulk_create(
            [
                User(username=BENCH_USERS["agent"], role=Role.CS_AGENT, password=password, display_name="压测客服"),
                User(username=BENCH_USERS["city_head"], role=Role.CITY_HEAD, password=password, display_name="压测城市负责人"),
                User(username=BENCH_USERS["group_admin"], role=Role.GROUP_ADMIN, password=password, display_name="压测集团管理员"),
            ]
            + [
                User(username=f"{BENCH_PREFIX}_sup_{c.code}", role=Role.CS_SUPERVISOR, password="!", display_name=f"{c.city}客服主管")
                for c in self.cities
            ]
            + [
                User(username=f"{BENCH_PREFIX}_agent_{p.code}", role=Role.CS_AGENT, password="!", display_name=f"{p.name}客服")
                for p in self.projects
            ]
        )  # fmt: skip
        agent, city_head = made[0], made[1]
        agent.projects.set(self.projects[:2])
        city_head.city_companies.set([self.cities[0]])
        for sup, city in zip(made[3 : 3 + len(self.cities)], self.cities, strict=True):
            sup.city_companies.set([city])
        project_agents = made[3 + len(self.cities) :]
        for user, project in zip(project_agents, self.projects, strict=True):
            user.projects.set([project])
        self.handler_of = {p.pk: u.pk for p, u in zip(self.projects, project_agents, strict=True)}
        # The bench agent handles the complaints of its two projects.
        for p in self.projects[:2]:
            self.handler_of[p.pk] = agent.pk

    # --- customers ----------------------------------------------------------------------------

    def _name(self) -> str:
        rng = self.rng
        return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))

    def _customers(self, total: int) -> None:
        rng, now, today = self.rng, self.now, self.today
        units = self.units
        sold = int(len(units) * 0.85)
        owners_wanted = min(int(total * 0.65), sold)
        first_cid = _next_id(Customer)
        city_of_project = {p.pk: p.city_company_id for p in self.projects}
        # Units 0..sold-1 are sold. Owner of unit i: customers 0..owners_wanted-1, a few owning two
        # (终身锁定); customer 0 is the 360 bench customer with 10 units.
        owner_index = []
        for i in range(sold):
            if i < 10:
                owner_index.append(0)
            elif i < owners_wanted:
                owner_index.append(i - 9)
            else:
                owner_index.append(rng.randrange(1, owners_wanted))
        self.unit_owner = {units[i][0]: first_cid + owner_index[i] for i in range(sold)}
        home_project = {}
        for i in range(sold):
            home_project.setdefault(owner_index[i], units[i][1])
        co_owner_start = owners_wanted
        co_owners = min(int(sold * 0.3), max(0, total - owners_wanted))
        self.customer_count = total

        def customer_rows():
            for k in range(total):
                cid = first_cid + k
                if k in home_project:
                    project_id = home_project[k]
                elif co_owner_start <= k < co_owner_start + co_owners:
                    project_id = units[k - co_owner_start][1]
                else:
                    project_id = self.projects[k % len(self.projects)].pk
                name = BENCH_360_NAME if k == 0 else self._name()
                birth = datetime.date(1950, 1, 1) + datetime.timedelta(days=rng.randrange(0, 50 * 365))
                id_type = id_number = None
                id_hash = id_masked = ""
                if k % 100 == 1:  # ~1 % with an encrypted ID number, unique by birth date
                    birth = datetime.date(1950, 1, 1) + datetime.timedelta(days=k // 100)
                    id_type, raw = "resident_id", resident_id(rng, birth)
                    id_number = self._encrypt(raw)
                    id_hash, id_masked = pii_hash(raw), mask_id_number(raw)
                yield (
                    cid, now, now, city_of_project[project_id], project_id, name, rng.choice("MF"),
                    birth, id_type or "", id_number, id_hash, id_masked, "中国", "", "", "", "",
                    "phone", rng.choice(("walk_in", "referral", "club", "online", "advertising", "")),
                    "", 1,
                )  # fmt: skip

        self.writer.write(
            Customer,
            [
                "id",
                "created_at",
                "updated_at",
                "city_company_id",
                "registered_project_id",
                "name",
                "gender",
                "birth_date",
                "id_type",
                "id_number",
                "id_number_hash",
                "id_number_masked",
                "nationality",
                "employer",
                "education",
                "address",
                "email",
                "preferred_channel",
                "acquisition_channel",
                "notes",
                "version",
            ],  # fmt: skip
            customer_rows(),
            total,
        )

        def phone_rows():
            pid = _next_id(CustomerPhone)
            for k in range(total):
                cid = first_cid + k
                for extra in range(2 if k % 5 == 0 else 1):
                    number = (
                        PHONE_PREFIXES[(k + extra) % len(PHONE_PREFIXES)]
                        + f"{(cid * 7919 + extra * 4999) % 10**8:08d}"
                    )
                    yield pid, cid, number, number[-4:], extra == 0, "" if extra == 0 else "备用"
                    pid += 1

        self.writer.write(
            CustomerPhone,
            ["id", "customer_id", "number", "last4", "is_primary", "label"],
            phone_rows(),
            total + total // 5,
        )

        def contract_and_household():
            contracts, members = [], []
            cid_ = _next_id(Contract)
            hid = _next_id(HouseholdMember)
            self.handed_units = []
            for i in range(sold):
                unit_id, project_id, _code = units[i]
                owner = self.unit_owner[unit_id]
                launch = self.project_launch[project_id]
                signed = min(launch + datetime.timedelta(days=rng.randrange(0, 900)), today)
                promised = signed + datetime.timedelta(days=rng.randrange(365, 3 * 365))
                handed = promised + datetime.timedelta(days=rng.randrange(-60, 90))
                handed = handed if handed <= today and handed >= signed else None
                if handed:
                    self.handed_units.append(i)
                contracts.append((
                    cid_, now, now, unit_id, owner, f"HT-B{cid_:08d}", "active",
                    signed - datetime.timedelta(days=rng.randrange(1, 30)), signed,
                    Decimal(rng.randrange(80, 900)) * 10000, promised, handed, "", 1,
                ))  # fmt: skip
                cid_ += 1
                members.append((hid, now, now, unit_id, owner, "owner", handed or signed, project_id))
                hid += 1
                if i < co_owners:
                    co_owner = first_cid + co_owner_start + i
                    members.append((hid, now, now, unit_id, co_owner, "co_owner", signed, project_id))
                    hid += 1
            return contracts, members

        contracts, members = contract_and_household()
        self.writer.write(
            Contract,
            [
                "id",
                "created_at",
                "updated_at",
                "unit_id",
                "primary_buyer_id",
                "number",
                "status",
                "subscribed_on",
                "signed_on",
                "price",
                "contractual_handover_on",
                "handed_over_on",
                "commitments",
                "version",
            ],  # fmt: skip
            contracts,
            len(contracts),
        )
        self.writer.write(
            HouseholdMember,
            ["id", "created_at", "updated_at", "unit_id", "customer_id", "role", "since", "project_id"],
            members,
            len(members),
        )
        self.bench_customer_id = first_cid

    @staticmethod
    def _encrypt(raw: str) -> str:
        field = Customer._meta.get_field("id_number")
        return field.get_db_prep_save(raw, connection)

    # --- complaints ---------------------------------------------------------------------------

    def _complaints(self, total: int, years: int) -> None:
        rng, now = self.rng, self.now
        leaves = list(Category.objects.filter(parent__isnull=False, is_active=True).select_related("parent"))
        departments = {
            c.pk: c.default_department or c.parent.default_department or "customer_service" for c in leaves
        }
        policies: dict[tuple, SlaPolicy | None] = {}

        def policy(kind, category, severity):
            key = (kind, category.pk, severity)
            if key not in policies:
                policies[key] = sla.policy_for(complaint_type=kind, category=category, severity=severity)
            return policies[key]

        units = self.units
        owned = [units[i] for i in getattr(self, "handed_units", [])] or [
            u for u in units if u[0] in self.unit_owner
        ]
        bench_units = units[:10]
        span = datetime.timedelta(days=365 * years)
        start = now - span
        kinds = _weighted(rng, TYPE_WEIGHTS)
        channels = _weighted(rng, CHANNEL_WEIGHTS)
        first_id = _next_id(Complaint)
        every_360 = max(1, total // 50)
        events: list[tuple] = []
        work_orders: list[tuple] = []
        visits: list[tuple] = []
        self.open_count = 0
        ev_id = [_next_id(ComplaintEvent)]
        wo_id = [_next_id(WorkOrder)]
        rv_id = _next_id(ReturnVisit)

        def event(cid, kind, at, actor):
            events.append((ev_id[0], cid, actor, kind, "", "{}", at))
            ev_id[0] += 1

        def rows():
            nonlocal rv_id
            for k in range(total):
                cid = first_id + k
                received = start + span * ((k + rng.random()) / total)
                unit_id, project_id, _code = (
                    bench_units[k // every_360 % 10] if k % every_360 == 0 and k // every_360 < 50 else rng.choice(owned)
                )  # fmt: skip
                customer_id = self.unit_owner[unit_id]
                category = rng.choice(leaves)
                kind = next(kinds)
                severity = "normal"
                roll = rng.random()
                if kind == "complaint" and roll < 0.03:
                    severity = "major" if roll < 0.025 else "group"
                pol = policy(kind, category, severity)
                handler = self.handler_of[project_id]
                age = now - received
                status = self._status_for(age)
                if status in OPEN_STATUSES:  # the real model: complaints.sla reads its properties
                    c = Complaint(
                        id=cid, complaint_type=kind, category=category, severity=severity, status=status,
                        received_at=received, sla_policy=pol, project_id=project_id,
                    )  # fmt: skip
                else:  # 97 % of the rows: a model instance per row would cost more than the COPY
                    c = _ClosedRow(status=status, received_at=received, sla_policy=pol)
                steps = self._timeline(c, age)
                if status in OPEN_STATUSES:
                    self.open_count += 1
                    self._open_clock(c)
                else:
                    self._closed_clock(c)
                dispatched = status != "received"
                satisfaction = rng.choice((3, 4, 4, 5, 5, 5)) if status == "closed" else None
                received_local = timezone.localtime(received)
                yield (
                    cid, received, steps.get("last", received), f"TS-{received_local:%Y%m}-{cid:06d}", kind,
                    next(channels), category.pk, severity, status, customer_id, unit_id, project_id,
                    rng.choice(SUBJECTS), "业主来电反映问题，要求尽快处理。", handler, received,
                    departments[category.pk], handler if dispatched else None, None,
                    "约定上门查勘并制定维修方案" if c.plan_agreed_at else "",
                    "已完成维修，业主确认" if c.resolved_at else "", "", satisfaction, False,
                    c.reopen_count, c.sla_policy_id, c.first_response_due_at, c.plan_due_at,
                    c.resolution_due_at, c.first_responded_at, c.plan_agreed_at, c.resolved_at, c.closed_at,
                    c.paused_at, c.pause_reason, c.sla_started_at, c.sla_target, c.sla_warned,
                    c.escalation_level, c.sla_next_check_at, 1, "", "",
                )  # fmt: skip
                # A few events each: received, dispatched, plan, resolved, closed (what happened so far).
                event(cid, "created", received, handler)
                if dispatched and c.closed_at is None:
                    event(cid, "dispatched", steps["dispatched"], handler)
                if c.plan_agreed_at and c.closed_at is None:
                    event(cid, "plan_agreed", c.plan_agreed_at, handler)
                if c.resolved_at:
                    event(cid, "resolved", c.resolved_at, handler)
                if c.closed_at:
                    event(cid, "closed", c.closed_at, handler)
                if c.paused_at:
                    event(cid, "paused", c.paused_at, handler)
                if c.plan_agreed_at and kind in ("complaint", "repair"):
                    done = c.resolved_at is not None
                    work_orders.append((
                        wo_id[0], c.plan_agreed_at, c.resolved_at or c.plan_agreed_at, cid, f"PD-{wo_id[0]:07d}",
                        departments[category.pk], None, None, "按方案上门维修", c.plan_agreed_at + 3 * DAY,
                        "done" if done else "in_progress", handler, c.plan_agreed_at + HOUR,
                        c.resolved_at, "已完成" if done else "", 1,
                    ))  # fmt: skip
                    wo_id[0] += 1
                if status == "closed":
                    visits.append((rv_id, cid, 1, True, satisfaction, "", handler, c.closed_at - HOUR))
                    rv_id += 1

        self.writer.write(
            Complaint,
            [
                "id",
                "created_at",
                "updated_at",
                "number",
                "complaint_type",
                "channel",
                "category_id",
                "severity",
                "status",
                "customer_id",
                "unit_id",
                "project_id",
                "title",
                "description",
                "received_by_id",
                "received_at",
                "department",
                "handler_id",
                "group_case_id",
                "plan",
                "resolution",
                "root_cause",
                "satisfaction",
                "closed_unreachable",
                "reopen_count",
                "sla_policy_id",
                "first_response_due_at",
                "plan_due_at",
                "resolution_due_at",
                "first_responded_at",
                "plan_agreed_at",
                "resolved_at",
                "closed_at",
                "paused_at",
                "pause_reason",
                "sla_started_at",
                "sla_target",
                "sla_warned",
                "escalation_level",
                "sla_next_check_at",
                "version",
                "reporter_name",  # a public form's contact as given; the bench files none
                "reporter_phone",
            ],  # fmt: skip
            self._draining(rows(), events, work_orders, visits),
            total,
        )
        self._flush_children(events, work_orders, visits, final=True)

    def _draining(self, rows, events, work_orders, visits):
        """Write the children as they pile up, so that memory stays flat at 1M complaints."""
        for index, row in enumerate(rows, 1):
            yield row
            # Back here, the writer has taken row `index`; at a multiple of its chunk it has also
            # written rows 1..index, so every child collected so far has its complaint in the table.
            if index % CHUNK_ROWS == 0:
                self._flush_children(events, work_orders, visits, final=False)

    def _flush_children(self, events, work_orders, visits, *, final: bool) -> None:
        def take(rows):
            taken = rows[:]
            rows.clear()
            return taken

        writer_quiet = self.writer.quiet
        self.writer.quiet = writer_quiet or not final
        batch = take(events)
        self.writer.write(
            ComplaintEvent,
            ["id", "complaint_id", "actor_id", "kind", "note", "data", "created_at"],
            batch,
            len(batch),
        )
        batch = take(work_orders)
        self.writer.write(
            WorkOrder,
            [
                "id",
                "created_at",
                "updated_at",
                "complaint_id",
                "number",
                "department",
                "contractor_id",
                "assignee_id",
                "description",
                "due_at",
                "status",
                "issued_by_id",
                "accepted_at",
                "completed_at",
                "completion_note",
                "version",
            ],  # fmt: skip
            batch,
            len(batch),
        )
        batch = take(visits)
        self.writer.write(
            ReturnVisit,
            [
                "id",
                "complaint_id",
                "attempt",
                "reached",
                "satisfaction",
                "comment",
                "visited_by_id",
                "visited_at",
            ],
            batch,
            len(batch),
        )
        self.writer.quiet = writer_quiet

    def _status_for(self, age: datetime.timedelta) -> str:
        """Recent complaints are open; old ones nearly all closed (~3 % open overall)."""
        rng = self.rng
        if age < 3 * DAY:
            open_share = 1.0
        elif age < 30 * DAY:
            open_share = 0.6
        elif age < 180 * DAY:
            open_share = 0.06
        else:
            open_share = 0.018
        if rng.random() >= open_share:
            return "closed"
        if age < 3 * DAY:
            return rng.choice(
                ("received", "received", "dispatched", "dispatched", "plan_agreed", "in_progress")
            )
        return rng.choice(("dispatched", "plan_agreed", "in_progress", "in_progress", "resolved", "reopened"))

    def _timeline(self, c: Complaint, age: datetime.timedelta) -> dict:
        """Moments of the steps taken so far, as fractions of the complaint's age for open ones."""
        rng, received = self.rng, c.received_at
        if c.status == "closed":
            responded = received + datetime.timedelta(minutes=rng.randrange(10, 26 * 60))
            plan = responded + datetime.timedelta(minutes=rng.randrange(30, 4 * 24 * 60))
            resolved = plan + datetime.timedelta(minutes=rng.randrange(60, 20 * 24 * 60))
            closed = resolved + datetime.timedelta(minutes=rng.randrange(60, 3 * 24 * 60))
            closed = min(closed, self.now - HOUR)
            resolved, plan, responded = (min(x, closed) for x in (resolved, plan, responded))
            c.first_responded_at, c.plan_agreed_at, c.resolved_at, c.closed_at = (
                responded,
                plan,
                resolved,
                closed,
            )
            return {"dispatched": min(received + HOUR, responded), "last": closed}
        steps = {"dispatched": received + age * 0.05}
        if c.status in ("dispatched",) and rng.random() < 0.5 or c.status not in ("received", "dispatched"):
            c.first_responded_at = received + age * 0.1
        if c.status in ("plan_agreed", "in_progress", "resolved", "reopened"):
            c.plan_agreed_at = received + age * 0.3
        if c.status in ("resolved", "reopened"):
            c.resolved_at = received + age * 0.6
        if c.status == "reopened":
            c.reopen_count = 1
            steps["reopened"] = received + age * 0.8
        if c.status in ("dispatched", "plan_agreed", "in_progress") and rng.random() < 0.08:
            c.paused_at = self.now - age * 0.1 * rng.random()
            c.pause_reason = "等待业主确认上门时间"
        steps["last"] = received + age * 0.9
        return steps

    def _open_clock(self, c: Complaint) -> None:
        """As complaint_create / complaint_reopen set the clock, then as the sweep would have moved it by now."""
        sla.start_clock(c, start=c.received_at, targets=("first_response", "plan", "resolution"))
        if c.status == "reopened":
            reopened = c.received_at + (self.now - c.received_at) * 0.8
            sla.start_clock(c, start=reopened, targets=("resolution",))
            c.sla_started_at = reopened
        sla.refresh_clock(c)
        if c.sla_next_check_at is not None and c.sla_next_check_at <= self.now:
            step = sla._plan_step(c, sla.effective_policy(c), self.now)
            c.sla_warned, c.escalation_level, c.sla_next_check_at = (
                step.warned,
                step.new_level,
                step.next_check,
            )

    def _closed_clock(self, c: Complaint) -> None:
        policy = sla.effective_policy(c)
        for target, field in (
            ("first_response", "first_response_due_at"),
            ("plan", "plan_due_at"),
            ("resolution", "resolution_due_at"),
        ):
            setattr(c, field, c.received_at + datetime.timedelta(minutes=policy.target_minutes(target)))
        c.sla_started_at = c.received_at
        c.sla_target, c.sla_warned, c.escalation_level, c.sla_next_check_at = "", False, 0, None

    @contextlib.contextmanager
    def _indexes_dropped(self, models):
        """Drop the plain (non-constraint) indexes during COPY and build them once afterwards:
        building an index over a finished table is several times faster than growing it row by row."""
        if connection.vendor != "postgresql":
            yield
            return
        tables = [m._meta.db_table for m in models]
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) AND indexname NOT IN "
                "(SELECT conname FROM pg_constraint WHERE conindid <> 0)",
                [tables],
            )
            indexes = cursor.fetchall()
            for name, _definition in indexes:
                cursor.execute(f'DROP INDEX "{name}"')
        yield
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            for _name, definition in tqdm(indexes, desc="indexes", disable=self.writer.quiet):
                cursor.execute(definition)

    @staticmethod
    def _analyze(*models) -> None:
        """Planner statistics for freshly copied tables (ANALYZE runs inside a transaction, VACUUM not)."""
        if connection.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            for model in models:
                cursor.execute(f"ANALYZE {model._meta.db_table}")

    # --- finish -------------------------------------------------------------------------------

    def _reset_sequences(self) -> None:
        if connection.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            for model in (Unit, Customer, CustomerPhone, Contract, HouseholdMember, Complaint, ComplaintEvent,
                          WorkOrder, ReturnVisit):  # fmt: skip
                table = model._meta.db_table
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"GREATEST((SELECT MAX(id) FROM {table}), 1))"
                )
