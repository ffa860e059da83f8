"""Two send jobs for one news item at once on PostgreSQL: SKIP LOCKED splits the batches, and every buyer
gets exactly one message."""

import threading

import pytest
from django.db import connection
from django.utils import timezone

from core.models import OutboxMessage
from lifecycle.models import ConstructionNews, NewsDelivery
from lifecycle.services import news as services
from tests.factories import (
    BuildingFactory,
    ContractFactory,
    CustomerFactory,
    CustomerPhoneFactory,
    UnitFactory,
)

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: SQLite has no SELECT … FOR UPDATE SKIP LOCKED and serialises writers",
    ),
    pytest.mark.django_db(transaction=True),
]
BUYERS = 40


def test_two_workers_sending_one_news_reach_each_buyer_exactly_once(supervisor, project, settings):
    settings.LIFECYCLE_NEWS_SEND_BATCH = 3  # small batches: the workers interleave
    building = BuildingFactory(project=project)
    for _ in range(BUYERS):
        buyer = CustomerFactory(city_company=project.city_company)
        CustomerPhoneFactory(customer=buyer)
        ContractFactory(unit=UnitFactory(building=building), primary_buyer=buyer)
    news = services.news_create(
        by=supervisor,
        project=project,
        title="全面封顶",
        text="全部楼栋封顶。",
        progress_on=timezone.localdate(),
    )
    services.news_send(by=supervisor, news=news, version=news.version)
    start = threading.Barrier(2)
    errors = []

    def work():
        try:
            start.wait()
            services.news_send_run(news.pk)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()  # each thread has its own connection

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not errors
    keys = list(
        OutboxMessage.objects.filter(kind="construction_news").values_list("idempotency_key", flat=True)
    )
    assert len(keys) == len(set(keys)) == BUYERS
    assert not NewsDelivery.objects.filter(news=news, status="scheduled").exists()
    sent = ConstructionNews.objects.get(pk=news.pk)
    assert (sent.status, sent.send_total, sent.send_done) == ("sent", BUYERS, BUYERS)
