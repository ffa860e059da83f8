"""Issue 18, the sends: a worker killed mid-way through webhook deliveries, a construction news send,
touchpoint generation or the outbox's sending (a SystemExit raised after k items, as a SIGKILL would
stop it: the batch in flight rolls back, its claim or "sending" state stays) loses nothing and repeats
nothing when the work is taken up again; and what the killed worker held (an outbox message's lease, a
webhook delivery's lease, a send job's progress) is taken again by the next beat-driven run only after
its lease or stall time, which is minutes, never the broker's hour."""

import datetime

import pytest
import responses
import time_machine
from django.conf import settings as django_settings
from django.db.models import Q
from django.utils import timezone

from core import tasks as core_tasks
from core.models import OutboxMessage, WebhookDelivery, WebhookEndpoint
from core.outbox import OutgoingMessage, drain, messages_enqueue
from core.webhooks import services as webhook_services
from core.webhooks import webhook_emit, webhooks_deliver
from lifecycle.models import ConstructionNews, NewsDelivery, Touchpoint
from lifecycle.services import news as news_services
from lifecycle.services.generation import touchpoints_generate
from lifecycle.tasks import restart_stalled_news_sends
from tests.factories import (
    BuildingFactory,
    ContractFactory,
    CustomerFactory,
    CustomerPhoneFactory,
    UnitFactory,
)
from tests.lifecycle.test_touchpoints_generation import contract, only

pytestmark = pytest.mark.django_db

T0 = timezone.make_aware(datetime.datetime(2026, 12, 1, 9, 0))
SECOND = datetime.timedelta(seconds=1)
MINUTES_NOT_AN_HOUR = datetime.timedelta(minutes=15)
URL = "https://hotline.example.com/crm-events"


def killed_on_call(number: int, real):
    """`real`, except that its `number`-th call does its work and then the worker dies (before the
    caller records it)."""
    calls = []

    def call(*args, **kwargs):
        calls.append(args)
        result = real(*args, **kwargs)
        if len(calls) == number:
            raise SystemExit("worker killed")
        return result

    return call


# --- webhooks --------------------------------------------------------------------------------------------


@pytest.fixture
def receiver():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.post(URL, status=204)
        yield mock


@pytest.fixture
def endpoint():
    return WebhookEndpoint.objects.create(name="热线系统", url=URL, events=["complaint.created"])


def _received(receiver) -> list[str]:
    return [call.request.headers["X-CRM-Delivery"] for call in receiver.calls]


def test_webhook_deliveries_of_a_killed_sender_are_taken_again_after_the_lease_each_delivered_once(
    endpoint, receiver, monkeypatch
):
    with time_machine.travel(T0, tick=False):
        for number in range(4):
            webhook_emit("complaint.created", key=f"complaint.created:{number}", data={"id": number})
        # The third POST is answered, then the worker dies before recording it.
        monkeypatch.setattr(
            webhook_services, "webhook_post", killed_on_call(3, webhook_services.webhook_post)
        )
        with pytest.raises(SystemExit):
            webhooks_deliver(batch_size=10)
    monkeypatch.undo()
    statuses = list(WebhookDelivery.objects.order_by("pk").values_list("status", flat=True))
    assert statuses == ["delivered", "delivered", "pending", "pending"]
    lease = datetime.timedelta(seconds=django_settings.WEBHOOK_LEASE_SECONDS)
    assert lease <= MINUTES_NOT_AN_HOUR

    with time_machine.travel(T0 + lease - SECOND, tick=False):
        assert core_tasks.deliver_webhooks() == 0  # beat's run: the dead sender's lease still holds
    with time_machine.travel(T0 + lease + SECOND, tick=False):
        assert core_tasks.deliver_webhooks() == 2

    ids = [str(d) for d in WebhookDelivery.objects.order_by("pk").values_list("delivery_id", flat=True)]
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"delivered"}
    # Nothing lost; the one answered before the kill came again with the same id (the receiver
    # de-duplicates on X-CRM-Delivery), no other twice.
    assert _received(receiver) == [ids[0], ids[1], ids[2], ids[2], ids[3]]
    with time_machine.travel(T0 + 2 * lease, tick=False):
        assert core_tasks.deliver_webhooks() == 0


def test_a_webhook_delivery_that_kills_its_sender_every_time_ends_failed_instead_of_looping(
    endpoint, receiver, settings, monkeypatch
):
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    lease = datetime.timedelta(seconds=settings.WEBHOOK_LEASE_SECONDS)
    webhook_emit("complaint.created", key="complaint.created:poison", data={"id": 1})

    def segfault(delivery, session):
        raise SystemExit("segfault")

    monkeypatch.setattr(webhook_services, "webhook_post", segfault)
    when = timezone.now()
    for _attempt in range(2):
        with pytest.raises(SystemExit):
            webhooks_deliver(now=when)
        when += lease + SECOND
    monkeypatch.undo()
    assert webhooks_deliver(now=when)["failed"] == 1
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "failed" and "stopped during the last attempt" in delivery.last_error
    assert len(receiver.calls) == 0  # not tried a third time
    assert webhooks_deliver(now=when + lease + SECOND)["claimed"] == 0


