"""The outbox (core.outbox): written in the caller's transaction, sent at least once, never lost."""

import datetime

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from accounts.services import staff_set_role
from core.models import OutboxMessage
from core.outbox import (
    OutgoingMessage,
    PermanentSendError,
    Provider,
    TemporarySendError,
    drain,
    message_enqueue,
    messages_enqueue,
    messages_resend,
    messages_send_now,
    outbox_drain,
    providers,
    retry_delay,
)
from core.outbox.providers import email_message_id
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NOW = timezone.make_aware(datetime.datetime(2026, 12, 1, 9, 0))


def sms(key: str, text: str = "您好", phone: str = "13812345678") -> OutgoingMessage:
    return OutgoingMessage(channel="sms", recipient=phone, kind="test", idempotency_key=key, body=text)


def email(key: str, to: str = "agent@example.com") -> OutgoingMessage:
    return OutgoingMessage(
        channel="email", recipient=to, kind="test", idempotency_key=key, subject=f"subject {key}", body="body"
    )


def later(seconds: float) -> datetime.datetime:
    return NOW + datetime.timedelta(seconds=seconds)


# --- writing ---------------------------------------------------------------------------------------


def test_a_message_is_written_in_the_callers_transaction_and_rolls_back_with_it():
    with pytest.raises(RuntimeError), transaction.atomic():
        messages_enqueue([sms("rolled-back")], now=NOW)
        assert OutboxMessage.objects.filter(idempotency_key="rolled-back").exists()
        raise RuntimeError("the event failed")
    assert not OutboxMessage.objects.exists()


def test_enqueueing_the_same_key_twice_is_one_message(sms_outbox):
    messages_enqueue([sms("once"), sms("once")], now=NOW)
    message_enqueue(
        channel="sms", recipient="13900001234", kind="test", idempotency_key="once", body="x", now=NOW
    )
    assert OutboxMessage.objects.count() == 1
    assert outbox_drain(channel="sms", now=NOW).sent == 1
    assert [m.phone for m in sms_outbox] == ["13812345678"]


def test_a_message_needs_a_known_channel_a_recipient_and_a_text():
    from django.core.exceptions import ValidationError

    for bad in (
        OutgoingMessage(channel="fax", recipient="1", kind="k", idempotency_key="a", body="x"),
        OutgoingMessage(channel="sms", recipient="", kind="k", idempotency_key="b", body="x"),
        OutgoingMessage(channel="sms", recipient="1", kind="k", idempotency_key="c"),
    ):
        with pytest.raises(ValidationError):
            messages_enqueue([bad])


