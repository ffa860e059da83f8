import datetime
import smtplib
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.mail.backends import locmem

from complaints import sla
from complaints.models import Complaint, ComplaintEvent, SlaAlert, SlaPolicy, SlaTarget
from complaints.services import (
    complaint_agree_plan,
    complaint_dispatch,
    complaint_pause,
    complaint_respond,
    complaint_resume,
)
from core.models import OutboxMessage
from core.outbox import outbox_drain
from notifications.models import Notification
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(*args):
    return datetime.datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def clock():
    with time_machine.travel(at(2026, 11, 2, 10, 0), tick=False) as traveller:
        yield traveller


def test_new_complaint_is_due_for_first_response_within_24_hours(clock, make_complaint):
    complaint = make_complaint()
    assert complaint.number.startswith("TS-202611-")
    assert complaint.first_response_due_at == at(2026, 11, 3, 10, 0)
    assert complaint.sla_target == SlaTarget.FIRST_RESPONSE
    # Warning at 75 % of the 24 hours.
    assert complaint.sla_next_check_at == at(2026, 11, 3, 4, 0)


def test_repair_policy_counts_working_time_across_national_day(make_complaint):
    with time_machine.travel(at(2026, 9, 30, 17, 30), tick=False):
        complaint = make_complaint(complaint_type="repair")
    # 9 working hours from 17:30 on the eve of the holiday: 30 minutes that day, the rest after the break.
    assert complaint.sla_policy.name.startswith("报修")
    assert complaint.first_response_due_at.astimezone(SHANGHAI).date() > datetime.date(2026, 10, 7)


def test_sweep_warns_then_escalates_each_level_once(clock, make_complaint, supervisor, city_head):
    complaint = make_complaint()
    clock.move_to(at(2026, 11, 3, 4, 1))
    assert sla.sla_sweep() == 1
    complaint.refresh_from_db()
    assert complaint.sla_warned and complaint.escalation_level == 0
    assert sla.sla_sweep() == 0  # nothing new: a rerun fires nothing twice
    clock.move_to(at(2026, 11, 3, 10, 0))
    assert sla.sla_sweep() == 1
    clock.move_to(at(2026, 11, 3, 14, 0))
    assert sla.sla_sweep() == 1
    clock.move_to(at(2026, 11, 4, 10, 0))
    assert sla.sla_sweep() == 1
    complaint.refresh_from_db()
    assert complaint.escalation_level == 3
    assert complaint.sla_next_check_at is None
    assert list(SlaAlert.objects.order_by("level").values_list("level", flat=True)) == [0, 1, 2, 3]
    assert Notification.objects.filter(recipient=city_head, kind="sla_escalation_3").count() == 1
    assert Notification.objects.filter(recipient=supervisor, kind="sla_escalation_1").count() == 1
    assert ComplaintEvent.objects.filter(complaint=complaint, kind="escalated").count() == 3


def test_sweep_after_an_outage_fires_every_missed_step_the_warning_first_marked_late(clock, make_complaint):
    # Issue 13: the warning whose moment passed unswept is no longer skipped.
    complaint = make_complaint()
    clock.move_to(at(2026, 11, 5, 10, 0))
    assert sla.sla_sweep() == 4
    assert list(SlaAlert.objects.order_by("level").values_list("level", flat=True)) == [0, 1, 2, 3]
    warning = ComplaintEvent.objects.get(complaint=complaint, kind="sla_warning")
    assert "(late)" in warning.note and warning.data["late"] is True
    assert Notification.objects.get(kind="sla_warning").title == warning.note


def test_first_response_stops_the_clock_and_starts_the_plan_target(clock, make_complaint, agent):
    complaint = make_complaint()
    complaint_respond(complaint=complaint, by=agent, method="call", content="已致电业主，安排明天上门查看")
    complaint.refresh_from_db()
    assert complaint.first_responded_at == at(2026, 11, 2, 10, 0)
    assert complaint.sla_target == SlaTarget.PLAN
    assert complaint.escalation_level == 0 and not complaint.sla_warned


def test_pause_moves_due_times_by_the_paused_time(clock, make_complaint, agent):
    complaint = make_complaint()
    complaint_pause(complaint=complaint, by=agent, reason="业主出差，下周回来")
    clock.move_to(at(2026, 11, 4, 10, 0))
    assert sla.sla_sweep() == 0  # paused: nothing fires
    complaint_resume(complaint=Complaint.objects.get(pk=complaint.pk), by=agent)
    complaint.refresh_from_db()
    assert complaint.first_response_due_at == at(2026, 11, 5, 10, 0)
    assert complaint.sla_next_check_at == at(2026, 11, 5, 4, 0)


def test_interrupted_batch_is_redone_by_the_next_sweep(clock, make_complaint, monkeypatch):
    for _ in range(3):
        make_complaint()
    clock.move_to(at(2026, 11, 3, 10, 0))

    def crash(*args, **kwargs):
        raise RuntimeError("worker killed")

    monkeypatch.setattr(sla, "_recipients", crash)
    with pytest.raises(RuntimeError):
        sla.sla_sweep()
    assert not SlaAlert.objects.exists()
    monkeypatch.undo()
    assert sla.sla_sweep() == 6  # each: the late warning and level 1
    assert SlaAlert.objects.count() == 6


