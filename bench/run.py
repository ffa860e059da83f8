"""Scale benchmark: server time, SQL queries and bare-SQL time of the pages that must hold at 1M complaints.

    make bench-data      # once: manage.py bench_data --complaints 1000000 into $DATABASE_URL
    make bench           # this script; prints the table, saves bench/results/<timestamp>.json
    make bench ARGS="--only board"   # only the paths whose name contains "board"

DATABASE_URL defaults to postgres://postgres@127.0.0.1:5432/crm_bench. BENCH_REQUESTS (default 30)
sets the measured requests per path (after 3 warm-up ones); BENCH_SWEEP (default 10000) the number
of complaints due at once for the SLA sweep.

Each path is requested in-process with django.test.Client (no network, no web server): the time is
the whole Django request (middleware, view, queries, template). One more request runs under
CaptureQueriesContext for the query count; its SELECTs are then re-run on a raw cursor: "sql ms" is
their total (the bare SQL that fetches the same rows) and "ratio" is server median / sql ms. A path
whose URL 404s or errors is recorded as "n/a" with the reason, never a crash.
"""

from __future__ import annotations

import base64
import datetime
import io
import json
import os
import platform
import re
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = Path(__file__).resolve().parent / "results"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/crm_bench"

# Targets printed beside each row: (median ms, queries); None where no bound is set.
TARGETS = {
    "list": (30, 8),
    "api": (30, 8),
    "360": (50, None),
    "search": (50, None),
    "create": (15, 12),
    "page": (None, None),
}
SWEEP_TARGET_PER_SECOND = 2_000
SLOW_SECONDS, SLOW_REQUESTS = 1.0, 3


def setup_django() -> None:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
    os.environ.setdefault("DEBUG", "1")  # development keys; the measuring itself runs with DEBUG off
    import django

    django.setup()


@dataclass
class Row:
    name: str
    kind: str  # a key of TARGETS, or "sweep"
    median_ms: float | None = None
    p95_ms: float | None = None
    queries: int | None = None
    sql_ms: float | None = None
    ratio: float | None = None
    per_second: float | None = None
    note: str = ""
    slowest_sql: str = field(default="", repr=False)

    @property
    def over_target(self) -> bool:
        if self.kind == "sweep":
            return self.per_second is not None and self.per_second < SWEEP_TARGET_PER_SECOND
        ms, queries = TARGETS[self.kind]
        return bool(
            (ms is not None and self.median_ms is not None and self.median_ms > ms)
            or (queries is not None and self.queries is not None and self.queries > queries)
        )

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "kind": self.kind,
            "median_ms": self.median_ms,
            "p95_ms": self.p95_ms,
            "queries": self.queries,
            "sql_ms": self.sql_ms,
            "ratio": self.ratio,
            "per_second": self.per_second,
            "target": self.target_text(),
            "over_target": self.over_target,
            "note": self.note,
            "slowest_sql": self.slowest_sql,
        }

    def target_text(self) -> str:
        if self.kind == "sweep":
            return f"≥ {SWEEP_TARGET_PER_SECOND:,}/s"
        ms, queries = TARGETS[self.kind]
        parts = ([f"≤ {ms} ms"] if ms else []) + ([f"≤ {queries} q"] if queries else [])
        return ", ".join(parts) or "—"


class NotAvailable(Exception):
    """The path cannot be measured now (404, error, missing data): the row reads n/a."""


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))]


def _rerun_selects(captured) -> tuple[float, str]:
    """Re-run the captured SELECTs on a raw cursor: their total time (ms) and the slowest one's SQL."""
    from django.db import connection

    total, slowest, slowest_sql = 0.0, -1.0, ""
    with connection.cursor() as cursor:
        for query in captured:
            sql = query["sql"]
            if not sql.lstrip().upper().startswith("SELECT") or "FOR UPDATE" in sql.upper():
                continue
            started = time.perf_counter()
            cursor.execute(sql)
            cursor.fetchall()
            elapsed = (time.perf_counter() - started) * 1000
            total += elapsed
            if elapsed > slowest:
                slowest, slowest_sql = elapsed, sql
    return total, slowest_sql


