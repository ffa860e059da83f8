"""The weekly dashboard report: each city company's figures of last week against the week before, one
email per manager of that city company (HTML with a plain-text part, through the outbox), never twice
for a week, never to anyone of another city company; on beat's Monday schedule."""

import dataclasses
import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError

from accounts.models import Role
from core.models import OutboxMessage
from core.outbox import OutgoingMessage, outbox_drain
from crm.celery import app as celery_app
from dashboards.measures import base
from dashboards.measures.base import Period, PeriodKind, Ratio
from dashboards.measures.engine import dashboard_panels, scope_from_params
from dashboards.reports import tasks, weekly
from tests.dashboards.report_sources import HANDLED, HOURS, ON_TIME, OPEN, register_fake_desk
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY_MORNING = datetime.datetime(2026, 3, 9, 8, 0, tzinfo=SHANGHAI)
LAST_WEEK = Period.containing(PeriodKind.WEEK, datetime.date(2026, 3, 2))


@pytest.fixture
def clock():
    with time_machine.travel(MONDAY_MORNING, tick=False) as traveller:
        yield traveller


@pytest.fixture
def desk(monkeypatch, project, other_project):
    test_desk = register_fake_desk(monkeypatch)
    test_desk.cells = {
        project.pk: {
            HANDLED.key: (Ratio(1205, 1), Ratio(807, 1)),
            ON_TIME.key: (Ratio(9, 10), Ratio(6, 8)),
            HOURS.key: (Ratio(30, 4), Ratio(20, 2)),
            OPEN.key: (Ratio(3, 1), Ratio(0, 0)),
        },
        other_project.pk: {HANDLED.key: (Ratio(777, 1), Ratio(90, 1))},
    }
    return test_desk


@pytest.fixture
def managers(city, other_city, project):
    return {
        "head": UserFactory(role=Role.CITY_HEAD, city_companies=[city], email="head@sz.example.com"),
        "cs_manager": UserFactory(role=Role.CS_SUPERVISOR, city_companies=[city], email="csm@sz.example.com"),
        "other_head": UserFactory(
            role=Role.CITY_HEAD, city_companies=[other_city], email="head@wh.example.com"
        ),
        # Not the city company's managers: a supervisor of one project, an agent, the group.
        "project_supervisor": UserFactory(
            role=Role.CS_SUPERVISOR, projects=[project], email="ps@example.com"
        ),
        "agent": UserFactory(role=Role.CS_AGENT, city_companies=[city], email="agent@example.com"),
        "admin": UserFactory(role=Role.GROUP_ADMIN, email="admin@example.com"),
        "left": UserFactory(
            role=Role.CITY_HEAD, city_companies=[city], email="gone@example.com", is_active=False
        ),
    }


def test_monday_task_emails_last_weeks_figures_to_each_city_companys_managers(clock, desk, managers, city):
    assert tasks.send_weekly_dashboard_reports.delay().get() == 3

    rows = {row.recipient: row for row in OutboxMessage.objects.filter(kind=weekly.MESSAGE_KIND)}
    assert set(rows) == {"head@sz.example.com", "csm@sz.example.com", "head@wh.example.com"}
    head = rows["head@sz.example.com"]
    assert head.recipient_user_id == managers["head"].pk
    assert head.idempotency_key == f"dashboard-weekly.sz.2026-W10.user-{managers['head'].pk}"
    assert head.subject == "Weekly report 深圳公司, 2026-W10 (2026-03-02 – 2026-03-08)"
    # The city company's figures of last week and the week before, as its dashboard shows them.
    assert "- Cases handled: 1,205 (week before 807, change +398)" in head.body
    assert "- Answered on time: 90.0% (week before 75.0%, change +15.0 pp)" in head.body
    assert "- Mean time to close: 7.5 h (week before 10.0 h, change −2.5)" in head.body
    assert "- Open now: 3 (now)" in head.body
    assert "777" not in head.body  # another city company's figure
    assert "/dashboards/?period=week&on=2026-03-02&city=" + str(city.pk) in head.body
    for text in ("1,205", "90.0%", "+15.0 pp", "Open the dashboard", f"city={city.pk}"):
        assert text in head.html_body
    wuhan = rows["head@wh.example.com"]
    assert "- Cases handled: 777 (week before 90, change +687)" in wuhan.body
    assert "1,205" not in wuhan.body


