"""bench_data writes consistent rows (derived columns as save() writes them, SLA fields as the sweep
leaves them), and bench/run.py's measuring returns every path with its figures."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import BooleanField, Count, ExpressionWrapper, F, Q
from django.utils import timezone

from bench import run as bench_run
from bench import timing as bench_timing
from complaints import sla, work_order_deadlines
from complaints.models import (
    Complaint,
    ComplaintEvent,
    OpenComplaintCount,
    ReturnVisit,
    SlaAlert,
    Status,
    WorkOrder,
    WorkOrderAlert,
)
from core.masking import mask_id_number
from customers.models import Customer, CustomerPhone, HouseholdMember, pii_hash
from demo.bench_data import BENCH_360_NAME, BENCH_USERS
from properties.models import Unit

pytestmark = pytest.mark.django_db

TINY = dict(
    complaints=400,
    units=80,
    customers=120,
    cities=2,
    projects_per_city=2,
    survey_responses=50,
    members=60,
    quiet=True,
)


@pytest.fixture
def bench_db():
    call_command("bench_data", **TINY)


@pytest.mark.skipif(connection.vendor == "postgresql", reason="the size limit applies to SQLite only")
def test_bench_data_refuses_a_large_run_on_sqlite():
    with pytest.raises(CommandError, match="PostgreSQL"):
        call_command("bench_data", complaints=1_000_000, quiet=True)
    assert not Complaint.objects.exists()


def test_bench_data_refuses_to_fill_a_database_twice(bench_db):
    with pytest.raises(CommandError, match="already holds bench data"):
        call_command("bench_data", **TINY)


def test_units_carry_their_buildings_project_and_code(bench_db):
    units = list(Unit.objects.select_related("building"))
    assert len(units) == 80
    assert all(u.project_id == u.building.project_id for u in units)
    assert all(u.code == Unit.make_code(u.building.number, u.entrance, u.number) for u in units)


def test_phones_last4_and_id_numbers_are_derived_as_save_does(bench_db):
    phones = list(CustomerPhone.objects.all())
    assert len(phones) >= 120
    assert all(p.last4 == p.number[-4:] and len(p.number) == 11 for p in phones)
    assert CustomerPhone.objects.filter(is_primary=True).count() == Customer.objects.count()
    with_id = list(Customer.objects.exclude(id_number_hash=""))
    assert with_id, "some bench customers carry an ID number"
    for customer in with_id:  # decrypts: the stored cipher text is what the field itself writes
        assert customer.id_number_hash == pii_hash(customer.id_number)
        assert customer.id_number_masked == mask_id_number(customer.id_number)


def test_customers_carry_their_latest_contracts_dates_and_households_their_project(bench_db):
    """bench_data's COPY goes through customers_refresh_contract_dates and copies the unit's project."""
    from customers.models import latest_active_contract

    customers = list(Customer.objects.all())
    with_dates = 0
    for customer in customers:
        latest = latest_active_contract(customer.pk).first()
        expected = (latest.signed_on, latest.handed_over_on) if latest else (None, None)
        assert (customer.latest_signed_on, customer.latest_handed_over_on) == expected, customer.pk
        with_dates += latest is not None
    assert with_dates > len(customers) / 3
    assert not HouseholdMember.objects.exclude(project_id=F("unit__project_id")).exists()


def test_open_complaints_sla_fields_are_where_the_sweep_would_leave_them(bench_db):
    now = timezone.now()
    complaints = list(Complaint.objects.all())
    assert len(complaints) == 400
    open_ = [c for c in complaints if c.is_open]
    assert 0 < len(open_) < 0.15 * len(complaints)
    for c in complaints:
        if not c.is_open or c.status == Status.RESOLVED:
            assert (c.sla_target, c.sla_next_check_at) == ("", None)
        elif c.is_paused:
            assert c.sla_target and c.sla_next_check_at is None
        else:
            assert c.sla_target == sla.pending_targets(c)[0]
            # Nothing is overdue for the sweep; only a fully escalated clock stops checking.
            assert (c.sla_next_check_at is None) == (c.escalation_level == 3)
            assert c.sla_next_check_at is None or c.sla_next_check_at > now
    # The proof: a sweep right now finds nothing to fire.
    assert sla.sla_sweep(now=now) == 0
    assert not SlaAlert.objects.exists()


def test_open_work_orders_deadlines_are_where_the_sweep_would_leave_them(bench_db):
    now = timezone.now()
    orders = list(WorkOrder.objects.all())
    assert any(o.is_open for o in orders) and any(not o.is_open for o in orders)
    for order in orders:
        if not order.is_open:
            assert (order.warned, order.escalation_level, order.next_check_at) == (False, 0, None)
        else:
            assert (order.next_check_at is None) == (order.escalation_level == 3)
            assert order.next_check_at is None or order.next_check_at > now
    assert work_order_deadlines.work_order_escalation_sweep(now=now) == 0


def test_the_work_order_sweep_is_measured_and_cleans_up(bench_db):
    orders = WorkOrder.objects.count()
    result = bench_run.run_benchmarks(requests=1, warmup=0, sweep_count=20, only="work-order sweep")
    [row] = result["rows"]
    assert row["name"] == "work-order sweep, 20 due at once"
    assert row["per_second"] > 0, row["note"]
    assert "60 alerts" in row["note"]
    assert WorkOrder.objects.count() == orders and not WorkOrderAlert.objects.exists()
    assert Complaint.objects.count() == 400


def test_children_follow_their_complaints(bench_db):
    assert ComplaintEvent.objects.filter(kind="created").count() == 400
    closed = Complaint.objects.filter(status=Status.CLOSED)
    assert ReturnVisit.objects.count() == closed.count()
    assert not closed.filter(closed_at__isnull=True).exists()
    assert not WorkOrder.objects.filter(complaint__plan_agreed_at__isnull=True).exists()
    assert not Complaint.objects.exclude(unit__project_id=F("project_id")).exists()
    # The load runs without triggers: it writes each order's copy of its complaint's project itself.
    assert WorkOrder.objects.exists()
    assert not WorkOrder.objects.exclude(project_id=F("complaint__project_id")).exists()


def test_the_boards_kept_counts_are_counted_after_the_load(bench_db):
    """The load skips triggers (replica mode on PostgreSQL; none on SQLite): it counts them itself."""
    kept = set(OpenComplaintCount.objects.values_list("project_id", "paused", "count"))
    clocked = Complaint.objects.open().exclude(sla_target="")
    live = {
        (row["project_id"], row["paused"], row["n"])
        for row in clocked.annotate(paused=ExpressionWrapper(Q(paused_at__isnull=False), BooleanField()))
        .values("project_id", "paused")
        .annotate(n=Count("pk"))
    }
    assert live and kept == live


def test_the_survey_responses_carry_their_final_recommend_score(bench_db):
    """COPY bypasses the submit that writes it: the load fills it from the answers, as the submit would."""
    from django.db.models import Max, OuterRef, Subquery

    from surveys.models import Answer, Invitation

    final = Answer.objects.filter(invitation=OuterRef("pk"), role="recommend", is_final=True).order_by()
    responses = Invitation.objects.filter(completed_at__isnull=False).annotate(
        answered=Subquery(final.values("invitation").annotate(top=Max("score")).values("top"))
    )
    assert responses.count() >= 50
    assert all(score is not None for score in responses.values_list("recommend_score", flat=True))
    assert not responses.exclude(recommend_score=F("answered")).exists()
    assert not Invitation.objects.filter(completed_at__isnull=True, recommend_score__isnull=False).exists()


def test_bench_customer_has_ten_units_and_fifty_complaints(bench_db):
    customer = Customer.objects.annotate(units=Count("households", distinct=True)).get(name=BENCH_360_NAME)
    assert customer.units == 10
    assert Complaint.objects.filter(customer=customer).count() == 50


def test_new_rows_get_fresh_ids_after_the_load(bench_db):
    """The sequences moved past the copied ids (PostgreSQL), so the next insert does not collide."""
    customer = Customer.objects.order_by("pk").first()
    phone = CustomerPhone.objects.create(customer=customer, number="13900001234")
    assert phone.pk > CustomerPhone.objects.exclude(pk=phone.pk).order_by("-pk").first().pk
    assert HouseholdMember.objects.exists()


def test_bench_users_exist_with_their_scopes(bench_db):
    from accounts.models import User

    agent = User.objects.get(username=BENCH_USERS["agent"])
    assert agent.projects.count() == 2
    assert User.objects.get(username=BENCH_USERS["city_head"]).city_companies.count() == 1
    assert User.objects.get(username=BENCH_USERS["group_admin"]).scope.is_unrestricted


def test_run_benchmarks_returns_every_path_with_its_figures(bench_db):
    result = bench_run.run_benchmarks(requests=2, warmup=0, sweep_count=20, outbox_count=50)
    assert {"when", "requests_per_path", "machine", "counts", "rows"} <= result.keys()
    assert result["counts"]["complaints_complaint"] == 400
    names = [row["name"] for row in result["rows"]]
    for expected in ("board /complaints/ first page", "API 50 pages deep", "customer 360", "search: phone tail",
                     "create: services.complaint_create", "create: POST /api/v1/complaints/", "SLA sweep"):  # fmt: skip
        assert any(name.startswith(expected) for name in names), expected
    for row in result["rows"]:
        assert {
            "median_ms",
            "p95_ms",
            "queries",
            "sql_ms",
            "ratio",
            "target",
            "over_target",
            "note",
        } <= row.keys()
    service_create = next(r for r in result["rows"] if r["name"] == "create: services.complaint_create")
    assert service_create["note"] == "" and service_create["median_ms"] > 0 and service_create["queries"] > 0
    api_first = next(r for r in result["rows"] if r["name"].startswith("API /api/v1/complaints/"))
    assert api_first["note"] == "" and api_first["sql_ms"] > 0
    # The lists beside the board measured for real (not n/a), the deep pages with a cursor.
    for name in ("customer list first page", "customer list 50 pages deep", "work orders /complaints/",
                 "work orders, all"):  # fmt: skip
        row = next(r for r in result["rows"] if r["name"].startswith(name))
        assert row["note"] == "" and row["queries"] > 0, row
    outbox = next(r for r in result["rows"] if r["name"].startswith("Outbox, 50 messages"))
    assert outbox["per_second"] > 0 and "(0 lost, 0 sent twice)" in outbox["note"], outbox
    # The create paths clean up after themselves.
    assert Complaint.objects.count() == 400
    assert "path" in bench_run.format_table(result)


def test_only_measures_the_paths_whose_name_contains_the_text(bench_db):
    result = bench_run.run_benchmarks(requests=1, warmup=0, sweep_count=5, only="PHONE")
    assert [row["name"] for row in result["rows"]] == ["search: full phone", "search: phone tail"]
    assert result["only"] == "PHONE"


def test_run_benchmarks_restores_debug(bench_db):
    from django.conf import settings as django_settings

    before = django_settings.DEBUG
    bench_run.run_benchmarks(requests=1, warmup=0, sweep_count=5, outbox_count=5)
    assert before == django_settings.DEBUG


def test_percentile_picks_the_95th_value():
    assert bench_timing._percentile([float(v) for v in range(1, 101)], 0.95) == 95.0
    assert bench_timing._percentile([3.0], 0.95) == 3.0


def test_the_home_work_queue_and_the_dashboards_page_are_measured(bench_db):
    result = bench_run.run_benchmarks(requests=1, warmup=0, sweep_count=5, only="dashboard")
    result["rows"] += bench_run.run_benchmarks(requests=1, warmup=0, sweep_count=5, only="work queue")["rows"]
    names = [row["name"] for row in result["rows"]]
    assert "home work queue / (agent)" in names and "dashboards page counted anew (group admin)" in names
    for row in result["rows"]:
        assert row["note"] == "" and row["queries"] > 0, row
