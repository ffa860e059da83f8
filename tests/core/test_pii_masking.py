# ruff: noqa: F811 - the owner timeline's fixtures (tests/lifecycle/timeline_fixtures.py) are imported by name
"""Masking everywhere (PIPL): no clear mobile or ID number in an export file, a staff notification or
message, a log line or an error report, even when it was typed into free text."""

import io
import logging
import sys

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.views.debug import get_exception_reporter_class
from openpyxl import load_workbook

from accounts.services import personal_data_reveal
from core.logfilters import MaskPersonalData
from core.masking import has_clear_personal_number, mask_personal_numbers
from core.models import OutboxMessage
from core.outbox import OutgoingMessage, messages_enqueue
from notifications.models import Notification
from tests.factories import make_resident_id
from tests.lifecycle.timeline_fixtures import complaint, leak  # noqa: F401 - fixtures

PHONE = "13812345678"


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        (f"请回电{PHONE}谢谢", "请回电138****5678谢谢"),
        ("138 1234 5678 或 138-1234-5678", "138****5678 或 138****5678"),
        ("身份证440301198506150012", "身份证4403**********0012"),
        ("合同号HT13812345678A、金额12345678901", "合同号HT13812345678A、金额12345678901"),
        ("单号 2025061500012", "单号 2025061500012"),
    ],
)
def test_numbers_in_free_text_are_masked_and_other_numbers_kept(text, masked):
    assert mask_personal_numbers(text) == masked
    assert not has_clear_personal_number(mask_personal_numbers(text))


def test_a_rendered_export_holds_no_clear_phone_even_in_free_text(
    client, supervisor, complaint, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    complaint.title = f"业主{PHONE}来电：车库漏水"
    complaint.save(update_fields=["title"])
    client.force_login(supervisor)

    response = client.get(reverse("exports:start", args=["complaints-board"]))

    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True).active
    cells = [str(cell) for row in sheet.iter_rows(values_only=True) for cell in row if cell is not None]
    assert any("来电：车库漏水" in cell for cell in cells)
    assert not [cell for cell in cells if has_clear_personal_number(cell)]


def test_a_notification_body_never_holds_a_clear_phone(owner, agent, supervisor, settings):
    settings.REVEAL_BURST_ALERT = "1/h"
    reason = f"业主用{PHONE}来电核实身份"
    for _ in range(2):
        personal_data_reveal(user=agent, customer=owner, field="phone", reason_code="callback", reason=reason)

    (alert,) = Notification.objects.filter(kind="reveal_burst")
    assert "138****5678" in alert.body and not has_clear_personal_number(alert.title + alert.body)
    Notification.objects.create(
        recipient=supervisor, kind="test", title=f"回电 {PHONE}", body=make_resident_id(3)
    )
    assert not any(has_clear_personal_number(n.title + n.body) for n in Notification.objects.all())


@pytest.mark.django_db
def test_a_message_to_staff_is_masked_and_one_to_the_owner_is_not(agent):
    messages_enqueue(
        [
            OutgoingMessage(
                channel="email",
                recipient="agent@example.com",
                recipient_user_id=agent.pk,
                kind="test",
                idempotency_key="staff",
                subject=f"回电 {PHONE}",
                body=f"业主电话 {PHONE}",
            ),
            OutgoingMessage(
                channel="sms", recipient=PHONE, kind="test", idempotency_key="owner", body="您的验证码"
            ),
        ]
    )
    staff = OutboxMessage.objects.get(idempotency_key="staff")
    assert not has_clear_personal_number(staff.subject + staff.body)
    assert OutboxMessage.objects.get(idempotency_key="owner").recipient == PHONE  # the address itself


def test_a_log_record_is_masked_by_the_configured_handlers():
    handlers = [
        handler
        for handler in logging.getLogger().handlers + logging.getLogger("django").handlers
        if any(isinstance(f, MaskPersonalData) for f in handler.filters)
    ]
    assert handlers, "LOGGING's handlers carry core.logfilters.MaskPersonalData"
    handler = handlers[0]
    stream = io.StringIO()
    previous = handler.setStream(stream)
    try:
        logger = logging.getLogger("crm.pii-test")
        # At error level: whatever level the handlers are configured with, they take it.
        logger.error("caller %s asked about %s", PHONE, make_resident_id(2))
        try:
            raise ValueError(f"no customer with phone {PHONE}")
        except ValueError:
            logger.exception("lookup failed")
    finally:
        handler.setStream(previous)
    output = stream.getvalue()
    assert "caller 138****5678" in output and "ValueError" in output
    assert not has_clear_personal_number(output)


def test_an_error_report_masks_the_form_and_the_variables(settings):
    settings.DEBUG = False
    request = RequestFactory().post("/customers/search/", {"q": PHONE, "note": f"回电{PHONE}"})
    request.user = None
    caller = PHONE  # noqa: F841 - a frame variable the report shows
    try:
        raise RuntimeError(f"search failed for {PHONE}")
    except RuntimeError:
        reporter = get_exception_reporter_class(request)(request, *sys.exc_info())
    text = reporter.get_traceback_text()
    assert "search failed for 138****5678" in text and "回电138****5678" in text
    assert not has_clear_personal_number(text)
