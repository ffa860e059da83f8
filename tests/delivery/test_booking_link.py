"""The owner's booking link goes out through the outbox on their channel (issue 12), and can still be copied."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from core.models import OutboxMessage
from delivery.models import Handover
from delivery.services import planning as services
from tests.factories import UnitFactory, UserFactory

pytestmark = pytest.mark.django_db


def send_url(handover) -> str:
    return reverse("delivery:batch-unit-send-link", args=[handover.batch_id, handover.pk])


def test_the_batch_page_offers_to_send_the_link_and_still_to_copy_it(client, agent, handover):
    client.force_login(agent)
    page = client.get(reverse("delivery:batch-detail", args=[handover.batch_id])).content.decode()
    assert send_url(handover) in page
    assert f"/handover/book/{handover.booking_token}/" in page  # the copy button's link


def test_an_agent_sends_the_owner_their_link_by_sms(
    client, agent, handover, sms_outbox, django_capture_on_commit_callbacks
):
    client.force_login(agent)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(send_url(handover), follow=True)

    assert response.status_code == 200
    assert "138****5678" in response.content.decode()  # said where it went, masked
    (text,) = sms_outbox
    assert text.phone == "13812345678"
    assert (
        f"http://testserver/handover/book/{handover.booking_token}/" in text.text and "3-1-502" in text.text
    )
    message = OutboxMessage.objects.get()
    assert (message.kind, message.status) == ("handover_booking_link", "sent")


def test_the_link_carries_its_template_and_parameters_for_an_sms_or_wechat_gateway(agent, handover, owner):
    services.handover_booking_link_send(by=agent, handover=handover, link="https://crm.example.com/b/")
    message = OutboxMessage.objects.get()
    assert message.template_code == "handover_booking_link"
    assert message.template_params == {
        "name": owner.name,
        "project": handover.project.name,
        "unit": "3-1-502",
        "link": "https://crm.example.com/b/",
    }


def test_an_owner_who_chose_email_gets_it_by_email(agent, handover, owner):
    owner.preferred_channel, owner.email = "email", "zhangwei@example.com"
    owner.save()
    message = services.handover_booking_link_send(
        by=agent, handover=handover, link="https://crm.example.com/b/"
    )
    assert (message.channel, message.recipient) == ("email", "zhangwei@example.com")
    assert "https://crm.example.com/b/" in OutboxMessage.objects.get().body


def test_pressing_twice_in_a_minute_sends_one_message_and_later_another(agent, handover):
    minute = timezone.now().replace(second=0, microsecond=0)
    for moment in (minute, minute + datetime.timedelta(seconds=30), minute + datetime.timedelta(minutes=2)):
        services.handover_booking_link_send(by=agent, handover=handover, link="https://x/", now=moment)
    assert OutboxMessage.objects.filter(kind="handover_booking_link").count() == 2


def test_a_unit_without_owner_or_a_reader_gets_no_message(client, handover, batch, project):
    unit = UnitFactory(building=batch.buildings.first(), entrance="1", number="901", floor=9)
    ownerless = Handover.objects.create(batch=batch, project=project, unit=unit)
    agent = UserFactory(role=Role.CS_AGENT, projects=[project])
    with pytest.raises(ValidationError):
        services.handover_booking_link_send(by=agent, handover=ownerless, link="https://x/")

    reader = UserFactory(role=Role.READONLY_MANAGER, projects=[project])
    with pytest.raises(PermissionDenied):
        services.handover_booking_link_send(by=reader, handover=handover, link="https://x/")
    client.force_login(reader)
    assert client.post(send_url(handover)).status_code == 403
    assert not OutboxMessage.objects.exists()
