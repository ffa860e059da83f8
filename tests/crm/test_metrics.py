"""/metrics: Prometheus's figures, for its token or an allowed address only; robust to Redis down."""

import datetime

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from complaints.sla import ComplaintSlaSweep
from crm import metrics

pytestmark = pytest.mark.django_db

TOKEN = "scrape-secret-0123456789"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.delete(metrics.DB_CACHE_KEY)
    yield
    cache.delete(metrics.DB_CACHE_KEY)


def test_without_the_token_or_an_allowed_address_metrics_are_not_found(client, settings):
    settings.METRICS_TOKEN = TOKEN

    assert client.get(reverse("metrics")).status_code == 404
    assert client.get(reverse("metrics"), HTTP_AUTHORIZATION="Bearer wrong").status_code == 404


def test_the_token_opens_metrics_with_request_and_sweep_figures(client, settings, monkeypatch):
    settings.METRICS_TOKEN = TOKEN
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens: Redis "down"
    ten_minutes_ago = timezone.now() - datetime.timedelta(minutes=10)
    monkeypatch.setattr(ComplaintSlaSweep, "oldest_due", lambda self, now: ten_minutes_ago)

    response = client.get(reverse("metrics"), HTTP_AUTHORIZATION=f"Bearer {TOKEN}")

    assert response.status_code == 200
    text = response.content.decode()
    assert "django_http_requests_latency_seconds_by_view_method" in text
    assert "crm_broker_up 0.0" in text
    assert "crm_celery_queue_length" not in text
    lag = next(
        line for line in text.splitlines() if line.startswith('crm_sweep_lag_seconds{sweep="SLA sweep"}')
    )
    assert float(lag.split()[-1]) >= 590
    assert 'crm_escalations_fired_last_hour{sweep="SLA sweep"} 0.0' in text


def test_an_allowed_address_opens_metrics(client, settings):
    settings.METRICS_ALLOWED_IPS = ["10.0.0.0/8"]

    assert client.get(reverse("metrics"), REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get(reverse("metrics"), REMOTE_ADDR="192.168.1.1").status_code == 404


def test_queue_lengths_are_read_from_redis_per_queue(monkeypatch):
    class FakePipeline:
        def __init__(self):
            self.keys = []

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def llen(self, key):
            self.keys.append(key)

        def execute(self):
            return [7 if key == "bulk" else 1 if key == "sweeps\x06\x169" else 0 for key in self.keys]

    class FakeRedis:
        def pipeline(self, transaction):
            return FakePipeline()

        def close(self):
            pass

    monkeypatch.setattr(metrics.redis.Redis, "from_url", lambda *args, **kwargs: FakeRedis())

    lengths = metrics.queue_lengths("redis://broker:6379/0")

    assert lengths == {"sweeps": 1, "messages": 0, "bulk": 7, "reports": 0, "celery": 0}
    assert metrics.queue_lengths("filesystem://") is None
