"""Text messages (SMS) to mobile phones, through the backend named by the SMS_BACKEND setting.

A backend is a class with `send(phone, text)`; plug a gateway in by writing one and naming it in
SMS_BACKEND. Shipped here:

- `notifications.sms.FileBackend` (the default): appends each message as a JSON line to a file per
  day in SMS_FILE_PATH (var/sms/), so a laptop or a test server shows what would have been sent;
- `notifications.sms.ConsoleBackend`: writes each message to the log (logger `notifications.sms`);
- `notifications.sms.LocmemBackend`: keeps them in `notifications.sms.outbox` (tests).
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TextMessage:
    phone: str
    text: str


outbox: list[TextMessage] = []


def send_sms(phone: str, text: str) -> None:
    """Send `text` to `phone` with the configured backend. A backend's error propagates: the caller
    decides whether a message that did not go out is worth failing for."""
    backend = import_string(settings.SMS_BACKEND)()
    backend.send(phone, text)


class ConsoleBackend:
    def send(self, phone: str, text: str) -> None:
        logger.info("SMS to %s: %s", phone, text)


class FileBackend:
    _lock = threading.Lock()

    def send(self, phone: str, text: str) -> None:
        folder = Path(settings.SMS_FILE_PATH)
        folder.mkdir(parents=True, exist_ok=True)
        now = timezone.localtime()
        line = json.dumps({"at": now.isoformat(), "phone": phone, "text": text}, ensure_ascii=False)
        with self._lock, open(folder / f"{now:%Y-%m-%d}.log", "a", encoding="utf-8") as file:
            file.write(line + "\n")


class LocmemBackend:
    def send(self, phone: str, text: str) -> None:
        outbox.append(TextMessage(phone, text))
