"""Providers: how each channel's messages leave. One class per channel, named by a setting:

    EMAIL_PROVIDER   core.outbox.providers.EmailProvider (Django's email backend: EMAIL_URL / EMAIL_HOST …)
    SMS_PROVIDER     core.outbox.providers.FileSmsProvider (JSON lines under SMS_FILE_PATH)
    WECHAT_PROVIDER  core.outbox.providers.FileWechatProvider (JSON lines under WECHAT_FILE_PATH)

A real gateway is a subclass of Provider in a module of its own, named in the setting: Tencent Cloud
SMS (core.outbox.tencent_sms.TencentSmsProvider) and the WeChat official account's template messages
(core.outbox.wechat.WechatTemplateProvider) are here; both send our templates mapped to theirs
(core.outbox.templates). Its `send(message)`:

- gets an OutboxMessage: `recipient` (address, mobile number or openid), `subject`, `body`,
  `template_code` and `template_params` (template channels), `idempotency_key`;
- returns the provider's id for the message once the provider has ACCEPTED it (the outbox then
  marks the row sent; a sender that dies before marking resends it later, with the same key);
- passes `message.idempotency_key` to a provider that takes one (a request id, an "out id", the
  Message-ID header of an email), so that such a resend is recognised as a copy;
- raises TemporarySendError when a later try may succeed (timeout, 5xx, throttled: retried with
  backoff) and PermanentSendError when none will (invalid number, template refused: failed at once).
  Any other exception counts as temporary.

`open()` and `close()` bracket each batch (one SMTP connection for a batch of emails).
`check_settings()` refuses, at start-up, settings with which the provider could send nothing
(core.apps runs it for the three providers the settings name, and only for those).
"""

from __future__ import annotations

import json
import logging
import smtplib
import threading
from dataclasses import dataclass, field
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMultiAlternatives, get_connection
from django.utils import timezone
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class SendError(Exception):
    """The provider did not accept the message."""