def measure(name: str, kind: str, call: Callable[[], object], *, requests: int, warmup: int = 3) -> Row:
    """Time `call` (one request or one service call) `requests` times after `warmup` runs."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    row = Row(name, kind)
    try:
        for index in range(warmup):
            started = time.perf_counter()
            _check(call())
            if index == 0 and time.perf_counter() - started > SLOW_SECONDS:
                # A page that takes seconds gets a few samples, not 30: the verdict is the same.
                requests = min(requests, SLOW_REQUESTS)
                row.note = f"slow: {requests} requests"
                break
        with CaptureQueriesContext(connection) as captured:
            _check(call())
        # Copied now: every request_started signal clears the connection's query log.
        page_queries = list(captured.captured_queries)
        row.queries = len(page_queries)
        timings = []
        for _ in range(requests):
            started = time.perf_counter()
            _check(call())
            timings.append((time.perf_counter() - started) * 1000)
        row.median_ms = round(statistics.median(timings), 1)
        row.p95_ms = round(_percentile(timings, 0.95), 1)
        sql_ms, row.slowest_sql = _rerun_selects(page_queries)
        if sql_ms > 0:
            row.sql_ms = round(sql_ms, 1)
            row.ratio = round(row.median_ms / sql_ms, 1)
    except NotAvailable as reason:
        row.note = f"n/a: {reason}"
    except Exception as error:  # a page being finished by someone else must not stop the bench
        row.note = f"n/a: {type(error).__name__}: {str(error)[:120]}"
    return row


def _check(result):
    status = getattr(result, "status_code", None)
    if status is not None and status >= 400:
        raise NotAvailable(f"HTTP {status}")
    return result


@dataclass
class Fixtures:
    """What the paths need, looked up once in the bench database."""

    admin: object
    city_head: object
    agent: object
    customer_360: object | None
    project: object
    category: object
    unit: object
    phone: str
    name_fragment: str
    full_name: str
    board_deep_cursor: str | None
    api_deep_cursor: str
    customer_deep_cursor: str | None
    work_order_deep_cursor: str | None


def find_fixtures(*, depth_pages: int = 50) -> Fixtures:
    from django.db.models import Count

    from accounts.models import User
    from complaints import selectors
    from complaints.models import Category
    from complaints.views import PAGE_SIZE, DueCursorPaginator
    from core.api import IdCursorPagination
    from customers.models import Customer, CustomerPhone, HouseholdMember
    from demo.management.commands.bench_data import BENCH_360_NAME, BENCH_USERS

    try:
        admin = User.objects.get(username=BENCH_USERS["group_admin"])
        city_head = User.objects.get(username=BENCH_USERS["city_head"])
        agent = User.objects.get(username=BENCH_USERS["agent"])
    except User.DoesNotExist:
        raise SystemExit("No bench users here: run `make bench-data` (manage.py bench_data) first.") from None
    customer_360 = Customer.objects.filter(name=BENCH_360_NAME).first()
    project = agent.projects.order_by("pk").first()
    category = (
        Category.objects.filter(parent__isnull=True, code="quality").first() or Category.objects.first()
    )
    # An ordinary owner (the 21st of the project, past the 360 customer's ten units).
    members = list(
        HouseholdMember.objects.filter(unit__project=project, role="owner")
        .select_related("unit", "customer")
        .order_by("pk")[:21]
    )
    if not members:
        raise SystemExit("The bench agent's project has no owners: is this a bench_data database?")
    member = members[-1]
    phone = CustomerPhone.objects.filter(customer=member.customer).values_list("number", flat=True).first()
    # The deep board page: the row `depth_pages` pages down the city head's board.
    board = selectors.sla_board(user=city_head, filters={}).order_by("current_due", "id")
    deep_rows = list(board[depth_pages * PAGE_SIZE - 1 : depth_pages * PAGE_SIZE]) or list(
        board.reverse()[:1]
    )
    board_cursor = (
        DueCursorPaginator(board, ordering=("current_due", "id")).cursor(deep_rows[0]) if deep_rows else None
    )
    # The deep API page: DRF's cursor is base64("p=<id>") on the -id ordering.
    from complaints.models import Complaint

    visible = Complaint.objects.visible_to(city_head).order_by("-id").values_list("pk", flat=True)
    api_depth = depth_pages * IdCursorPagination.page_size
    deep_id = visible[api_depth - 1 : api_depth].first() or visible.last()
    api_cursor = base64.b64encode(f"p={deep_id}".encode()).decode()
    del Count
    customer_cursor, work_order_cursor = _deep_list_cursors(city_head, depth_pages)
    return Fixtures(
        admin=admin,
        city_head=city_head,
        agent=agent,
        customer_360=customer_360,
        project=project,
        category=category,
        unit=member.unit,
        phone=phone,
        name_fragment=member.customer.name[:2],
        full_name=_three_character_name(project) or member.customer.name,
        board_deep_cursor=board_cursor,
        api_deep_cursor=api_cursor,
        customer_deep_cursor=customer_cursor,
        work_order_deep_cursor=work_order_cursor,
    )


def _deep_list_cursors(user, depth_pages: int) -> tuple[str | None, str | None]:
    """The `after` cursors `depth_pages` pages down the user's customer list and open work orders."""
    from complaints.models import WorkOrder
    from complaints.views import PAGE_SIZE as WORK_ORDER_PAGE_SIZE
    from complaints.views import DueCursorPaginator
    from core.paging import PAGE_SIZE as CUSTOMER_PAGE_SIZE
    from core.paging import NewestFirstPaginator
    from customers import selectors as customer_selectors

    customers = NewestFirstPaginator(customer_selectors.customer_list(user=user, filters={}))
    depth = depth_pages * CUSTOMER_PAGE_SIZE
    # On a small database (the tests), the last row stands in for the deep one.
    customer = customers.queryset.only("pk")[depth - 1 : depth].first() or customers.queryset.last()
    orders = WorkOrder.objects.visible_to(user).exclude(
        status__in=[WorkOrder.Status.DONE, WorkOrder.Status.CANCELLED]
    )
    order_pages = DueCursorPaginator(orders, ordering=("due_at", "id"))
    depth = depth_pages * WORK_ORDER_PAGE_SIZE
    in_order = orders.order_by("due_at", "id").only("pk", "due_at")
    order = in_order[depth - 1 : depth].first() or in_order.last()
    return (
        customers.cursor(customer) if customer else None,
        order_pages.cursor(order) if order else None,
    )


