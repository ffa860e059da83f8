"""A channel's rate limit, shared by every sender: at most N messages per clock second.

The count lives in Django's cache (Redis in production: one atomic INCR per slice of slots), so the
limit holds across workers and machines; the laptop's in-memory cache holds it within one process.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.core.cache import cache as default_cache


class ChannelRate:
    def __init__(
        self,
        channel: str,
        per_second: int,
        *,
        cache=None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.channel = channel
        self.per_second = int(per_second or 0)
        self.cache = cache or default_cache
        self.clock = clock
        self.sleep = sleep

    def take(self, wanted: int) -> int:
        """Take up to `wanted` send slots (at least one), waiting for the next second when this
        second's are gone. Without a limit, all of them at once."""
        if self.per_second <= 0:
            return wanted
        while True:
            now = self.clock()
            second = int(now)
            key = f"outbox-rate:{self.channel}:{second}"
            self.cache.add(key, 0, timeout=10)
            try:
                used = self.cache.incr(key, wanted)
            except ValueError:  # the key expired between add and incr: count again
                continue
            if used is None:
                # The cache is unreachable (core.cache): this worker keeps the pace on its own, one
                # second's slots per second, until the shared count is back.
                self.sleep(max(0.001, second + 1 - now))
                return min(wanted, self.per_second)
            granted = min(wanted, self.per_second - (used - wanted))
            if granted > 0:
                return granted
            self.sleep(max(0.001, second + 1 - now))
