"""Issue 18, part 1 and 3: with Redis down (the broker and the cache at a port nothing listens on),
complaint intake by form and API, the outbox and the main pages answer normally; the work is in the
database, the lost enqueue is logged, and beat's next drain sends it once Redis is back."""

import logging

import pytest
from django.db import transaction
from django.urls import reverse

from complaints.models import Complaint
from core.models import Heartbeat, OutboxMessage
from core.outbox import message_enqueue
from core.tasks import drain_outbox, sweep_deadlines
from crm.celery import app as celery_app
from tests.api import client_for

pytestmark = pytest.mark.django_db

SUBMIT = reverse("public:submit")
ON_COMMIT_FAILED = "Error calling"  # Django's log line for a robust on_commit callback that raised


def public_form(project, leak, **overrides):
    return {
        "name": "李娜",
        "phone": "139 0000 1234",
        "project": project.pk,
        "unit_text": "",
        "complaint_type": "complaint",
        "category": leak.pk,
        "description": "卫生间天花板漏水",
        **overrides,
    }


def lost_enqueues(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.getMessage().startswith(ON_COMMIT_FAILED)]


def test_the_public_complaint_form_is_accepted_with_redis_down(
    client, project, leak, redis_down, caplog, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(SUBMIT, public_form(project, leak))

    assert response.status_code == 302 and response.url == reverse("public:submitted")
    assert Complaint.objects.filter(description="卫生间天花板漏水").count() == 1


def test_a_complaint_created_by_api_is_201_with_redis_down(
    agent, owner, owned_unit, leak, redis_down, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(agent).post(
            "/api/v1/complaints/",
            {
                "customer": owner.pk,
                "unit": owned_unit.pk,
                "category": leak.pk,
                "complaint_type": "complaint",
                "channel": "hotline",
                "title": "车库漏水",
                "description": "地下车库B2层持续漏水",
            },
            format="json",
        )

    assert response.status_code == 201, response.content
    assert Complaint.objects.filter(pk=response.json()["id"]).exists()


def test_an_outbox_message_enqueued_with_the_broker_down_is_kept_and_its_lost_start_logged(
    redis_down, caplog, django_capture_on_commit_callbacks
):
    with (
        caplog.at_level(logging.ERROR),
        django_capture_on_commit_callbacks(execute=True),
        transaction.atomic(),
    ):
        message_enqueue(
            channel="email", recipient="a@example.com", kind="test", idempotency_key="k1", body="hi"
        )

    assert OutboxMessage.objects.get(idempotency_key="k1").status == OutboxMessage.Status.PENDING
    assert lost_enqueues(caplog), "the failed publish is logged, not raised"


def test_a_message_enqueued_while_redis_was_down_is_sent_by_beats_next_drain(
    broker_down, django_capture_on_commit_callbacks, mailoutbox
):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        message_enqueue(
            channel="email", recipient="a@example.com", kind="test", idempotency_key="k2", body="hi"
        )
    assert mailoutbox == []  # nothing reached a sender: the broker is down

    # Redis is back (tasks run in-process as a worker would): beat's drain-outbox, sent every
    # OUTBOX_BEAT_SECONDS, starts one sender per channel.
    celery_app.conf.task_always_eager = True
    drain_outbox.delay()

    assert [m.to for m in mailoutbox] == [["a@example.com"]]
    assert OutboxMessage.objects.get(idempotency_key="k2").status == OutboxMessage.Status.SENT


@pytest.mark.parametrize("url", ["/", "/complaints/", "/customers/", "/dashboards/", "/notifications/"])
def test_the_main_pages_answer_200_with_redis_down(client, supervisor, url, redis_down):
    client.force_login(supervisor)

    assert client.get(url).status_code == 200


def test_rate_limits_fail_open_with_the_cache_down(
    client, project, leak, settings, cache_down, caplog, monkeypatch
):
    settings.PUBLIC_COMPLAINT_RATE = "1/h"
    monkeypatch.setattr("core.cache._last_warning", 0.0)  # its once-a-minute warning, due now

    with caplog.at_level(logging.WARNING, logger="core.cache"):
        statuses = [client.post(SUBMIT, public_form(project, leak)).status_code for _ in range(3)]

    assert statuses == [302, 302, 302]  # the counter cannot be read: the form stays open
    assert any("Cache unreachable" in r.getMessage() for r in caplog.records)


def test_the_login_lockout_holds_with_the_cache_down(client, project, settings, cache_down):
    from tests.factories import UserFactory

    settings.AXES_FAILURE_LIMIT = 3
    UserFactory(username="colleague", projects=[project])
    for _ in range(3):
        client.post(reverse("login"), {"username": "colleague", "password": "wrong"})

    response = client.post(reverse("login"), {"username": "colleague", "password": "pass-1234"})

    assert response.status_code == 429  # django-axes counts in the database, not the cache


def test_the_sweep_records_its_run_in_the_database():
    sweep_deadlines.apply()

    assert Heartbeat.last(Heartbeat.SWEEP) is not None
