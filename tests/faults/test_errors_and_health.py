"""Issue 18, parts 2, 6 and 7: /healthz says which part is down; a database error is the CRM's 503
page (or JSON under /api/), never a traceback; an empty REMOTE_ADDR is no 500."""

import datetime

import pytest
from django.db import InterfaceError, OperationalError
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from core.middleware import UNKNOWN_CLIENT, TrustedProxyMiddleware, client_ip
from core.models import Heartbeat
from crm import health

pytestmark = pytest.mark.django_db


# --- /healthz ---------------------------------------------------------------------------------


def test_healthz_lists_every_part_and_is_200_when_all_answer(client):
    Heartbeat.record(Heartbeat.SWEEP)

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["checks"] == {"database": "ok", "broker": "ok", "cache": "ok", "sweep": "ok"}


def test_healthz_is_503_with_the_broker_at_a_dead_redis(client, broker_down):
    Heartbeat.record(Heartbeat.SWEEP)

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["checks"]["broker"] == "down"
    assert response.json()["checks"]["database"] == "ok"


def test_healthz_reports_a_dead_cache_as_degraded_not_unavailable(client, cache_down):
    Heartbeat.record(Heartbeat.SWEEP)

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["checks"]["cache"] == "down"


def test_healthz_calls_the_sweep_late_after_n_periods(client, settings):
    settings.SLA_SWEEP_SECONDS, settings.HEALTH_SWEEP_LATE_PERIODS = 60, 5
    Heartbeat.record(Heartbeat.SWEEP, now=timezone.now() - datetime.timedelta(seconds=4 * 60))
    assert client.get("/healthz").json()["checks"]["sweep"] == "ok"

    Heartbeat.record(Heartbeat.SWEEP, now=timezone.now() - datetime.timedelta(seconds=6 * 60))
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["checks"]["sweep"] == "late"


def test_healthz_says_never_before_the_first_sweep(client):
    assert client.get("/healthz").json()["checks"]["sweep"] == "never"


def test_healthz_is_503_when_the_database_is_down(client, monkeypatch):
    class DownDatabase:
        def cursor(self):
            raise OperationalError("could not connect to server")

    monkeypatch.setattr(health, "connection", DownDatabase())
    monkeypatch.setattr(health, "_sweep_state", lambda database_ok, now: ("never", None))

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "down"


# --- Database errors during a request -----------------------------------------------------------


@pytest.mark.parametrize("error", [OperationalError, InterfaceError])
def test_a_database_error_on_a_page_is_the_chinese_503_page_without_a_traceback(
    settings, supervisor, monkeypatch, error
):
    from complaints.views import board

    def gone(*args, **kwargs):
        raise error("connection already closed TRACEBACK-MARKER")

    monkeypatch.setattr(board, "render", gone)
    settings.DEBUG = False
    client = Client(raise_request_exception=False)
    client.force_login(supervisor)

    response = client.get(reverse("complaints:board"))

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    html = response.content.decode()
    assert "服务暂时不可用" in html
    assert "TRACEBACK-MARKER" not in html and "Traceback" not in html


def test_a_database_error_under_the_api_is_a_json_503(settings, supervisor, monkeypatch):
    from complaints.api import complaints as api_views

    def gone(*args, **kwargs):
        raise OperationalError("could not connect TRACEBACK-MARKER")

    monkeypatch.setattr(api_views.ComplaintViewSet, "list", gone)
    settings.DEBUG = False
    client = Client(raise_request_exception=False)
    client.force_login(supervisor)

    response = client.get("/api/v1/complaints/")

    assert response.status_code == 503
    assert response.json()["code"] == "unavailable"
    assert "TRACEBACK-MARKER" not in response.content.decode()


def test_any_other_error_is_still_the_500_page(settings, supervisor, monkeypatch):
    from complaints.views import board

    def bug(*args, **kwargs):
        raise RuntimeError("a bug TRACEBACK-MARKER")

    monkeypatch.setattr(board, "render", bug)
    settings.DEBUG = False
    client = Client(raise_request_exception=False)
    client.force_login(supervisor)

    response = client.get(reverse("complaints:board"))

    assert response.status_code == 500
    assert "系统出现错误" in response.content.decode()
    assert "TRACEBACK-MARKER" not in response.content.decode()


# --- An empty REMOTE_ADDR (gunicorn on a unix socket) -------------------------------------------


def test_an_empty_remote_addr_counts_as_the_unknown_client():
    request = RequestFactory().get("/", REMOTE_ADDR="")

    assert client_ip(request) == UNKNOWN_CLIENT


def test_an_empty_remote_addr_posts_the_public_complaint_form_instead_of_a_500(client, project, leak):
    response = client.post(
        reverse("public:submit"),
        {
            "name": "李娜",
            "phone": "139 0000 1234",
            "project": project.pk,
            "unit_text": "",
            "complaint_type": "complaint",
            "category": leak.pk,
            "description": "卫生间漏水",
        },
        REMOTE_ADDR="",
    )

    assert response.status_code == 302


def test_behind_our_proxy_on_a_unix_socket_the_client_is_the_proxys_x_forwarded_for(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    seen = {}

    def view(request):
        seen["ip"] = client_ip(request)

    TrustedProxyMiddleware(view)(
        RequestFactory().get("/", REMOTE_ADDR="", HTTP_X_FORWARDED_FOR="9.9.9.9, 203.0.113.5")
    )

    assert seen["ip"] == "203.0.113.5"


def test_without_trusted_proxies_a_unix_socket_peer_s_forwarded_for_is_not_believed(settings):
    settings.TRUSTED_PROXIES = []
    seen = {}

    def view(request):
        seen["ip"] = client_ip(request)

    TrustedProxyMiddleware(view)(
        RequestFactory().get("/", REMOTE_ADDR="", HTTP_X_FORWARDED_FOR="203.0.113.5")
    )

    assert seen["ip"] == UNKNOWN_CLIENT
