"""Signed webhooks: who gets which event, the signature a receiver checks, retries with backoff,
the record of each delivery and its replay, and the desks' events emitted once, with their event."""

import datetime
import json
import time

import pytest
import requests
import responses
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from accounts.services import staff_set_role
from complaints import services as complaint_services
from complaints.sla import sla_sweep
from core.models import WebhookDelivery, WebhookEndpoint
from core.webhooks import (
    webhook_emit,
    webhook_events,
    webhook_signature,
    webhook_signature_valid,
    webhooks_deliver,
    webhooks_replay,
)
from tests.factories import UserFactory
from tests.surveys.test_transactional import closed_complaint, leak  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db

URL = "https://hotline.example.com/crm-events"
Status = WebhookDelivery.Status


@pytest.fixture
def endpoint():
    return WebhookEndpoint.objects.create(
        name="热线系统", url=URL, events=["complaint.created", "complaint.closed", "complaint.escalated"]
    )


@pytest.fixture
def receiver():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def test_every_desk_event_the_issue_names_is_registered():
    assert set(webhook_events()) >= {
        "complaint.created",
        "complaint.escalated",
        "complaint.closed",
        "defect.created",
        "defect.fixed",
        "handover.signed",
        "survey.answered",
    }


def test_the_signature_covers_the_timestamp_and_the_body():
    body, now = b'{"event":"complaint.created"}', 1_800_000_000
    signature = webhook_signature("s3cret", now, body)
    assert signature.startswith("v1=") and len(signature) == 3 + 64
    assert webhook_signature_valid("s3cret", timestamp=str(now), signature=signature, body=body, now=now + 10)
    assert not webhook_signature_valid("other", timestamp=str(now), signature=signature, body=body, now=now)
    assert not webhook_signature_valid(
        "s3cret", timestamp=str(now), signature=signature, body=body + b" ", now=now
    )
    # A recorded delivery played again later: its old timestamp is refused.
    assert not webhook_signature_valid(
        "s3cret", timestamp=str(now), signature=signature, body=body, now=now + 301
    )
    assert not webhook_signature_valid("s3cret", timestamp="soon", signature=signature, body=body, now=now)


def test_only_active_endpoints_subscribed_to_the_event_get_it_and_an_event_counts_once(endpoint):
    WebhookEndpoint.objects.create(name="仓库", url="https://dw.example.com/in", events=["defect.created"])
    WebhookEndpoint.objects.create(
        name="旧系统", url="https://old.example.com/in", events=["complaint.created"], is_active=False
    )
    assert webhook_emit("complaint.created", key="complaint.created:1", data={"id": 1}) == 1
    webhook_emit("complaint.created", key="complaint.created:1", data={"id": 1})
    delivery = WebhookDelivery.objects.get()
    assert delivery.endpoint == endpoint and delivery.status == Status.PENDING
    assert delivery.payload["event"] == "complaint.created" and delivery.payload["data"] == {"id": 1}
    with pytest.raises(ValueError):
        webhook_emit("complaint.eaten", key="x", data={})


def test_a_rolled_back_event_queues_nothing(endpoint):
    with pytest.raises(RuntimeError), transaction.atomic():
        webhook_emit("complaint.created", key="complaint.created:2", data={"id": 2})
        raise RuntimeError("the event failed")
    assert not WebhookDelivery.objects.exists()


def test_a_delivery_is_posted_signed_and_recorded(endpoint, receiver):
    receiver.post(URL, status=204)
    webhook_emit("complaint.created", key="complaint.created:3", data={"id": 3, "number": "TS-1"})
    assert webhooks_deliver() == {"delivered": 1, "retried": 0, "failed": 0, "claimed": 1}
    request = receiver.calls[0].request
    body = request.body
    assert webhook_signature_valid(
        endpoint.secret,
        timestamp=request.headers["X-CRM-Timestamp"],
        signature=request.headers["X-CRM-Signature"],
        body=body,
    )
    delivery = WebhookDelivery.objects.get()
    sent = json.loads(body)
    assert sent["id"] == str(delivery.delivery_id) == request.headers["X-CRM-Delivery"]
    assert sent["event"] == request.headers["X-CRM-Event"] == "complaint.created"
    assert sent["data"] == {"id": 3, "number": "TS-1"}
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (Status.DELIVERED, 1, 204)
    assert delivery.delivered_at is not None
    assert webhooks_deliver()["claimed"] == 0  # delivered once


def test_a_refused_delivery_is_retried_with_backoff_then_kept_as_failed(endpoint, receiver, settings):
    settings.WEBHOOK_MAX_ATTEMPTS, settings.WEBHOOK_RETRY_SECONDS = 3, 60
    receiver.post(URL, status=503, body="down for maintenance")
    webhook_emit("complaint.created", key="complaint.created:4", data={"id": 4})
    now = timezone.now()
    assert webhooks_deliver(now=now)["retried"] == 1
    delivery = WebhookDelivery.objects.get()
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (Status.PENDING, 1, 503)
    assert "down for maintenance" in delivery.last_error
    first_retry = delivery.next_attempt_at
    assert first_retry >= now + datetime.timedelta(seconds=59)
    assert webhooks_deliver(now=now)["claimed"] == 0  # not before its time
    assert webhooks_deliver(now=first_retry)["retried"] == 1
    delivery.refresh_from_db()
    assert delivery.next_attempt_at - first_retry >= datetime.timedelta(seconds=119)  # doubled
    receiver.replace(responses.POST, URL, body=requests.ConnectionError("refused"))
    assert webhooks_deliver(now=delivery.next_attempt_at)["failed"] == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Status.FAILED, 3)
    assert "ConnectionError" in delivery.last_error and delivery.last_status_code is None


