"""Django's Redis cache, failing soft: with Redis unreachable a read is a miss and a write is dropped.

Everything the CRM keeps in the cache can be recomputed or lost (reference lists, dashboard counts,
import progress, the WeChat token, rate-limit counters), so a Redis outage must not turn pages into
500s. Connection errors and timeouts are logged (at most once a minute per process) and answered as:
get → the default, add → False (not added), incr → None (django-ratelimit then applies
RATELIMIT_FAIL_OPEN; the outbox's channel rate falls back to a per-worker pace), set/delete → nothing.
Other Redis errors (a wrong type, a bad command) still raise: they are bugs, not outages.
"""

from __future__ import annotations

import functools
import logging
import time

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

OUTAGE_ERRORS = (RedisConnectionError, RedisTimeoutError, ConnectionError, TimeoutError, OSError)
WARN_EVERY_SECONDS = 60
_last_warning = 0.0


def _warn(operation: str, error: Exception) -> None:
    global _last_warning
    moment = time.monotonic()
    if moment - _last_warning >= WARN_EVERY_SECONDS or not _last_warning:
        _last_warning = moment
        logger.warning("Cache unreachable (%s: %s); carrying on without it", operation, error)


def _soft(on_outage):
    """Run the cache operation; on an outage log it and return on_outage(args, kwargs)."""

    def decorate(method):
        @functools.wraps(method)
        def wrapper(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except OUTAGE_ERRORS as error:
                _warn(method.__name__, error)
                return on_outage(args, kwargs)

        return wrapper

    return decorate


def _default(args, kwargs):
    return kwargs.get("default", args[1] if len(args) > 1 else None)


class FailSoftRedisCache(RedisCache):
    """CACHES' backend for redis:// URLs (crm/settings.py picks it)."""

    get = _soft(_default)(RedisCache.get)
    add = _soft(lambda args, kwargs: False)(RedisCache.add)
    set = _soft(lambda args, kwargs: None)(RedisCache.set)
    touch = _soft(lambda args, kwargs: False)(RedisCache.touch)
    delete = _soft(lambda args, kwargs: False)(RedisCache.delete)
    get_many = _soft(lambda args, kwargs: {})(RedisCache.get_many)
    has_key = _soft(lambda args, kwargs: False)(RedisCache.has_key)
    incr = _soft(lambda args, kwargs: None)(RedisCache.incr)
    set_many = _soft(lambda args, kwargs: list(args[0]) if args else [])(RedisCache.set_many)
    delete_many = _soft(lambda args, kwargs: None)(RedisCache.delete_many)
    clear = _soft(lambda args, kwargs: False)(RedisCache.clear)
