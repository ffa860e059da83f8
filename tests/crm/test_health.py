"""/healthz answers 200 only when both the database and the Celery broker answer."""

import pytest
from django.db import OperationalError

from crm import health
from crm.celery import app as celery_app

UNREACHABLE_BROKER = "redis://127.0.0.1:1/0"  # nothing listens on port 1


@pytest.fixture
def broker_down():
    saved = celery_app.conf.broker_url, celery_app.conf.broker_write_url
    celery_app.conf.broker_url = UNREACHABLE_BROKER
    celery_app.conf.broker_write_url = UNREACHABLE_BROKER
    yield
    celery_app.conf.broker_url, celery_app.conf.broker_write_url = saved


class _DownDatabase:
    def cursor(self):
        raise OperationalError("could not connect to server")


@pytest.mark.django_db
def test_healthz_is_200_when_database_and_broker_answer(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "broker": "ok"}}


@pytest.mark.django_db
def test_healthz_is_503_when_the_broker_is_down(client, broker_down):
    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "broker": "down"}


@pytest.mark.django_db
def test_healthz_is_503_when_the_database_is_down(client, monkeypatch):
    monkeypatch.setattr(health, "connection", _DownDatabase())

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "down", "broker": "ok"}


def test_healthz_needs_no_login_and_is_never_cached(client, db):
    response = client.get("/healthz")

    assert "no-cache" in response["Cache-Control"]