# --- the outbox ------------------------------------------------------------------------------------------


def test_an_outbox_message_claimed_by_a_killed_sender_is_sent_by_beats_drain_only_after_the_lease(sms_outbox):
    with time_machine.travel(T0, tick=False):
        messages_enqueue(
            [
                OutgoingMessage(
                    channel="sms", recipient="13812345678", kind="test", idempotency_key=f"k{n}", body="您好"
                )
                for n in range(3)
            ]
        )
        claimed = drain.claim(Q(channel="sms"), now=timezone.now(), limit=10)
        assert len(claimed) == 3  # ... and the sender is killed before it sends any
    lease = datetime.timedelta(seconds=django_settings.OUTBOX_LEASE_SECONDS)
    assert lease <= MINUTES_NOT_AN_HOUR

    with time_machine.travel(T0 + lease - SECOND, tick=False):
        assert core_tasks.drain_outbox("sms") == 0
    assert sms_outbox == []
    with time_machine.travel(T0 + lease + SECOND, tick=False):
        assert core_tasks.drain_outbox("sms") == 3
    assert sorted(message.idempotency_key for message in sms_outbox) == ["k0", "k1", "k2"]  # each once
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {"sent"}


# --- construction news -----------------------------------------------------------------------------------


def _news_for(supervisor, project, buyers: int) -> ConstructionNews:
    building = BuildingFactory(project=project)
    for _ in range(buyers):
        buyer = CustomerFactory(city_company=project.city_company)
        CustomerPhoneFactory(customer=buyer)
        ContractFactory(unit=UnitFactory(building=building), primary_buyer=buyer)
    news = news_services.news_create(
        by=supervisor,
        project=project,
        title="全面封顶",
        text="全部楼栋封顶。",
        progress_on=timezone.localdate(),
    )
    return news_services.news_send(by=supervisor, news=news, version=news.version)  # its job: started below


def _news_keys() -> list[str]:
    return list(
        OutboxMessage.objects.filter(kind="construction_news").values_list("idempotency_key", flat=True)
    )


def test_a_news_send_killed_in_its_third_batch_is_restarted_by_the_sweep_after_the_stall_time_once_each(
    supervisor, project, settings, monkeypatch
):
    settings.LIFECYCLE_NEWS_SEND_BATCH = 2
    news = _news_for(supervisor, project, buyers=7)
    with time_machine.travel(T0, tick=False):
        # Batch 3's messages are written, then the worker dies before its transaction commits.
        monkeypatch.setattr(
            news_services, "messages_enqueue", killed_on_call(3, news_services.messages_enqueue)
        )
        with pytest.raises(SystemExit):
            news_services.news_send_run(news.pk)
    monkeypatch.undo()
    news.refresh_from_db()
    assert (news.status, news.send_total, news.send_done) == ("sending", 7, 4)
    assert len(_news_keys()) == 4  # batches 1 and 2 committed; batch 3 rolled back whole
    assert NewsDelivery.objects.filter(news=news, status="sent").count() == 4
    stall = datetime.timedelta(minutes=settings.LIFECYCLE_NEWS_SEND_STALL_MINUTES)
    assert stall <= MINUTES_NOT_AN_HOUR

    with time_machine.travel(T0 + stall - SECOND, tick=False):
        assert restart_stalled_news_sends() == 0  # beat's sweep: its worker might still be sending
    with time_machine.travel(T0 + stall + SECOND, tick=False):
        assert restart_stalled_news_sends() == 1  # the fresh job runs (eager Celery)

    keys = _news_keys()
    assert len(keys) == len(set(keys)) == 7  # everyone, once
    news.refresh_from_db()
    assert (news.status, news.send_done) == ("sent", 7)
    with time_machine.travel(T0 + 3 * stall, tick=False):
        assert restart_stalled_news_sends() == 0
    assert len(_news_keys()) == 7


# --- touchpoint generation -------------------------------------------------------------------------------


def test_touchpoint_generation_killed_in_its_second_batch_and_run_again_creates_each_once(
    project, monkeypatch
):
    only("welcome_call", "mortgage_help")
    for _n in range(5):
        contract(project, signed_on=datetime.date(2025, 6, 9))
    expected = 5 * 2  # each contract, each plan
    monkeypatch.setattr(
        Touchpoint.objects, "bulk_create", killed_on_call(2, Touchpoint.objects.bulk_create)
    )  # batch 2's rows inserted, then the worker dies inside its transaction
    with pytest.raises(SystemExit):
        touchpoints_generate(today=datetime.date(2025, 6, 9), batch_size=2)
    monkeypatch.undo()
    assert Touchpoint.objects.count() == 4  # batch 1 committed, batch 2 rolled back

    rerun = touchpoints_generate(today=datetime.date(2025, 6, 9), batch_size=2)  # the redelivered task
    assert rerun.created == expected - 4
    assert Touchpoint.objects.count() == expected
    assert (
        Touchpoint.objects.values("plan_id", "contract_id", "occurrence").distinct().count() == expected
    )  # nobody twice
    assert touchpoints_generate(today=datetime.date(2025, 6, 9), batch_size=2).created == 0
