"""Fixtures for the fault tests: Redis (the broker and the cache) pointed at a port nothing listens on."""

import pytest

from crm.celery import app as celery_app
from tests.complaints.conftest import fresh_reference_data, leak, make_complaint, seeded_categories  # noqa: F401

DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1: a real connection refused


def _reset_broker_pools():
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def broker_down():
    """Celery publishes to a dead Redis, as in production with Redis down (not eager: a real publish)."""
    saved = celery_app.conf.broker_url, celery_app.conf.broker_write_url, celery_app.conf.task_always_eager
    celery_app.conf.broker_url = celery_app.conf.broker_write_url = DEAD_REDIS
    celery_app.conf.task_always_eager = False
    _reset_broker_pools()
    yield
    celery_app.conf.broker_url, celery_app.conf.broker_write_url, celery_app.conf.task_always_eager = saved
    _reset_broker_pools()


@pytest.fixture
def cache_down(settings):
    """CACHE_URL at a dead Redis, with the backend crm/settings.py picks for redis:// URLs."""
    settings.CACHES = {
        "default": {
            "BACKEND": "core.cache.FailSoftRedisCache",
            "LOCATION": DEAD_REDIS,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }


@pytest.fixture
def redis_down(broker_down, cache_down):
    """Redis gone: the broker and the cache both."""