def _three_character_name(project) -> str | None:
    """A full three-character name (王桂英) of an owner in the project: trigram indexes need three."""
    from django.db.models.functions import Length

    from customers.models import Customer

    return (
        Customer.objects.filter(registered_project=project)
        .annotate(length=Length("name"))
        .filter(length=3)
        .order_by("pk")
        .values_list("name", flat=True)
        .first()
    )


def row_counts() -> dict[str, int]:
    from django.db import connection

    tables = [
        "properties_project",
        "properties_unit",
        "customers_customer",
        "customers_customerphone",
        "customers_contract",
        "customers_householdmember",
        "complaints_complaint",
        "complaints_complaintevent",
        "complaints_workorder",
        "complaints_returnvisit",
    ]
    counts = {"estimated_from_pg_class": connection.vendor == "postgresql"}
    with connection.cursor() as cursor:
        for table in tables:
            if connection.vendor == "postgresql":  # the planner's estimate: COUNT(*) on 4M rows takes seconds
                cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE relname = %s", [table])
                estimate = cursor.fetchone()
                if estimate and estimate[0] > 0:
                    counts[table] = int(estimate[0])
                    continue
            cursor.execute(f"SELECT COUNT(*) FROM {table}")
            counts[table] = cursor.fetchone()[0]
    counts["open_complaints"] = _open_count()
    return counts


