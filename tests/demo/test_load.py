"""The load test's database side (bench/load_setup.py) and its figures (bench/load_report.py): the
sessions it writes log the users in, the sweep's lag is read from the SLA alerts, the clean-up leaves
nothing behind, and the report's percentiles, errors and targets."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from accounts.models import ApiToken
from bench import load_report, load_setup
from complaints import sla
from complaints.models import Complaint, SlaAlert, SlaPolicy
from surveys.models import Campaign

pytestmark = pytest.mark.django_db

TINY = dict(
    complaints=200,
    units=60,
    customers=80,
    cities=2,
    projects_per_city=2,
    survey_responses=0,
    members=0,
    quiet=True,
)


@pytest.fixture
def bench_db():
    call_command("bench_data", **TINY)


def test_the_users_sessions_log_in_and_the_clean_up_ends_them(bench_db):
    users = load_setup.prepare_users()
    assert users["agents"] and users["supervisors"] and users["managers"]
    agent = users["agents"][0]
    assert agent["owners"][0]["customer"] and agent["owners"][0]["unit_code"]
    client = Client()
    client.cookies["sessionid"] = agent["session"]
    assert client.get("/complaints/").status_code == 200
    api = Client(HTTP_AUTHORIZATION=f"Token {users['integration']['token']}")
    assert api.get("/api/v1/complaints/").status_code == 200
    # Made once: a second run finds the managers and the integration user.
    assert len(load_setup.prepare_users()["managers"]) == len(users["managers"])

    load_setup.clean_up({"users": users}, since=timezone.now())
    assert not Session.objects.filter(session_key=agent["session"]).exists()
    assert not ApiToken.objects.filter(pk=users["integration"]["token_id"]).exists()
    assert client.get("/complaints/").status_code == 302  # to the login


def test_the_sweeps_lag_is_read_from_the_alerts(bench_db):
    now = timezone.now()
    planted = load_setup.plant_due_complaints(
        count=4,
        first_due=now - datetime.timedelta(seconds=400),
        last_due=now - datetime.timedelta(seconds=300),
    )
    started, ended = (now - datetime.timedelta(seconds=500)).timestamp(), now.timestamp()
    before = load_setup.sweep_lag(planted, started=started, ended=ended, period=30)
    assert before["steps_fired"] == 0 and before["steps_missed"] > 0  # nothing swept yet

    sla.sla_sweep(now=now)  # one sweep, late for every step
    late = load_setup.sweep_lag(planted, started=started, ended=ended, period=30)
    # Each complaint: the warning and levels 1–3, 45, 60, 120 and 180 s after it was received.
    assert late["steps_fired"] == 16
    assert late["lag_max_s"] == pytest.approx(400, abs=1)  # the first warning, due 400 s before the sweep
    allowed = datetime.timedelta(seconds=60)  # two periods of 30 s
    alerts = SlaAlert.objects.filter(complaint__project_id=planted["project"])
    assert late["steps_missed"] == sum(1 for a in alerts if a.fired_at - _scheduled(a) > allowed) > 0
    on_time = load_setup.sweep_lag(planted, started=started, ended=ended, period=300)
    assert on_time["steps_missed"] == 0

    load_setup.clean_up({"planted": planted}, since=now)
    assert not Complaint.objects.filter(project_id=planted["project"]).exists()
    assert not SlaPolicy.objects.filter(pk=planted["policy"]).exists()


def _scheduled(alert: SlaAlert) -> datetime.datetime:
    offsets = {0: -datetime.timedelta(seconds=15), 1: datetime.timedelta(0), 2: datetime.timedelta(minutes=1)}
    return alert.due_at + offsets.get(alert.level, datetime.timedelta(minutes=2))


def test_the_campaign_is_selected_and_cleaned_up(bench_db):
    campaign = load_setup.prepare_campaign(count=10)
    assert 0 < campaign["selected"] <= 10
    assert load_setup.campaign_progress(campaign["campaign"])["invitations"] == campaign["selected"]
    load_setup.clean_up({"campaign": campaign}, since=timezone.now())
    assert not Campaign.objects.filter(pk=campaign["campaign"]).exists()


def test_the_report_gives_percentiles_errors_and_targets():
    times = [float(ms) for ms in range(1, 101)]  # 1 … 100 ms
    samples = {
        "started": 1000.0,
        "samples": {
            "50": {"agent: SLA board /complaints/": times, "manager: dashboards /dashboards/": [900.0]},
            "200": {"agent: SLA board /complaints/": [5.0, 7.0]},
        },
        "errors": {"200": {"agent: SLA board /complaints/: HTTP 502": 1}},
    }
    cpu = [(1000.0, {"gunicorn": 0.0}), (1060.0, {"gunicorn": 6.0}), (1120.0, {"gunicorn": 6.0})]
    result = load_report.build_result(
        samples,
        stages=[50, 200],
        stage_seconds=60,
        settings={},
        sweep=SWEEP,
        bulk_send=SEND,
        load_averages=[1.0, 3.0],
        cpu_samples=cpu,
        machine={},
    )
    fifty, two_hundred = result["by_stage"]
    board = fifty["pages"]["agent: SLA board /complaints/"]
    assert (board["p50_ms"], board["p95_ms"], board["p99_ms"]) == (50.0, 95.0, 99.0)
    assert fifty["agent_pages"]["requests"] == 100  # the manager's page is not an agent's
    assert fifty["all"]["per_second"] == pytest.approx(101 / 60, abs=0.01)
    assert fifty["cpu"]["gunicorn_cpu_ms_per_request"] == pytest.approx(6000 / 101, abs=0.1)
    assert two_hundred["pages"]["agent: SLA board /complaints/"]["errors"] == 1
    targets = result["targets"]
    assert targets["agent_p95_met"] and targets["sweep_on_time"]
    assert targets["errors"] == 1 and not targets["no_errors"] and not targets["all_met"]
    assert "agent pages" in load_report.format_table(result)


SWEEP = {
    "sweep_period_s": 30,
    "allowed_lag_s": 60,
    "steps_fired": 10,
    "steps_pending_at_end": 0,
    "steps_missed": 0,
    "lag_p50_s": 5.0,
    "lag_p95_s": 20.0,
    "lag_max_s": 25.0,
}
SEND = {"invitations_sent": 0, "invitations": 0, "campaign_status": "open", "messages_delivered": 0}
