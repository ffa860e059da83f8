"""/healthz: which part is down.

    {"status": "ok" | "degraded" | "unavailable",
     "checks": {"database": "ok" | "down", "broker": "ok" | "down",
                "cache": "ok" | "down", "sweep": "ok" | "late" | "never"},
     "sweep_last_run": ISO time or null}

503 ("unavailable") when a required part is down: the database (nothing works without it) or the
Celery broker (nothing is sent or swept). The cache and the sweep are reported but not required: pages
work without the cache (core.cache), and a late sweep is beat's or the workers' trouble, not the web's,
so taking the web nodes out of the load balancer would not help; they make the status "degraded" (200),
which monitoring should alert on. The sweep is late when its last run (core.models.Heartbeat, moved
by core.tasks.sweep_deadlines) is older than HEALTH_SWEEP_LATE_PERIODS × SLA_SWEEP_SECONDS.
"""

import datetime
import logging

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from core.models import Heartbeat

logger = logging.getLogger(__name__)

REQUIRED = ("database", "broker")
CACHE_PROBE_KEY = "crm:healthz"


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        logger.warning("healthz: the database does not answer", exc_info=True)
        return False


def _broker_ok() -> bool:
    from crm.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        return True
    except Exception:
        logger.warning("healthz: the broker does not answer", exc_info=True)
        return False


def _cache_ok() -> bool:
    """A write read back: the fail-soft cache (core.cache) answers a miss instead of raising."""
    probe = timezone.now().isoformat()
    try:
        cache.set(CACHE_PROBE_KEY, probe, 30)
        return cache.get(CACHE_PROBE_KEY) == probe
    except Exception:
        logger.warning("healthz: the cache does not answer", exc_info=True)
        return False


def _sweep_state(database_ok: bool, now: datetime.datetime) -> tuple[str, datetime.datetime | None]:
    if not database_ok:
        return "never", None  # unknown; the database's own "down" says why
    last = Heartbeat.last(Heartbeat.SWEEP)
    if last is None:
        return "never", None
    late_after = datetime.timedelta(seconds=settings.SLA_SWEEP_SECONDS * settings.HEALTH_SWEEP_LATE_PERIODS)
    return ("late" if now - last > late_after else "ok"), last


@never_cache
@require_GET
def healthz(request):
    database_ok = _database_ok()
    sweep, last_sweep = _sweep_state(database_ok, timezone.now())
    checks = {
        "database": "ok" if database_ok else "down",
        "broker": "ok" if _broker_ok() else "down",
        "cache": "ok" if _cache_ok() else "down",
        "sweep": sweep,
    }
    if any(checks[part] != "ok" for part in REQUIRED):
        status = "unavailable"
    elif checks["cache"] != "ok" or sweep == "late":
        status = "degraded"
    else:
        status = "ok"
    return JsonResponse(
        {
            "status": status,
            "checks": checks,
            "sweep_last_run": last_sweep.isoformat() if last_sweep else None,
        },
        status=503 if status == "unavailable" else 200,
    )