def _open_count() -> int:
    from complaints.models import Complaint

    return Complaint.objects.open().count()


def machine_info() -> dict:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT version()")
            database = cursor.fetchone()[0]
        else:
            database = f"{connection.vendor} {connection.Database.sqlite_version}"
    try:
        memory_gb = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    except (ValueError, OSError, AttributeError):
        memory_gb = None
    return {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "memory_gb": memory_gb,
        "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None,
        "database": database,
    }


def run_benchmarks(
    *, requests: int = 30, sweep_count: int = 10_000, warmup: int = 3, only: str | None = None
) -> dict:
    """Measure every path (or those whose name contains `only`); returns {"rows": [...], "machine": {...},
    "counts": {...}, ...}."""
    from django.conf import settings

    debug = settings.DEBUG
    settings.DEBUG = False  # as in production: no query log kept per request
    try:
        return _run_all(requests=requests, sweep_count=sweep_count, warmup=warmup, only=only)
    finally:
        settings.DEBUG = debug


class _Rows(list):
    """The measured rows; `wanted(name)` says whether a path passes the --only filter."""

    def __init__(self, only: str | None):
        super().__init__()
        self.only = (only or "").lower()

    def wanted(self, name: str) -> bool:
        return self.only in name.lower()

    def append(self, row: Row) -> None:
        if self.wanted(row.name):
            super().append(row)