def test_a_replay_sends_the_same_delivery_again(endpoint, receiver):
    receiver.post(URL, status=200)
    webhook_emit("complaint.created", key="complaint.created:5", data={"id": 5})
    webhooks_deliver()
    delivery = WebhookDelivery.objects.get()
    assert webhooks_replay([delivery.pk]) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Status.PENDING, 0)
    webhooks_deliver()
    assert [c.request.headers["X-CRM-Delivery"] for c in receiver.calls] == [str(delivery.delivery_id)] * 2


def test_a_receiver_slower_than_the_timeout_counts_as_a_failed_attempt(endpoint, receiver):
    receiver.post(URL, body=requests.Timeout("read timed out"))
    webhook_emit("complaint.created", key="complaint.created:6", data={"id": 6})
    assert webhooks_deliver()["retried"] == 1
    assert "Timeout" in WebhookDelivery.objects.get().last_error


def test_the_complaint_desk_emits_created_escalated_and_closed_once_each(
    endpoint,
    agent,
    supervisor,
    owner,
    owned_unit,
    leak,  # noqa: F811 - the fixture imported above
    django_capture_on_commit_callbacks,
):
    complaint = closed_complaint(agent, supervisor, owner, owned_unit, leak)
    events = dict(WebhookDelivery.objects.values_list("event", "event_key"))
    assert events == {
        "complaint.created": f"complaint.created:{complaint.pk}",
        "complaint.closed": f"complaint.closed:{complaint.pk}:0",
    }
    closed = WebhookDelivery.objects.get(event="complaint.closed").payload["data"]
    assert closed["status"] == "closed" and closed["number"] == complaint.number
    assert "张伟" not in json.dumps(WebhookDelivery.objects.get(event="complaint.created").payload)

    late = complaint_services.complaint_create(
        by=agent,
        customer=owner,
        unit=owned_unit,
        category=leak,
        complaint_type="complaint",
        channel="hotline",
        title="电梯故障",
        description="3号楼电梯停运",
    )
    later = timezone.now() + datetime.timedelta(days=30)
    sla_sweep(now=later)
    sla_sweep(now=later)  # a rerun fires nothing new
    escalated = WebhookDelivery.objects.filter(event="complaint.escalated", payload__data__id=late.pk)
    levels = sorted(d.payload["data"]["escalation_level"] for d in escalated)
    assert levels == [1, 2, 3]


def test_a_timestamp_is_fresh_at_each_attempt(endpoint, receiver):
    receiver.post(URL, status=500)
    webhook_emit("complaint.created", key="complaint.created:7", data={"id": 7})
    before = int(time.time())
    webhooks_deliver()
    assert int(receiver.calls[0].request.headers["X-CRM-Timestamp"]) >= before


@pytest.fixture
def webhook_admin(db):
    user = UserFactory(username="webhook-admin", role=Role.GROUP_ADMIN)
    return staff_set_role(user=user, role=Role.GROUP_ADMIN)


def test_the_group_admin_registers_an_endpoint_and_replays_a_failed_delivery(client, webhook_admin, receiver):
    client.force_login(webhook_admin)
    add = reverse("admin:core_webhookendpoint_add")
    refused = client.post(
        add, {"name": "热线", "url": "ftp://hotline.example.com", "events": ["complaint.created"]}
    )
    assert refused.status_code == 200 and not WebhookEndpoint.objects.exists()
    created = client.post(
        add,
        {"name": "热线", "url": URL, "events": ["complaint.created", "complaint.closed"], "is_active": "on"},
    )
    assert created.status_code == 302
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.events == ["complaint.created", "complaint.closed"] and endpoint.secret.startswith(
        "whsec_"
    )
    page = client.get(reverse("admin:core_webhookendpoint_change", args=[endpoint.pk]))
    assert endpoint.secret in page.content.decode()  # for the receiver's configuration

    webhook_emit("complaint.created", key="complaint.created:8", data={"id": 8})
    WebhookDelivery.objects.update(status=Status.FAILED, attempts=8, last_error="HTTP 500")
    changelist = reverse("admin:core_webhookdelivery_changelist")
    assert "HTTP 500" in client.get(changelist, {"status__exact": "failed"}).content.decode()
    receiver.post(URL, status=200)
    response = client.post(
        changelist, {"action": "replay", "_selected_action": [WebhookDelivery.objects.get().pk]}
    )
    assert response.status_code == 302
    webhooks_deliver()
    assert WebhookDelivery.objects.get().status == Status.DELIVERED


def test_other_staff_see_no_webhooks(client, city_head):
    client.force_login(city_head)
    assert client.get(reverse("admin:core_webhookendpoint_changelist")).status_code in (302, 403)
