"""The daily complaint digest: each city company's figures of the day, to its own heads and managers only,
once per person and day, with absolute links, on beat's daily schedule."""

import datetime
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Role
from complaints import digest, tasks
from complaints.models import Complaint, GroupCase, SlaAlert
from complaints.services import complaint_create
from core.models import OutboxMessage
from core.outbox import outbox_drain
from crm.celery import app as celery_app
from tests.factories import CityCompanyFactory, ProjectFactory, UserFactory

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = datetime.date(2026, 11, 2)
ROOT = Path(__file__).resolve().parents[2]


def at(*args):
    return datetime.datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def clock():
    """The morning after DAY, when beat sends DAY's digest."""
    with time_machine.travel(at(2026, 11, 3, 8, 0), tick=False) as traveller:
        yield traveller


@pytest.fixture
def file_complaint(group_admin, leak):
    """A complaint of `project` registered at `when` (local time)."""

    def file(project, when, *, title="车库漏水", severity="normal"):
        with time_machine.travel(when, tick=False):
            return complaint_create(
                by=group_admin,
                customer=None,
                reporter_name="王先生",
                reporter_phone="13900000000",
                project=project,
                category=leak,
                complaint_type="complaint",
                channel="hotline",
                title=title,
                description="地下车库B2层持续漏水",
                severity=severity,
            )

    return file


def alert(complaint, level, fired_at):
    return SlaAlert.objects.create(
        complaint=complaint, target="first_response", level=level, fired_at=fired_at, due_at=fired_at
    )


def close(complaint):
    Complaint.objects.filter(pk=complaint.pk).update(status="closed")


@pytest.fixture
def day_of_complaints(clock, project, other_project, file_complaint):
    """DAY in 深圳公司 (sz) and 武汉公司 (wh): what each digest must report, and what it must not."""
    sz, wh = {}, {}
    sz["new"] = file_complaint(project, at(2026, 11, 2, 0, 0), title="零点整登记")
    sz["new_major"] = file_complaint(
        project, at(2026, 11, 2, 9, 30), title="重大：外墙脱落", severity="major"
    )
    sz["new_group"] = file_complaint(project, at(2026, 11, 2, 23, 59), title="群诉：停车位", severity="group")
    sz["yesterday"] = file_complaint(project, at(2026, 11, 1, 23, 59), title="前一天登记")
    alert(sz["yesterday"], 1, at(2026, 11, 2, 10, 0))  # breached on DAY …
    alert(sz["yesterday"], 2, at(2026, 11, 2, 14, 0))  # … and escalated to the city company
    alert(sz["new"], 1, at(2026, 11, 1, 22, 0))  # fired the day before: not DAY's
    alert(sz["new_major"], 1, at(2026, 11, 3, 0, 0))  # fired on the 3rd: tomorrow's digest
    sz["in_case"] = file_complaint(project, at(2026, 10, 20, 9, 0), title="同一栋楼渗水")
    case = GroupCase.objects.create(title="3栋渗水", project=project, category=sz["in_case"].category)
    GroupCase.objects.filter(pk=case.pk).update(number="QS-202610-0001")
    Complaint.objects.filter(pk=sz["in_case"].pk).update(group_case=case)
    close(file_complaint(project, at(2026, 10, 20, 10, 0), title="已关闭的重大", severity="major"))

    wh["new"] = file_complaint(other_project, at(2026, 11, 2, 12, 0), title="武汉新投诉")
    wh["old_major"] = file_complaint(other_project, at(2026, 10, 1, 9, 0), title="武汉重大", severity="major")
    wh["escalated"] = file_complaint(other_project, at(2026, 10, 30, 9, 0), title="武汉升级")
    alert(wh["escalated"], 3, at(2026, 11, 2, 18, 0))
    file_complaint(other_project, at(2026, 11, 3, 0, 0), title="今天登记")  # the day after DAY
    return sz, wh


def numbers(section):
    return [line.number for line in section.lines]