def _run_all(*, requests: int, sweep_count: int, warmup: int, only: str | None = None) -> dict:
    from django.core.management import call_command
    from django.test import Client

    from complaints import services

    fx = find_fixtures()
    rows = _Rows(only)

    def measure_wanted(name: str, kind: str, call: Callable[[], object], **kwargs) -> Row:
        return measure(name, kind, call, **kwargs) if rows.wanted(name) else Row(name, kind)

    def client_for(user) -> Client:
        client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
        client.force_login(user)
        return client

    head, admin, agent = client_for(fx.city_head), client_for(fx.admin), client_for(fx.agent)
    timed = dict(requests=requests, warmup=warmup)
    filtered = f"project={fx.project.pk}&category={fx.category.pk}&status=open"

    def get(client, url):
        return lambda: client.get(url)

    def post(client, url, data):  # the search box posts (finding 10.9)
        return lambda: client.post(url, data)

    rows.append(
        measure_wanted(
            "board /complaints/ first page (city head)", "list", get(head, "/complaints/"), **timed
        )
    )
    rows.append(
        measure_wanted("board first page (group admin, all 1M)", "list", get(admin, "/complaints/"), **timed)
    )
    if fx.board_deep_cursor:
        deep = f"/complaints/?after={quote(fx.board_deep_cursor)}"
        rows.append(measure_wanted("board 50 pages deep (keyset cursor)", "list", get(head, deep), **timed))
    else:
        rows.append(Row("board 50 pages deep (keyset cursor)", "list", note="n/a: no open complaints"))
    rows.append(
        measure_wanted(
            "board filtered project+category+open", "list", get(head, f"/complaints/?{filtered}"), **timed
        )
    )
    rows.append(
        measure_wanted("API /api/v1/complaints/ first page", "api", get(head, "/api/v1/complaints/"), **timed)
    )
    rows.append(
        measure_wanted(
            "API 50 pages deep (cursor)",
            "api",
            get(head, f"/api/v1/complaints/?cursor={fx.api_deep_cursor}"),
            **timed,
        )
    )
    rows.append(
        measure_wanted(
            "API filtered project+category+open", "api", get(head, f"/api/v1/complaints/?{filtered}"), **timed
        )
    )
    if fx.customer_360:
        rows.append(
            measure_wanted(
                "customer 360 (10 units, 50 complaints)",
                "360",
                get(head, f"/customers/{fx.customer_360.pk}/"),
                **timed,
            )
        )
    else:
        rows.append(Row("customer 360 (10 units, 50 complaints)", "360", note="n/a: no bench 360 customer"))
    for label, text in (
        ("full phone", fx.phone),
        ("phone tail", fx.phone[-4:]),
        ("name, 2 characters", fx.name_fragment),
        ("name, 3 characters", fx.full_name),
        ("unit code", f"{fx.project.name} {fx.unit.code}"),
    ):
        rows.append(
            measure_wanted(f"search: {label}", "search", post(agent, "/search/", {"q": text}), **timed)
        )

    created: list[int] = []
    complaint_input = dict(
        customer=fx.unit.household.filter(role="owner").get().customer,
        unit=fx.unit,
        category=fx.category.children.order_by("pk").first() or fx.category,
        complaint_type="complaint",
        channel="hotline",
        title="压测：卫生间天花板渗水",
        description="压测创建",
    )

    def create_by_service():
        created.append(services.complaint_create(by=fx.agent, **complaint_input).pk)

    rows.append(measure_wanted("create: services.complaint_create", "create", create_by_service, **timed))
    payload = {
        "customer": complaint_input["customer"].pk,
        "unit": fx.unit.pk,
        "category": complaint_input["category"].pk,
        "complaint_type": "complaint",
        "channel": "hotline",
        "title": "压测：API 创建",
        "description": "压测创建",
    }

    def create_by_api():
        response = agent.post("/api/v1/complaints/", payload, content_type="application/json")
        if response.status_code == 201:
            created.append(response.json()["id"])
        return response

    rows.append(measure_wanted("create: POST /api/v1/complaints/", "create", create_by_api, **timed))
    _delete_complaints(created)

    # The other keyset lists: (name, URL); a deep page only where the data reaches that deep.
    lists = [
        ("customer list first page (city head)", "/customers/"),
        ("customer list 50 pages deep (keyset)", _after("/customers/", fx.customer_deep_cursor)),
        ("work orders /complaints/work-orders/ (city head)", "/complaints/work-orders/"),
        ("work orders 50 pages deep (keyset)", _after("/complaints/work-orders/", fx.work_order_deep_cursor)),
        ("work orders, all (open and done)", "/complaints/work-orders/?show=all"),
    ]
    for name, url in lists:
        if url:
            rows.append(measure_wanted(name, "list", get(head, url), **timed))
    rows.append(
        measure_wanted(
            "supervisor /complaints/supervisor/", "page", get(head, "/complaints/supervisor/"), **timed
        )
    )
    rows.append(measure_wanted("home dashboard / (city head)", "page", get(head, "/"), **timed))
    rows.append(measure_wanted("home dashboard / (group admin)", "page", get(admin, "/"), **timed))
    # The dashboard's counts are kept per scope (DASHBOARD_CACHE_SECONDS): the rows above read them
    # kept; these count anew, as the first view after they expire does.
    rows.append(
        measure_wanted("home dashboard counted anew (city head)", "page", get(head, "/?refresh=1"), **timed)
    )
    rows.append(
        measure_wanted(
            "home dashboard counted anew (group admin)", "page", get(admin, "/?refresh=1"), **timed
        )
    )

    sweep = Row(f"SLA sweep, {sweep_count:,} due at once", "sweep")
    if rows.wanted(sweep.name):
        try:
            out = io.StringIO()
            call_command("bench_sla_sweep", complaints=sweep_count, stdout=out)
            match = re.search(r"in ([\d.]+) s → ([\d,]+) escalations per second", out.getvalue())
            if match:
                sweep.per_second = float(match[2].replace(",", ""))
                sweep.median_ms = round(float(match[1]) * 1000, 1)
            sweep.note = out.getvalue().strip().splitlines()[-1][:200]
        except Exception as error:
            sweep.note = f"n/a: {type(error).__name__}: {str(error)[:120]}"
        rows.append(sweep)
    return {
        "when": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "requests_per_path": requests,
        "only": only or None,
        "machine": machine_info(),
        "counts": row_counts(),
        "rows": [row.as_dict() for row in rows],
    }