def test_the_email_holds_the_figures_of_dashboard_panels_for_the_week(clock, desk, managers, city):
    weekly.weekly_reports_send()
    head = managers["head"]
    panels = dashboard_panels(head, scope_from_params(head, {"city": str(city.pk)}), LAST_WEEK)
    body = OutboxMessage.objects.get(recipient="head@sz.example.com").body
    for panel in panels:
        for figure in panel.figures:
            assert f"- {figure.measure.label}: " in body
    assert panels[0].figures[0].value == 1205  # the test desk comes first (order 5)


def test_a_rerun_queues_nothing_twice_and_reaches_a_manager_who_has_an_address_now(clock, desk, managers):
    managers["cs_manager"].email = ""
    managers["cs_manager"].save()
    first = {result.city_code: result for result in weekly.weekly_reports_send()}
    assert (first["sz"].queued, first["sz"].without_email) == (1, [managers["cs_manager"].pk])

    again = {result.city_code: result for result in weekly.weekly_reports_send()}
    assert (again["sz"].queued, again["sz"].already_queued) == (0, 1)
    assert tasks.send_weekly_dashboard_reports.delay().get() == 0
    assert OutboxMessage.objects.filter(kind=weekly.MESSAGE_KIND).count() == 2

    managers["cs_manager"].email = "csm@sz.example.com"
    managers["cs_manager"].save()
    assert tasks.send_weekly_dashboard_reports.delay().get() == 1
    assert OutboxMessage.objects.filter(kind=weekly.MESSAGE_KIND).count() == 3


def test_a_manager_of_two_city_companies_gets_each_ones_report(clock, desk, city, other_city):
    both = UserFactory(role=Role.CITY_HEAD, city_companies=[city, other_city], email="both@example.com")
    weekly.weekly_reports_send(city_codes=["wh"])
    (row,) = OutboxMessage.objects.filter(kind=weekly.MESSAGE_KIND)
    assert row.idempotency_key == f"dashboard-weekly.wh.2026-W10.user-{both.pk}" and "777" in row.body
    weekly.weekly_reports_send()
    assert sorted(OutboxMessage.objects.values_list("idempotency_key", flat=True)) == [
        f"dashboard-weekly.sz.2026-W10.user-{both.pk}",
        f"dashboard-weekly.wh.2026-W10.user-{both.pk}",
    ]


def test_nothing_is_sent_while_no_panel_records_anything(clock, desk, managers, monkeypatch):
    for source in base.registered_sources():
        monkeypatch.setitem(
            base._SOURCES, source.key, dataclasses.replace(source, is_recording=lambda: False)
        )
    assert tasks.send_weekly_dashboard_reports.delay().get() == 0
    assert not OutboxMessage.objects.exists()


def test_the_email_leaves_as_html_with_a_plain_text_part(clock, desk, managers):
    weekly.weekly_reports_send(city_codes=["wh"])
    outbox_drain(channel="email")
    (email,) = mail.outbox
    assert email.to == ["head@wh.example.com"]
    assert "- Cases handled: 777" in email.body
    ((html, content_type),) = email.alternatives
    assert content_type == "text/html" and "<table" in html and "777" in html


def test_only_an_email_carries_an_html_text():
    message = OutgoingMessage(
        channel="sms",
        recipient="13900000000",
        kind="x",
        idempotency_key="k",
        body="hi",
        html_body="<b>hi</b>",
    )
    with pytest.raises(ValidationError):
        message.as_row(datetime.datetime.now(tz=SHANGHAI))


def test_last_full_week_is_the_iso_week_before_this_one():
    for moment in (MONDAY_MORNING, datetime.datetime(2026, 3, 15, 23, 59, tzinfo=SHANGHAI)):
        assert weekly.last_full_week(moment) == LAST_WEEK
    assert weekly.iso_week_label(LAST_WEEK) == "2026-W10"


def test_beat_sends_the_weekly_report_on_monday_at_eight_local_time():
    entry = celery_app.conf.beat_schedule["send-weekly-dashboard-reports"]
    schedule = entry["schedule"]
    schedule.app = celery_app
    assert entry["task"] == "dashboards.reports.tasks.send_weekly_dashboard_reports"
    assert entry["task"] in celery_app.tasks
    last_run = datetime.datetime(2026, 3, 2, 0, 0, tzinfo=datetime.UTC)  # Monday 08:00 in Shanghai
    start, delta, _now = schedule.remaining_delta(last_run)
    assert start + delta == MONDAY_MORNING


def test_the_email_is_written_in_the_sites_language(clock, desk, managers, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    weekly.weekly_reports_send(city_codes=["sz"])
    head = OutboxMessage.objects.get(recipient="head@sz.example.com")
    assert head.subject.startswith("周报 深圳公司，2026-W10")
    assert "前一周 807，变化 +398" in head.body
    assert "打开看板" in head.html_body