def test_each_city_company_digest_has_its_own_figures_of_the_local_day(day_of_complaints):
    sz, wh = day_of_complaints

    digests = {d.city_code: d for d in digest.city_digests(day=DAY)}

    shenzhen, wuhan = digests["sz"], digests["wh"]
    assert numbers(shenzhen.new) == [sz["new"].number, sz["new_major"].number, sz["new_group"].number]
    assert numbers(shenzhen.breached) == [sz["yesterday"].number]
    assert numbers(shenzhen.escalated) == [sz["yesterday"].number]
    assert numbers(shenzhen.open_major) == [sz["new_major"].number]
    assert numbers(shenzhen.open_group) == [sz["in_case"].number, sz["new_group"].number]
    assert shenzhen.open_group.lines[0].group_case_number == "QS-202610-0001"
    assert numbers(wuhan.new) == [wh["new"].number]
    assert (wuhan.breached.total, numbers(wuhan.escalated)) == (0, [wh["escalated"].number])
    assert numbers(wuhan.open_major) == [wh["old_major"].number]
    assert wuhan.open_group.total == 0


def test_a_complaint_with_several_alerts_on_the_day_counts_once(clock, project, file_complaint):
    complaint = file_complaint(project, at(2026, 11, 1, 9, 0))
    for target in ("first_response", "plan"):
        SlaAlert.objects.create(
            complaint=complaint,
            target=target,
            level=1,
            fired_at=at(2026, 11, 2, 9, 0),
            due_at=at(2026, 11, 2, 9, 0),
        )

    (shenzhen,) = digest.city_digests(day=DAY, city_codes=["sz"])

    assert shenzhen.breached.total == 1 and len(shenzhen.breached.lines) == 1


def test_lists_stop_at_ten_and_say_how_many_more(clock, project, file_complaint, city_head):
    for minute in range(12):
        file_complaint(project, at(2026, 11, 2, 9, minute), title=f"投诉{minute}")
    city_head.email = "head@sz.example.com"
    city_head.save()

    (shenzhen,) = digest.city_digests(day=DAY)
    subject, body = digest.digest_email(shenzhen)

    assert shenzhen.new.total == 12 and len(shenzhen.new.lines) == digest.LIST_LIMIT == 10
    assert [line.title for line in shenzhen.new.lines] == [f"投诉{minute}" for minute in range(10)]
    assert "… and 2 more" in body
    assert subject == "Complaint digest 深圳公司 2026-11-02: 12 new, 0 breached, 0 escalated"


@pytest.fixture
def recipients(city, other_city, project, other_project):
    """Who hears of which city company, and who of neither."""
    return {
        "sz_head": UserFactory(role=Role.CITY_HEAD, city_companies=[city], email="head@sz.example.com"),
        "sz_manager": UserFactory(role=Role.CS_SUPERVISOR, city_companies=[city], email="cs@sz.example.com"),
        "wh_head": UserFactory(role=Role.CITY_HEAD, city_companies=[other_city], email="head@wh.example.com"),
        # Not the digest's readers: a project's supervisor, an agent, a head who has left.
        "sz_project_supervisor": UserFactory(
            role=Role.CS_SUPERVISOR, projects=[project], email="project-cs@sz.example.com"
        ),
        "sz_agent": UserFactory(role=Role.CS_AGENT, city_companies=[city], email="agent@sz.example.com"),
        "sz_former_head": UserFactory(
            role=Role.CITY_HEAD, city_companies=[city], email="former@sz.example.com", is_active=False
        ),
    }


def test_heads_and_managers_get_their_own_city_company_digest_only(day_of_complaints, recipients):
    sz, wh = day_of_complaints

    digest.complaint_digests_send()

    emails = {m.recipient: m for m in OutboxMessage.objects.filter(kind="complaint_digest")}
    assert set(emails) == {"head@sz.example.com", "cs@sz.example.com", "head@wh.example.com"}
    shenzhen, wuhan = emails["head@sz.example.com"].body, emails["head@wh.example.com"].body
    assert emails["cs@sz.example.com"].body == shenzhen
    assert all(complaint.number in shenzhen for complaint in sz.values())
    assert not any(complaint.number in shenzhen for complaint in wh.values())
    assert all(complaint.number in wuhan for complaint in wh.values())
    assert not any(complaint.number in wuhan for complaint in sz.values())
    assert emails["head@wh.example.com"].recipient_user_id == recipients["wh_head"].pk
    assert emails["head@wh.example.com"].idempotency_key == (
        f"complaint-digest.wh.2026-11-02.user-{recipients['wh_head'].pk}"
    )