def test_once_committed_the_senders_start_and_send(django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        messages_enqueue([email("committed")])
    assert len(callbacks) == 1
    assert [m.subject for m in mailoutbox] == ["subject committed"]
    sent = OutboxMessage.objects.get()
    assert sent.status == "sent" and sent.attempts == 1 and sent.sent_at is not None
    assert sent.provider_message_id == mailoutbox[0].extra_headers["Message-ID"]


def test_an_emails_message_id_is_its_idempotency_key_under_the_senders_domain(settings):
    settings.DEFAULT_FROM_EMAIL = "客服中心 <crm@example.com>"
    assert email_message_id("sla-alert.5.plan.0.2.user-7") == "<sla-alert.5.plan.0.2.user-7@example.com>"
    assert email_message_id("a b:c") == "<a%20b%3Ac@example.com>"


# --- at least once, never lost ---------------------------------------------------------------------


def test_a_sender_killed_between_acceptance_and_marking_loses_nothing_and_resends_with_the_same_key(
    mailoutbox, monkeypatch, settings
):
    """The provider accepted the email, then the sender died before marking it sent: the row is
    still pending, comes back after the lease and is sent again with the same Message-ID."""
    messages_enqueue([email("kill-me")], now=NOW)

    def killed(*args, **kwargs):
        raise SystemExit("worker killed")

    with monkeypatch.context() as patch:
        patch.setattr(drain, "_record", killed)  # the marking, after the provider accepted
        with pytest.raises(SystemExit):
            outbox_drain(channel="email", now=NOW)
    assert len(mailoutbox) == 1  # accepted by the provider
    row = OutboxMessage.objects.get()
    assert row.status == "pending" and row.attempts == 1

    assert outbox_drain(channel="email", now=later(60)).sent == 0  # its lease still runs
    assert outbox_drain(channel="email", now=later(settings.OUTBOX_LEASE_SECONDS)).sent == 1

    row.refresh_from_db()
    assert row.status == "sent" and row.attempts == 2
    first, second = mailoutbox
    assert first.extra_headers["Message-ID"] == second.extra_headers["Message-ID"] == row.provider_message_id


def test_a_temporary_failure_is_retried_with_exponential_backoff_until_it_goes(settings, sms_outbox):
    settings.SMS_PROVIDER = "tests.core.test_outbox.FlakyGateway"
    FlakyGateway.failures = 2
    messages_enqueue([sms("flaky")], now=NOW)

    assert outbox_drain(channel="sms", now=NOW).retried == 1
    row = OutboxMessage.objects.get()
    assert row.next_attempt_at == NOW + retry_delay(1) and "gateway busy" in row.last_error
    assert outbox_drain(channel="sms", now=NOW + retry_delay(1) - datetime.timedelta(seconds=1)).retried == 0

    second_try = NOW + retry_delay(1)
    assert outbox_drain(channel="sms", now=second_try).retried == 1
    row.refresh_from_db()
    assert row.next_attempt_at == second_try + retry_delay(2)
    assert retry_delay(2) == 2 * retry_delay(1)

    assert outbox_drain(channel="sms", now=row.next_attempt_at).sent == 1
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == ("sent", 3, "")
    assert [m.idempotency_key for m in FlakyGateway.accepted] == ["flaky"]


def test_after_the_last_attempt_a_message_fails_and_the_admin_resend_sends_it(settings, sms_outbox):
    settings.SMS_PROVIDER = "tests.core.test_outbox.FlakyGateway"
    settings.OUTBOX_MAX_ATTEMPTS = 3
    FlakyGateway.failures = 3
    messages_enqueue([sms("hopeless")], now=NOW)
    when = NOW
    for _attempt in range(3):
        outbox_drain(channel="sms", now=when)
        when = OutboxMessage.objects.get().next_attempt_at
    row = OutboxMessage.objects.get()
    assert (row.status, row.attempts) == ("failed", 3)
    assert outbox_drain(channel="sms", now=later(10**6)).sent == 0  # failed stays failed

    assert messages_resend(ids=[row.pk], now=later(10**6)) == 1
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == ("pending", 0, "")
    assert outbox_drain(channel="sms", now=later(10**6)).sent == 1


def test_a_permanent_refusal_fails_at_once(settings):
    settings.SMS_PROVIDER = "tests.core.test_outbox.RefusingGateway"
    messages_enqueue([sms("no-such-number")], now=NOW)
    assert outbox_drain(channel="sms", now=NOW).failed == 1
    row = OutboxMessage.objects.get()
    assert (row.status, row.attempts) == ("failed", 1) and "invalid number" in row.last_error


def test_a_message_that_kills_its_sender_every_time_ends_failed_instead_of_looping(settings, monkeypatch):
    settings.OUTBOX_MAX_ATTEMPTS = 2
    messages_enqueue([sms("poison")], now=NOW)
    monkeypatch.setattr(providers.LocmemSmsProvider, "send", lambda self, message: exit("segfault"))
    when = NOW
    for _attempt in range(2):
        with pytest.raises(SystemExit):
            outbox_drain(channel="sms", now=when)
        when += datetime.timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)
    monkeypatch.undo()
    assert outbox_drain(channel="sms", now=when).failed == 1
    assert OutboxMessage.objects.get().status == "failed"


def test_a_sender_out_of_time_gives_the_untried_rest_back(sms_outbox, monkeypatch):
    from celery.exceptions import SoftTimeLimitExceeded

    messages_enqueue([sms(f"slow-{n}") for n in range(3)], now=NOW)
    sent = []

    def send_two(self, message):
        if len(sent) == 2:
            raise SoftTimeLimitExceeded()
        sent.append(message.idempotency_key)
        return message.idempotency_key

    monkeypatch.setattr(providers.LocmemSmsProvider, "send", send_two)
    outbox_drain(channel="sms", now=NOW)
    rows = dict(OutboxMessage.objects.values_list("idempotency_key", "status"))
    assert rows == {"slow-0": "sent", "slow-1": "sent", "slow-2": "pending"}
    untried = OutboxMessage.objects.get(idempotency_key="slow-2")
    assert untried.attempts == 0 and untried.next_attempt_at == NOW  # due again at once, no try counted


def test_a_one_time_code_is_erased_once_sent_and_never_resent(sms_outbox):
    message_enqueue(
        channel="sms",
        recipient="13812345678",
        kind="code",
        idempotency_key="code-1",
        body="code 123456",
        is_secret=True,
    )
    result = messages_send_now(idempotency_keys=["code-1"])
    assert result.sent == 1 and sms_outbox[0].text == "code 123456"
    row = OutboxMessage.objects.get()
    assert row.status == "sent" and row.body == ""
    OutboxMessage.objects.filter(pk=row.pk).update(status="failed")
    assert messages_resend(ids=[row.pk]) == 0


