"""/metrics: what operators watch, in Prometheus's text format (README, "Deployment": what to alert on).

- request counts and latency by view: django-prometheus's middleware (its own `django_http_*` series);
- `crm_celery_queue_length{queue}`: messages waiting in each Celery queue (crm/queues.py), read from
  Redis (LLEN) at scrape time; `crm_broker_up` 0 when Redis does not answer (then no lengths);
- `crm_sweep_lag_seconds{sweep}`: how long the longest-waiting due step of each deadline sweep has
  waited (0: nothing due); a growing lag means the sweeps' worker or beat is down or behind;
- `crm_escalations_fired_last_hour{sweep}`: escalations (levels 1–3, not warnings) each sweep recorded
  in the last hour, counted in its exactly-once alert table.

Not public (crm/settings_machines.py): a bearer token (METRICS_TOKEN) or an allowed address
(METRICS_ALLOWED_IPS); anyone else gets 404. The figures read from the database are cached for
METRICS_DB_SECONDS. Under gunicorn with several processes, set PROMETHEUS_MULTIPROC_DIR so that the
request figures of every process are added up (deploy/gunicorn.conf.py cleans up after a process).
"""

from __future__ import annotations

import datetime
import hmac
import ipaddress
import logging
import os
from collections.abc import Iterator

import redis
from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from core.escalation import SWEEP_CLASSES
from core.middleware import client_ip
from crm.celery import app as celery_app
from crm.queues import DEFAULT, QUEUES

logger = logging.getLogger(__name__)

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# kombu's Redis transport keeps a queue's messages of priority 3, 6 and 9 in lists of their own.
PRIORITY_SUFFIXES = ("", "\x06\x163", "\x06\x166", "\x06\x169")
DB_CACHE_KEY = "crm-metrics:db"


def queue_lengths(broker_url: str) -> dict[str, int] | None:
    """Messages waiting per queue, None when the broker is not Redis or does not answer."""
    if not broker_url.startswith(("redis://", "rediss://")):
        return None
    client = redis.Redis.from_url(broker_url, socket_timeout=2, socket_connect_timeout=2)
    try:
        with client.pipeline(transaction=False) as pipe:
            for queue in (*QUEUES, DEFAULT):
                for suffix in PRIORITY_SUFFIXES:
                    pipe.llen(queue + suffix)
            counts = pipe.execute()
    except redis.RedisError as error:
        logger.warning("metrics: the broker did not answer: %s", error)
        return None
    finally:
        client.close()
    step = len(PRIORITY_SUFFIXES)
    return {queue: sum(counts[n * step : (n + 1) * step]) for n, queue in enumerate((*QUEUES, DEFAULT))}


def sweep_figures(now: datetime.datetime) -> dict[str, dict[str, float]]:
    """Per deadline sweep: its lag in seconds and the escalations it fired in the last hour."""
    celery_app.loader.import_default_modules()  # every app's tasks, and so every sweep class
    lag: dict[str, float] = {}
    fired: dict[str, float] = {}
    for sweep_class in SWEEP_CLASSES:
        if sweep_class.__module__.startswith("tests."):
            continue
        sweep = sweep_class()
        oldest = sweep.oldest_due(now)
        lag[sweep.name] = max(0.0, (now - oldest).total_seconds()) if oldest else 0.0
        fired[sweep.name] = float(
            sweep.alert_model.objects.filter(
                fired_at__gte=now - datetime.timedelta(hours=1), level__gte=1
            ).count()
        )
    return {"lag": lag, "fired": fired}


class CrmCollector(Collector):
    """The CRM's own figures, read when Prometheus scrapes."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        lengths = queue_lengths(settings.CELERY_BROKER_URL)
        yield GaugeMetricFamily(
            "crm_broker_up",
            "1 when the Celery broker (Redis) answered this scrape",
            value=int(lengths is not None),
        )
        if lengths is not None:
            family = GaugeMetricFamily(
                "crm_celery_queue_length", "Messages waiting in a Celery queue", labels=["queue"]
            )
            for queue, length in lengths.items():
                family.add_metric([queue], length)
            yield family
        figures = cache.get(DB_CACHE_KEY)
        database_up = 1
        if figures is None:
            try:
                figures = sweep_figures(timezone.now())
            except DatabaseError as error:
                logger.warning("metrics: the database did not answer: %s", error)
                figures, database_up = {"lag": {}, "fired": {}}, 0
            else:
                cache.set(DB_CACHE_KEY, figures, settings.METRICS_DB_SECONDS)
        yield GaugeMetricFamily("crm_database_up", "1 when the database answered", value=database_up)
        lag = GaugeMetricFamily(
            "crm_sweep_lag_seconds", "Age of the oldest due, unswept deadline step", labels=["sweep"]
        )
        fired = GaugeMetricFamily(
            "crm_escalations_fired_last_hour", "Escalations recorded in the last hour", labels=["sweep"]
        )
        for name, seconds in sorted(figures["lag"].items()):
            lag.add_metric([name], seconds)
        for name, count in sorted(figures["fired"].items()):
            fired.add_metric([name], count)
        yield lag
        yield fired


def may_scrape(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    if token and hmac.compare_digest(header.encode(), f"Bearer {token}".encode()):
        return True
    if not settings.METRICS_ALLOWED_IPS:
        return False
    try:
        address = ipaddress.ip_address(client_ip(request))
    except ValueError:
        return False
    return any(
        address in ipaddress.ip_network(network, strict=False) for network in settings.METRICS_ALLOWED_IPS
    )


def _request_figures() -> bytes:
    """django-prometheus's series: of every gunicorn process (multiprocess mode), or of this one."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        return generate_latest(registry)
    return generate_latest(REGISTRY)


@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    if not may_scrape(request):
        raise Http404
    own = CollectorRegistry(auto_describe=False)
    own.register(CrmCollector())
    return HttpResponse(_request_figures() + generate_latest(own), content_type=CONTENT_TYPE)
