"""The read replica: heavy reads (dashboards, reports, exports, the metrics API) may go to a streaming
replica of the database, so that counting a million complaints does not load the primary.

- `DATABASE_REPLICA_URL` (crm/settings.py) adds a second database alias, "replica", and sets
  `READ_REPLICA_ALIAS`. Without it everything reads the primary.
- Code opts in with `reading_replica()`, a context manager and a decorator. Only reads made inside it
  go to the replica; writes always go to the primary, and so does every read outside it (a form, a
  list, the session and the user's rights: what a user must see at once, including their own writes).
- Inside a transaction on the primary, reads stay on the primary too: a transaction sees its own
  writes, which the replica has not had yet.
- The switch is a context variable: it holds for the thread (a sync view, a Celery task) or the asyncio
  task that entered it, and nowhere else.

A replica lags the primary by a little (usually well under a second): figures read from it may miss
the latest rows, which is why only figures and exports read from it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

_reading_replica: ContextVar[bool] = ContextVar("reading_replica", default=False)


@contextmanager
def reading_replica() -> Iterator[None]:
    """Reads inside go to the replica when one is configured. Nests; as a decorator, each call of the
    decorated function enters it anew (`@reading_replica()`)."""
    token = _reading_replica.set(True)
    try:
        yield
    finally:
        _reading_replica.reset(token)


def replica_alias() -> str | None:
    """The replica's database alias, or None when there is none (then everything reads the primary)."""
    alias = getattr(settings, "READ_REPLICA_ALIAS", None)
    return alias if alias and alias in settings.DATABASES else None


def is_reading_replica() -> bool:
    """Whether reads made here go to the replica (inside `reading_replica()`, with a replica)."""
    if not _reading_replica.get():
        return False
    if replica_alias() is None:
        return False
    return not connections[DEFAULT_DB_ALIAS].in_atomic_block


class ReplicaRouter:
    """settings.DATABASE_ROUTERS: reads inside `reading_replica()` → the replica; everything else →
    the primary ("default"). The replica is a copy of the primary: rows read from either relate."""

    def db_for_read(self, model, **hints) -> str:
        if is_reading_replica():
            return replica_alias() or DEFAULT_DB_ALIAS
        return DEFAULT_DB_ALIAS

    def db_for_write(self, model, **hints) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool | None:
        databases = {DEFAULT_DB_ALIAS, replica_alias()}
        if obj1._state.db in databases and obj2._state.db in databases:
            return True
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints) -> bool:
        # The replica receives the primary's schema through replication; nothing migrates it.
        return db == DEFAULT_DB_ALIAS
