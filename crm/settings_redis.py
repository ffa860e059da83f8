"""Redis as Celery's broker and as the cache, and what happens when it is down (README, "When something
fails"). Part of the one settings module (crm/settings.py imports everything here); read from the same
environment variables.
"""

import environ
from django.core.exceptions import ImproperlyConfigured

env = environ.Env()  # crm/settings.py has read .env already (into the process environment)

if env.str("CELERY_BROKER_URL", default="filesystem://").startswith(("redis://", "rediss://")):
    # acks_late: a message a killed worker took comes back only after the visibility timeout. Nothing
    # clocked waits for it (beat sends the sweeps and the drains again every minute, and their claims
    # are row locks or leases in the database), so the timeout only has to outlast the longest task's
    # hard time limit (3600 s, the nightly jobs): shorter, Redis would hand a task still running to a
    # second worker. See the README's "When something fails".
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3900),
        "socket_connect_timeout": 2,
        "socket_timeout": 5,
    }
    if CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] <= 3600:
        raise ImproperlyConfigured(
            "CELERY_VISIBILITY_TIMEOUT must exceed the longest task time limit (3600 s)."
        )

# A web request enqueuing with the broker down gives up after one quick retry (on_commit(robust=True)
# logs it; the rows wait in the database for beat's next sweep or drain) instead of hanging.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}


def cache_for_redis(cache: dict) -> dict:
    """With Redis down a read is a miss and a write is dropped (core.cache), never a 500; a Redis that
    does not answer within CACHE_TIMEOUT_SECONDS counts as down. Other caches are kept as they are."""
    if cache["BACKEND"] != "django.core.cache.backends.redis.RedisCache":
        return cache
    timeout = env.float("CACHE_TIMEOUT_SECONDS", default=1.0)
    options = {**cache.get("OPTIONS", {}), "socket_connect_timeout": timeout, "socket_timeout": timeout}
    return {**cache, "BACKEND": "core.cache.FailSoftRedisCache", "OPTIONS": options}


# /healthz calls the sweep late when its last run is older than this many periods.
HEALTH_SWEEP_LATE_PERIODS = env.int("HEALTH_SWEEP_LATE_PERIODS", default=5)
