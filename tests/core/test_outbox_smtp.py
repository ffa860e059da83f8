"""The email channel against a real SMTP server (aiosmtpd, started by the test on a free local port)."""

import datetime
import socket
from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller
from django.utils import timezone

from core.models import OutboxMessage
from core.outbox import OutgoingMessage, messages_enqueue, outbox_drain

pytestmark = pytest.mark.django_db

NOW = timezone.make_aware(datetime.datetime(2026, 12, 1, 9, 0))


class MailServer:
    """Accepts every message, except to addresses listed in `refuse` (with that SMTP reply)."""

    def __init__(self):
        self.received = []
        self.refuse: dict[str, str] = {}
        self.connections = 0

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.received.append((envelope.rcpt_tos, message_from_bytes(envelope.content)))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server(settings):
    handler = MailServer()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    settings.DEFAULT_FROM_EMAIL = "crm@example.com"
    yield handler
    controller.stop()


def email(key: str, to: str) -> OutgoingMessage:
    return OutgoingMessage(
        channel="email",
        recipient=to,
        kind="sla_escalation_1",
        idempotency_key=key,
        subject="升级提醒",
        body="漏水",
    )


def test_emails_are_delivered_to_a_real_smtp_server_on_one_connection(smtp_server):
    messages_enqueue([email("a", "agent@example.com"), email("b", "head@example.com")], now=NOW)
    assert outbox_drain(channel="email", now=NOW).sent == 2

    assert [to for to, _message in smtp_server.received] == [["agent@example.com"], ["head@example.com"]]
    _to, first = smtp_server.received[0]
    assert first["Message-ID"] == "<a@example.com>" and first["From"] == "crm@example.com"
    assert smtp_server.connections == 1  # one connection for the batch
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {"sent"}


def test_a_recipient_the_server_refuses_for_good_fails_and_the_others_still_go(smtp_server):
    smtp_server.refuse["gone@example.com"] = "550 5.1.1 No such user"
    messages_enqueue([email("gone", "gone@example.com"), email("here", "agent@example.com")], now=NOW)
    result = outbox_drain(channel="email", now=NOW)

    assert (result.sent, result.failed) == (1, 1)
    gone = OutboxMessage.objects.get(idempotency_key="gone")
    assert gone.status == "failed" and "550" in gone.last_error
    assert [to for to, _message in smtp_server.received] == [["agent@example.com"]]


def test_a_server_that_says_try_later_gets_the_message_later(smtp_server):
    smtp_server.refuse["busy@example.com"] = "451 4.3.2 Try again later"
    messages_enqueue([email("busy", "busy@example.com")], now=NOW)
    assert outbox_drain(channel="email", now=NOW).retried == 1
    row = OutboxMessage.objects.get()
    assert row.status == "pending" and "451" in row.last_error

    del smtp_server.refuse["busy@example.com"]
    assert outbox_drain(channel="email", now=row.next_attempt_at).sent == 1
    ((_to, delivered),) = smtp_server.received
    assert delivered["Message-ID"] == "<busy@example.com>"


def test_while_the_server_is_down_nothing_is_lost_and_the_batch_stops_knocking(settings, smtp_server):
    settings.EMAIL_PORT = free_port()  # nobody listens there
    messages_enqueue([email(f"down-{n}", f"user{n}@example.com") for n in range(5)], now=NOW)
    result = outbox_drain(channel="email", now=NOW)

    assert result.retried == 5
    errors = list(OutboxMessage.objects.order_by("id").values_list("last_error", flat=True))
    assert "ConnectionRefusedError" in errors[0]
    assert all(error.startswith("TemporarySendError: not tried") for error in errors[1:])  # one try per batch
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {"pending"}
