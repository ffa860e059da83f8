"""The pluggable text-message sender (notifications.sms), used by the public form's one-time codes."""

import json
import logging

import pytest

from notifications import sms


def test_send_sms_uses_the_backend_named_by_the_setting(sms_outbox):
    sms.send_sms("13812345678", "您的验证码 123456")
    assert sms_outbox == [sms.TextMessage("13812345678", "您的验证码 123456")]


def test_the_file_backend_appends_one_json_line_per_message_under_sms_file_path(settings, tmp_path):
    settings.SMS_BACKEND = "notifications.sms.FileBackend"
    settings.SMS_FILE_PATH = tmp_path / "sms"
    sms.send_sms("13812345678", "第一条")
    sms.send_sms("13900001234", "第二条")

    (day,) = (tmp_path / "sms").iterdir()
    lines = [json.loads(line) for line in day.read_text(encoding="utf-8").splitlines()]
    assert [(line["phone"], line["text"]) for line in lines] == [
        ("13812345678", "第一条"),
        ("13900001234", "第二条"),
    ]


def test_the_console_backend_writes_to_the_log(settings, caplog):
    settings.SMS_BACKEND = "notifications.sms.ConsoleBackend"
    with caplog.at_level(logging.INFO, logger="notifications.sms"):
        sms.send_sms("13812345678", "验证码 654321")
    assert "13812345678" in caplog.text and "654321" in caplog.text


def test_a_gateway_is_plugged_in_by_its_dotted_path(settings):
    settings.SMS_BACKEND = "tests.notifications.test_sms.RefusingGateway"
    with pytest.raises(ConnectionError):
        sms.send_sms("13812345678", "x")


def test_the_default_backend_is_the_file_backend():
    from django.conf import settings as live

    assert live.SMS_BACKEND == "notifications.sms.LocmemBackend"  # tests keep messages in memory
    from crm import settings as module

    assert module.SMS_BACKEND == "notifications.sms.FileBackend" and str(module.SMS_FILE_PATH).endswith(
        "var/sms"
    )


class RefusingGateway:
    def send(self, phone, text):
        raise ConnectionError("gateway down")