# --- queries -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [2, 20])
def test_a_batch_costs_the_same_queries_whatever_its_size(count, django_assert_num_queries, settings):
    settings.SMS_PROVIDER = "tests.core.test_outbox.FlakyGateway"
    FlakyGateway.failures = 0
    FlakyGateway.refuse_every = 2  # half sent, half retried: both UPDATEs run
    messages_enqueue([sms(f"q-{n}") for n in range(count)], now=NOW)
    # claim: savepoint, SELECT … FOR UPDATE SKIP LOCKED, UPDATE (attempt, lease), release;
    # record: one UPDATE for the sent rows, one for the refused. The batch is smaller than
    # OUTBOX_BATCH_SIZE, so the sender stops without claiming again.
    with django_assert_num_queries(6):
        result = outbox_drain(channel="sms", now=NOW)
    assert (result.sent, result.retried) == (count // 2, count // 2)


# --- a burst -----------------------------------------------------------------------------------------


def test_a_burst_of_10000_messages_is_sent_each_exactly_once(sms_outbox, settings):
    settings.OUTBOX_BATCH_SIZE = 500
    keys = [f"burst-{n:05d}" for n in range(10_000)]
    messages_enqueue([sms(key) for key in keys], now=NOW)
    result = outbox_drain(channel="sms", now=NOW, max_seconds=600)
    assert result.sent == 10_000 and result.batches == 20
    assert sorted(m.idempotency_key for m in sms_outbox) == keys  # none lost, none twice
    assert not OutboxMessage.objects.exclude(status="sent").exists()


# --- the channels' providers -------------------------------------------------------------------------


def test_each_channel_uses_the_provider_its_setting_names(settings, sms_outbox, wechat_outbox, mailoutbox):
    messages_enqueue(
        [
            sms("p-sms", text="验证码 654321"),
            email("p-email"),
            OutgoingMessage(
                channel="wechat",
                recipient="o6_bmjrPTlm6_2sgVt7hMZOPfL2M",
                kind="handover_reminder",
                idempotency_key="p-wechat",
                body="交房提醒",
                template_code="handover_reminder",
                template_params={"unit": "3-1-502"},
            ),
        ],
        now=NOW,
    )
    for channel in ("sms", "email", "wechat"):
        assert outbox_drain(channel=channel, now=NOW).sent == 1
    assert sms_outbox == [providers.TextMessage("13812345678", "验证码 654321", "p-sms")]
    assert [m.to for m in mailoutbox] == [["agent@example.com"]]
    (wechat,) = wechat_outbox
    assert (wechat.openid, wechat.template_code, wechat.params) == (
        "o6_bmjrPTlm6_2sgVt7hMZOPfL2M",
        "handover_reminder",
        {"unit": "3-1-502"},
    )


@pytest.mark.parametrize(
    ("setting", "provider", "folder_setting"),
    [
        ("SMS_PROVIDER", "core.outbox.providers.FileSmsProvider", "SMS_FILE_PATH"),
        ("WECHAT_PROVIDER", "core.outbox.providers.FileWechatProvider", "WECHAT_FILE_PATH"),
    ],
)
def test_the_file_providers_append_one_json_line_per_message(
    settings, tmp_path, setting, provider, folder_setting
):
    import json

    setattr(settings, setting, provider)
    setattr(settings, folder_setting, tmp_path / "out")
    channel = "sms" if setting == "SMS_PROVIDER" else "wechat"
    messages_enqueue(
        [
            OutgoingMessage(
                channel=channel, recipient=f"to-{n}", kind="k", idempotency_key=f"f-{n}", body=text
            )
            for n, text in enumerate(["第一条", "第二条"])
        ],
        now=NOW,
    )
    outbox_drain(channel=channel, now=NOW)
    (day,) = (tmp_path / "out").iterdir()
    lines = [json.loads(line) for line in day.read_text(encoding="utf-8").splitlines()]
    assert [(line["to"], line["text"], line["key"]) for line in lines] == [
        ("to-0", "第一条", "f-0"),
        ("to-1", "第二条", "f-1"),
    ]


def test_the_console_provider_writes_to_the_log(settings, caplog):
    import logging

    settings.SMS_PROVIDER = "core.outbox.providers.ConsoleSmsProvider"
    messages_enqueue([sms("console", text="验证码 654321")], now=NOW)
    with caplog.at_level(logging.INFO, logger="core.outbox.providers"):
        outbox_drain(channel="sms", now=NOW)
    # The text is there for the developer; the number is masked like in every log line (PIPL).
    assert "138****5678" in caplog.text and "654321" in caplog.text
    assert "13812345678" not in caplog.text


def test_the_embedded_defaults_need_no_gateway():
    from django.conf import settings as live

    from crm import settings as module

    assert live.SMS_PROVIDER == "core.outbox.providers.LocmemSmsProvider"  # tests keep messages in memory
    assert module.SMS_PROVIDER == "core.outbox.providers.FileSmsProvider"
    assert str(module.SMS_FILE_PATH).endswith("var/sms")
    assert module.WECHAT_PROVIDER == "core.outbox.providers.FileWechatProvider"
    assert module.EMAIL_PROVIDER == "core.outbox.providers.EmailProvider"


# --- the administrators' list ------------------------------------------------------------------------


@pytest.fixture
def outbox_admin(db):
    user = UserFactory(username="outbox-admin", role=Role.GROUP_ADMIN)
    return staff_set_role(user=user, role=Role.GROUP_ADMIN)  # is_staff and the role's group, no superuser


def test_the_group_admin_lists_failed_messages_and_resends_them(client, outbox_admin, sms_outbox):
    messages_enqueue([sms("failed-one"), sms("sent-one", phone="13900001234")], now=NOW)
    OutboxMessage.objects.filter(idempotency_key="failed-one").update(
        status="failed", attempts=8, last_error="down"
    )
    client.force_login(outbox_admin)
    changelist = reverse("admin:core_outboxmessage_changelist")

    page = client.get(changelist, {"status__exact": "failed"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "138****5678" in html and "13812345678" not in html  # masked, like every admin page
    assert "139****1234" not in html  # only the failed one

    failed = OutboxMessage.objects.get(idempotency_key="failed-one")
    response = client.post(changelist, {"action": "resend", "_selected_action": [failed.pk]})
    assert response.status_code == 302
    failed.refresh_from_db()
    assert (failed.status, failed.attempts, failed.last_error) == ("pending", 0, "")


def test_a_message_page_is_read_only(client, outbox_admin):
    messages_enqueue([sms("read-only")], now=NOW)
    message = OutboxMessage.objects.get()
    client.force_login(outbox_admin)
    url = reverse("admin:core_outboxmessage_change", args=[message.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"body": "changed"}).status_code == 403
    assert client.get(reverse("admin:core_outboxmessage_add")).status_code == 403


def test_other_staff_do_not_see_the_outbox(client, city):
    head = staff_set_role(user=UserFactory(role=Role.CITY_HEAD, city_companies=[city]), role=Role.CITY_HEAD)
    client.force_login(head)
    assert client.get(reverse("admin:core_outboxmessage_changelist")).status_code == 403


# --- test gateways -----------------------------------------------------------------------------------


class FlakyGateway(Provider):
    """Refuses the first `failures` sends (temporary), and every `refuse_every`-th one if set."""

    channel = "sms"
    failures = 0
    refuse_every = 0
    accepted: list = []
    calls = 0

    def send(self, message):
        cls = type(self)
        cls.calls += 1
        if cls.failures > 0:
            cls.failures -= 1
            raise TemporarySendError("gateway busy")
        if cls.refuse_every and cls.calls % cls.refuse_every == 0:
            raise TemporarySendError("throttled")
        cls.accepted.append(message)
        return f"gw-{message.pk}"


@pytest.fixture(autouse=True)
def _reset_gateways():
    FlakyGateway.failures, FlakyGateway.refuse_every, FlakyGateway.calls = 0, 0, 0
    FlakyGateway.accepted = []
    yield


class RefusingGateway(Provider):
    channel = "sms"

    def send(self, message):
        raise PermanentSendError("invalid number")


def test_a_gateway_error_of_any_kind_counts_as_temporary(settings):
    settings.SMS_PROVIDER = "tests.core.test_outbox.BrokenGateway"
    messages_enqueue([sms("broken")], now=NOW)
    assert outbox_drain(channel="sms", now=NOW).retried == 1
    assert "ConnectionError: gateway down" in OutboxMessage.objects.get().last_error


class BrokenGateway(Provider):
    channel = "sms"

    def send(self, message):
        raise ConnectionError("gateway down")


def test_with_the_broker_down_the_event_still_commits_and_beat_sends_later(
    django_capture_on_commit_callbacks, monkeypatch, sms_outbox
):
    from kombu.exceptions import OperationalError

    from core.outbox import services

    class Unreachable:
        def delay(self):
            raise OperationalError("broker down")

    with monkeypatch.context() as patch:
        patch.setattr(services.current_app, "signature", lambda *args, **kwargs: Unreachable())
        with django_capture_on_commit_callbacks(execute=True):
            messages_enqueue([sms("broker-down")])  # no exception reaches the caller
    assert OutboxMessage.objects.get().status == "pending" and not sms_outbox

    from core.tasks import drain_outbox

    drain_outbox.delay()  # what beat runs: one sender per channel
    assert OutboxMessage.objects.get().status == "sent" and len(sms_outbox) == 1