def _after(url: str, cursor: str | None) -> str | None:
    """`url` at the page after `cursor`; None without a cursor (the path is not measured)."""
    return f"{url}?after={quote(cursor)}" if cursor else None


def _delete_complaints(pks: list[int]) -> None:
    """Remove what the create paths made, so that reruns measure the same data."""
    from complaints.models import Complaint, ComplaintEvent, SlaAlert
    from notifications.models import Notification

    if not pks:
        return
    SlaAlert.objects.filter(complaint_id__in=pks).delete()
    ComplaintEvent.objects.filter(complaint_id__in=pks).delete()
    Notification.objects.filter(link__in=[f"/complaints/{pk}/" for pk in pks]).delete()
    Complaint.objects.filter(pk__in=pks).delete()


def format_table(result: dict) -> str:
    def number(value, digits=1):
        return "—" if value is None else f"{value:,.{digits}f}"

    header = f"{'path':46} {'median':>8} {'p95':>8} {'queries':>7} {'sql ms':>8} {'ratio':>6}  {'target':18} "
    lines = [header, "-" * len(header)]
    for row in result["rows"]:
        if row["note"].startswith("n/a"):
            lines.append(f"{row['name']:46} {row['note']}")
            continue
        if row["kind"] == "sweep":
            rate = f"{row['per_second']:,.0f}/s" if row["per_second"] else "—"
            flag = "  OVER" if row["over_target"] else ""
            lines.append(
                f"{row['name']:46} {rate:>8} {'':>8} {'':>7} {'':>8} {'':>6}  {row['target']:18}{flag}"
            )
            continue
        flag = "  OVER" if row["over_target"] else ""
        lines.append(
            f"{row['name']:46} {number(row['median_ms']):>8} {number(row['p95_ms']):>8} "
            f"{row['queries'] if row['queries'] is not None else '—':>7} {number(row['sql_ms']):>8} "
            f"{number(row['ratio']):>6}  {row['target']:18}{flag}"
            + (f" ({row['note']})" if row["note"] else "")
        )
    counts = result["counts"]
    lines.append("")
    lines.append(
        "rows: "
        + ", ".join(
            f"{table.split('_', 1)[-1]} {count:,}"
            for table, count in counts.items()
            if not isinstance(count, bool)
        )
        + f" — {result['machine']['cpus']} CPUs, load {result['machine']['load_average']}"
    )
    lines.append("times in ms, median/p95 over the measured requests; ratio = server median / bare SQL")
    if counts.get("estimated_from_pg_class"):
        lines.append("table sizes are the planner's estimates (pg_class.reltuples); open complaints counted")
    return "\n".join(lines)


def save(result: dict) -> Path:
    RESULTS_DIR.mkdir(exist_ok=True)
    path = RESULTS_DIR / f"{datetime.datetime.now(datetime.UTC):%Y%m%dT%H%M%SZ}.json"
    path.write_text(json.dumps(result, ensure_ascii=False, indent=2, default=str))
    return path


def main(argv: list[str] | None = None) -> None:
    import argparse

    parser = argparse.ArgumentParser(description="Scale benchmark (make bench).")
    parser.add_argument(
        "--only", metavar="TEXT", help="measure only the paths whose name contains TEXT, e.g. --only board"
    )
    options = parser.parse_args(argv)
    setup_django()
    requests = int(os.environ.get("BENCH_REQUESTS", "30"))
    sweep = int(os.environ.get("BENCH_SWEEP", "10000"))
    result = run_benchmarks(requests=requests, sweep_count=sweep, only=options.only)
    print(format_table(result))
    print(f"\nsaved {save(result).relative_to(ROOT)}")


if __name__ == "__main__":
    main()