def test_the_sweep_queues_its_alert_emails_in_its_batch_and_the_outbox_sends_them_once_committed(
    clock, make_complaint, agent, django_capture_on_commit_callbacks, mailoutbox
):
    """Issue 12: the step's email is an outbox row written with the alert; once the batch commits,
    the outbox's sender runs and the handler gets the warning by email."""
    agent.email = "agent@example.com"
    agent.save(update_fields=["email"])
    make_complaint()
    clock.move_to(at(2026, 11, 3, 4, 1))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert sla.sla_sweep() == 1
    assert len(callbacks) == 1
    assert [message.to for message in mailoutbox] == [["agent@example.com"]]
    message = OutboxMessage.objects.get()
    assert (message.status, message.kind, message.recipient_user) == ("sent", "sla_warning", agent)


def test_an_escalation_email_refused_by_the_mail_server_is_retried_not_lost(
    clock, make_complaint, agent, mailoutbox, monkeypatch
):
    """Issue 12: the old path marked the alert emailed before sending, so an SMTP error lost the
    email for good. Now the outbox row stays pending with a backoff and goes out on the next try."""
    agent.email = "agent@example.com"
    agent.save(update_fields=["email"])
    make_complaint()
    clock.move_to(at(2026, 11, 3, 4, 1))
    assert sla.sla_sweep() == 1

    def refuse(self, messages):
        raise smtplib.SMTPDataError(451, b"try again later")

    with monkeypatch.context() as patch:
        patch.setattr(locmem.EmailBackend, "send_messages", refuse)
        assert outbox_drain(channel="email").retried == 1
    message = OutboxMessage.objects.get()
    assert message.status == "pending" and "451" in message.last_error and not mailoutbox

    clock.move_to(message.next_attempt_at)
    assert outbox_drain(channel="email").sent == 1
    assert [m.to for m in mailoutbox] == [["agent@example.com"]]


def test_a_sweep_batch_that_dies_queues_no_email(clock, make_complaint, agent, monkeypatch):
    agent.email = "agent@example.com"
    agent.save(update_fields=["email"])
    make_complaint()
    clock.move_to(at(2026, 11, 3, 10, 0))
    monkeypatch.setattr(ComplaintEvent.objects, "bulk_create", crash)
    with pytest.raises(RuntimeError):
        sla.sla_sweep()
    assert not OutboxMessage.objects.exists() and not SlaAlert.objects.exists()


def crash(*args, **kwargs):
    raise RuntimeError("worker killed")


def test_sweep_is_a_constant_number_of_queries_per_batch(
    clock, make_complaint, django_assert_max_num_queries
):
    for _ in range(20):
        make_complaint()
    clock.move_to(at(2026, 11, 3, 10, 0))
    # policies, savepoint+select, update, savepoint+alerts, events, projects, staff, notifications, + on_commit
    with django_assert_max_num_queries(14):
        assert sla.sla_sweep() == 40  # each: the late warning and level 1


def test_most_specific_policy_wins(leak):
    specific = SlaPolicy.objects.create(name="渗漏", category=leak, first_response_minutes=60)
    SlaPolicy.objects.create(name="房屋质量", category=leak.parent, first_response_minutes=120)
    assert sla.policy_for(complaint_type="complaint", category=leak, severity="normal") == specific


def test_dispatch_and_plan_move_the_complaint_along(clock, make_complaint, supervisor, agent):
    complaint = make_complaint()
    handler = UserFactory(role="cs_agent", projects=[complaint.project])
    complaint_dispatch(complaint=complaint, by=supervisor, department="engineering", handler=handler)
    complaint_agree_plan(complaint=Complaint.objects.get(pk=complaint.pk), by=agent, plan="明天上门堵漏")
    complaint.refresh_from_db()
    assert complaint.status == "plan_agreed"
    assert complaint.sla_target == SlaTarget.RESOLUTION
    assert Notification.objects.filter(recipient=handler, kind="assigned").exists()


@pytest.mark.parametrize("count", [2, 20])
def test_sweep_with_emails_is_a_constant_number_of_queries_per_batch(
    count, clock, make_complaint, agent, supervisor, django_assert_num_queries
):
    agent.email, supervisor.email = "agent@example.com", "supervisor@example.com"
    agent.save(update_fields=["email"])
    supervisor.save(update_fields=["email"])
    for _ in range(count):
        make_complaint()
    clock.move_to(at(2026, 11, 3, 4, 0))  # the warnings, on time (else they fire late with level 1)
    sla.sla_sweep()
    OutboxMessage.objects.all().delete()
    clock.move_to(at(2026, 11, 3, 10, 0))
    # policies; savepoint, SELECT … FOR UPDATE, UPDATE; savepoint, alerts, release; events; projects;
    # staff; notifications; the recipients' addresses; the outbox rows (one INSERT); release.
    # The empty second batch is not claimed: the first was smaller than the batch size.
    with django_assert_num_queries(14):
        sla.sla_sweep()
    assert OutboxMessage.objects.count() == 2 * count  # the handler and the supervisor, per complaint