def test_a_second_run_the_same_day_queues_nothing_twice(day_of_complaints, recipients):
    first = tasks.send_complaint_digests.delay().get()
    second = tasks.send_complaint_digests.delay().get()

    assert (first, second) == (3, 0)
    assert OutboxMessage.objects.filter(kind="complaint_digest").count() == 3
    assert outbox_drain(channel="email").sent == 3
    assert sorted(message.to[0] for message in mail.outbox) == [
        "cs@sz.example.com",
        "head@sz.example.com",
        "head@wh.example.com",
    ]


def test_a_recipient_without_email_is_skipped_and_reached_by_a_rerun_once_they_have_one(
    day_of_complaints, recipients
):
    head = recipients["wh_head"]
    head.email = ""
    head.save()

    (_shenzhen, wuhan) = digest.complaint_digests_send()
    assert (wuhan.queued, wuhan.without_email) == (0, [head.pk])

    head.email = "new-head@wh.example.com"
    head.save()
    (shenzhen, wuhan) = digest.complaint_digests_send()

    assert (shenzhen.queued, shenzhen.already_queued) == (0, 2)
    assert (wuhan.queued, wuhan.without_email) == (1, [])
    assert OutboxMessage.objects.filter(recipient="new-head@wh.example.com").count() == 1


def test_links_are_absolute_under_site_url(settings, day_of_complaints, recipients):
    settings.SITE_URL = "https://crm.example.com"
    sz, _wh = day_of_complaints

    digest.complaint_digests_send(city_codes=["sz"])

    body = OutboxMessage.objects.get(recipient="head@sz.example.com").body
    for complaint in sz.values():
        assert f"\n  https://crm.example.com/complaints/{complaint.pk}/\n" in body
    assert "The SLA board: https://crm.example.com/complaints/\n" in body
    assert "http://localhost" not in body


def test_a_city_company_with_nothing_to_report_sends_nothing(day_of_complaints, recipients):
    quiet = CityCompanyFactory(code="cd", name="成都公司")
    ProjectFactory(city_company=quiet)
    UserFactory(role=Role.CITY_HEAD, city_companies=[quiet], email="head@cd.example.com")

    results = {r.digest.city_code: r for r in digest.complaint_digests_send()}

    assert results["cd"].skipped_as_quiet and results["cd"].queued == 0
    assert not OutboxMessage.objects.filter(recipient="head@cd.example.com").exists()


def test_the_digest_is_written_in_the_site_language(settings, day_of_complaints, recipients):
    settings.LANGUAGE_CODE = "zh-hans"

    digest.complaint_digests_send(city_codes=["wh"])

    message = OutboxMessage.objects.get(recipient="head@wh.example.com")
    assert message.subject.startswith("投诉日报 武汉公司 2026-11-02")
    assert "新增投诉：1\n" in message.body


def test_a_day_not_over_and_an_unknown_city_company_are_refused(clock, city):
    with pytest.raises(ValidationError, match="once the day is over"):
        digest.complaint_digests_send(day=datetime.date(2026, 11, 3))
    with pytest.raises(ValidationError, match="nowhere"):
        digest.complaint_digests_send(city_codes=["nowhere"])