class TemporarySendError(SendError):
    """A later try may succeed. `retry_after` (seconds), when the provider said how long to wait."""

    def __init__(self, message: str = "", *, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class PermanentSendError(SendError):
    """No try will succeed: the message fails at once (an administrator may resend it)."""


class Provider:
    channel = ""

    @classmethod
    def check_settings(cls) -> None:
        """Raise ImproperlyConfigured when the settings cannot work (a gateway's missing key)."""

    def open(self) -> None:
        """Before a batch."""

    def close(self) -> None:
        """After a batch, even one that failed."""

    def send(self, message) -> str:
        raise NotImplementedError


def provider_for(channel: str) -> Provider:
    """A fresh provider of the class the channel's setting names (EMAIL_PROVIDER, SMS_PROVIDER …)."""
    return import_string(getattr(settings, f"{channel.upper()}_PROVIDER"))()


CHANNELS = ("email", "sms", "wechat")


def providers_check() -> None:
    """At start-up: each channel's provider class exists, and accepts the settings it needs."""
    for channel in CHANNELS:
        name = f"{channel.upper()}_PROVIDER"
        try:
            provider_class = import_string(getattr(settings, name))
        except ImportError as error:
            raise ImproperlyConfigured(f"{name}: {error}") from error
        check = getattr(provider_class, "check_settings", None)
        if check is not None:
            check()


# --- email ------------------------------------------------------------------------------------------


# The left part of a Message-ID is a dot-atom: letters, digits and this punctuation; the rest is %-escaped.
MESSAGE_ID_SAFE = ".!#$&'*+-/=?^_`{|}~"


def email_message_id(idempotency_key: str) -> str:
    """The Message-ID header of the message with this key: the same on every try and every worker
    (the domain is the sender's, not the machine's), so a resent copy is recognisable as one."""
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"
    return f"<{quote(idempotency_key, safe=MESSAGE_ID_SAFE)}@{domain}>"


# An SMTP reply in this range refuses the message for good (RFC 5321); 4xx asks to try again later.
PERMANENT_SMTP_CODES = range(500, 600)


class EmailProvider(Provider):
    """Through Django's email backend (EMAIL_BACKEND, or the SMTP server of EMAIL_URL / EMAIL_HOST),
    one connection per batch. The Message-ID header is derived from the idempotency key. A message with
    an `html_body` leaves as multipart/alternative: the plain `body` first, the HTML beside it."""

    channel = "email"

    def open(self) -> None:
        self.connection = get_connection(fail_silently=False)
        self.opened = False
        self.unreachable = ""

    def close(self) -> None:
        try:
            self.connection.close()
        except Exception:  # a dead connection has nothing left to close
            logger.debug("closing the email connection failed", exc_info=True)

    def send(self, message) -> str:
        if self.unreachable:
            # The server was unreachable a moment ago: the rest of the batch waits for the retry.
            raise TemporarySendError(f"not tried: {self.unreachable}")
        message_id = email_message_id(message.idempotency_key)
        email = EmailMultiAlternatives(
            subject=message.subject,
            body=message.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[message.recipient],
            headers={"Message-ID": message_id},
            connection=self.connection,
        )
        if message.html_body:
            email.attach_alternative(message.html_body, "text/html")
        try:
            if not self.opened:
                self.connection.open()  # kept open for the batch: send_messages then leaves it open
                self.opened = True
            accepted = self.connection.send_messages([email])
        except smtplib.SMTPRecipientsRefused as error:
            codes = [code for code, _text in error.recipients.values()]
            if codes and all(code in PERMANENT_SMTP_CODES for code in codes):
                raise PermanentSendError(f"recipient refused: {error.recipients}") from error
            raise TemporarySendError(f"recipient refused for now: {error.recipients}") from error
        except smtplib.SMTPAuthenticationError as error:
            # The settings are wrong, not the message: retry once they are fixed.
            self.unreachable = f"SMTP login refused ({error.smtp_code})"
            raise TemporarySendError(self.unreachable) from error
        except smtplib.SMTPResponseException as error:
            text = f"SMTP {error.smtp_code}: {error.smtp_error!r}"
            if error.smtp_code in PERMANENT_SMTP_CODES:
                raise PermanentSendError(text) from error
            raise TemporarySendError(text) from error
        except (smtplib.SMTPException, OSError) as error:  # unreachable, disconnected, timed out
            self.unreachable = f"{type(error).__name__}: {error}"
            raise TemporarySendError(self.unreachable) from error
        if not accepted:
            raise TemporarySendError("the email backend accepted nothing")
        return message_id


# --- text messages and WeChat template messages without a gateway -------------------------------------


@dataclass(frozen=True)
class TextMessage:
    phone: str
    text: str
    idempotency_key: str = ""


@dataclass(frozen=True)
class WechatMessage:
    openid: str
    template_code: str
    params: dict = field(default_factory=dict)
    text: str = ""
    idempotency_key: str = ""


# What the locmem providers "sent" (tests read them).
sms_outbox: list[TextMessage] = []
wechat_outbox: list[WechatMessage] = []


def _as_record(message) -> dict:
    record = {"key": message.idempotency_key, "to": message.recipient, "text": message.body}
    if message.template_code:
        record.update(template=message.template_code, params=message.template_params)
    return record


class _FileProvider(Provider):
    """Appends each message as a JSON line to a file per day under the folder setting, so a laptop
    or a test server shows what would have been sent."""

    folder_setting = ""
    _lock = threading.Lock()

    def send(self, message) -> str:
        folder = Path(getattr(settings, self.folder_setting))
        folder.mkdir(parents=True, exist_ok=True)
        now = timezone.localtime()
        line = json.dumps({"at": now.isoformat(), **_as_record(message)}, ensure_ascii=False)
        with self._lock, open(folder / f"{now:%Y-%m-%d}.log", "a", encoding="utf-8") as file:
            file.write(line + "\n")
        return message.idempotency_key


class _ConsoleProvider(Provider):
    def send(self, message) -> str:
        logger.info(
            "%s to %s: %s",
            self.channel,
            message.recipient,
            json.dumps(_as_record(message), ensure_ascii=False),
        )
        return message.idempotency_key


class FileSmsProvider(_FileProvider):
    channel = "sms"
    folder_setting = "SMS_FILE_PATH"


class ConsoleSmsProvider(_ConsoleProvider):
    channel = "sms"


class LocmemSmsProvider(Provider):
    channel = "sms"

    def send(self, message) -> str:
        sms_outbox.append(TextMessage(message.recipient, message.body, message.idempotency_key))
        return message.idempotency_key


class FileWechatProvider(_FileProvider):
    channel = "wechat"
    folder_setting = "WECHAT_FILE_PATH"


class ConsoleWechatProvider(_ConsoleProvider):
    channel = "wechat"


class LocmemWechatProvider(Provider):
    channel = "wechat"

    def send(self, message) -> str:
        wechat_outbox.append(
            WechatMessage(
                message.recipient,
                message.template_code,
                dict(message.template_params or {}),
                message.body,
                message.idempotency_key,
            )
        )
        return message.idempotency_key