def test_command_resends_a_past_day_for_one_city_company_with_a_line_per_city(day_of_complaints, recipients):
    out = StringIO()

    call_command("send_complaint_digest", "--date", "2026-11-02", "--city", "wh", stdout=out)
    call_command("send_complaint_digest", "--date", "2026-11-02", "--city", "wh", stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[0] == (
        "wh 武汉公司 2026-11-02: new 1, breached 0, escalated 1, open_major 1, open_group 0 "
        "→ 1 queued, 0 queued by an earlier run"
    )
    assert lines[1] == "1 emails queued for 1 city companies."
    assert lines[2].endswith("→ 0 queued, 1 queued by an earlier run")
    assert OutboxMessage.objects.filter(kind="complaint_digest").count() == 1


def test_command_refuses_a_malformed_date_and_today(clock, city):
    with pytest.raises(CommandError, match="--date must be a date"):
        call_command("send_complaint_digest", "--date", "2.11.2026")
    with pytest.raises(CommandError, match="once the day is over"):
        call_command("send_complaint_digest", "--date", "2026-11-03")


def _queries_of_a_run() -> int:
    OutboxMessage.objects.all().delete()
    with CaptureQueriesContext(connection) as queries:
        digest.complaint_digests_send()
    return len(queries)


def test_queries_do_not_grow_with_the_complaints(
    day_of_complaints, recipients, project, other_project, file_complaint
):
    few = _queries_of_a_run()
    for minute in range(15):
        for target in (project, other_project):
            complaint = file_complaint(target, at(2026, 11, 2, 11, minute), severity="major")
            alert(complaint, 1, at(2026, 11, 2, 15, minute))
            alert(complaint, 2, at(2026, 11, 2, 16, minute))

    many = _queries_of_a_run()

    # 1 city companies + 5 figures + 1 recipients, then per city company with recipients: a savepoint
    # pair around 1 read of the keys already queued and 1 insert.
    assert few == many == 7 + 2 * 4


# --- the schedule --------------------------------------------------------------------------------


def test_beat_sends_the_digest_daily_at_the_configured_local_time(settings):
    entry = celery_app.conf.beat_schedule["send-complaint-digests"]
    schedule = entry["schedule"]
    schedule.app = celery_app

    assert entry["task"] == "complaints.tasks.send_complaint_digests"
    assert (schedule.hour, schedule.minute) == ({8}, {0})
    # The crontab counts in CELERY_TIMEZONE (Asia/Shanghai): 08:00 there is midnight UTC.
    last_run = datetime.datetime(2026, 11, 2, 0, 0, tzinfo=datetime.UTC)
    start, delta, _now = schedule.remaining_delta(last_run)
    assert start + delta == at(2026, 11, 3, 8, 0)


def _settings_with(expression: str, **env: str) -> subprocess.CompletedProcess:
    """Load the settings in a fresh interpreter under `env` and print `expression` of them (`s`)."""
    bare = {key: os.environ[key] for key in ("PATH", "HOME", "LANG", "SYSTEMROOT") if key in os.environ}
    bare.update({"DJANGO_SETTINGS_MODULE": "crm.settings", "DEBUG": "1", **env})
    script = f"import django; django.setup(); from django.conf import settings as s; print({expression})"
    return subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=bare, capture_output=True, text=True, timeout=120
    )


DIGEST_CRONTAB = "s.CELERY_BEAT_SCHEDULE['send-complaint-digests']['schedule']"


def test_the_digest_time_setting_builds_the_crontab():
    result = _settings_with(DIGEST_CRONTAB, COMPLAINT_DIGEST_TIME="07:30")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "<crontab: 30 7 * * * (m/h/dM/MY/d)>"


@pytest.mark.parametrize("value", ["7h30", "25:00", "07:30:15", "07:30+08:00", ""])
def test_a_bad_digest_time_stops_the_start_with_a_clear_message(value):
    result = _settings_with(DIGEST_CRONTAB, COMPLAINT_DIGEST_TIME=value)

    assert result.returncode != 0
    assert "ImproperlyConfigured: COMPLAINT_DIGEST_TIME must be" in result.stderr
    assert repr(value) in result.stderr


def test_site_url_defaults_to_the_first_trusted_origin_and_refuses_a_bare_host_name():
    from_origin = _settings_with(
        "s.SITE_URL", CSRF_TRUSTED_ORIGINS="https://crm.example.com/,https://b.example.com"
    )
    bare_host = _settings_with("s.SITE_URL", SITE_URL="crm.example.com")

    assert from_origin.stdout.strip().splitlines()[-1] == "https://crm.example.com"
    assert bare_host.returncode != 0
    assert "SITE_URL must be an address such as https://crm.example.com" in bare_host.stderr
