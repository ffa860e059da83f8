"""Behind PgBouncer in transaction mode (DATABASE_POOLER=pgbouncer, README "Connection pooling").

Each transaction may run on another server connection, so the settings must keep nothing in the
session: no server-side cursors, no startup options (jit=off comes from the database role). These run
in CI's PgBouncer step (.ci/run), where DATABASE_URL leads to PgBouncer; skipped elsewhere.
"""

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import connections

behind_pgbouncer = pytest.mark.skipif(
    getattr(settings, "DATABASE_POOLER", "") != "pgbouncer",
    reason="DATABASE_POOLER is not pgbouncer (CI's PgBouncer step sets it)",
)
pytestmark = [behind_pgbouncer, pytest.mark.django_db(databases="__all__")]


def _scalar(alias: str, sql: str):
    with connections[alias].cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


def _postgresql_aliases() -> list[str]:
    return [alias for alias in connections if connections[alias].vendor == "postgresql"]


def test_the_connection_really_goes_through_a_pooler():
    # PgBouncer listens on its own port; the server behind it on PostgreSQL's.
    configured = int(connections["default"].settings_dict["PORT"])
    assert _scalar("default", "SELECT inet_server_port()") != configured


def test_server_side_cursors_are_off_for_every_postgresql_alias():
    assert _postgresql_aliases()
    for alias in _postgresql_aliases():
        assert connections[alias].settings_dict["DISABLE_SERVER_SIDE_CURSORS"] is True


def test_a_queryset_read_with_iterator_declares_no_cursor_on_the_server():
    # Without the setting, iterator() reads through a named cursor (DECLARE …, WITH HOLD outside a
    # transaction), which pg_cursors lists while it is open. Inside the test's transaction the query
    # below runs on the same server connection as the iterator's.
    rows = ContentType.objects.order_by("id").iterator(chunk_size=1)
    assert next(rows) is not None and next(rows) is not None
    assert _scalar("default", "SELECT count(*) FROM pg_cursors WHERE name LIKE '_django_curs_%%'") == 0
    assert sum(1 for _ in rows) == ContentType.objects.count() - 2


@pytest.mark.skipif(settings.POSTGRES_OPTIONS == "", reason="POSTGRES_JIT=1: the JIT stays on")
def test_jit_is_off_without_startup_options():
    for alias in _postgresql_aliases():
        assert "options" not in connections[alias].settings_dict.get("OPTIONS", {})
        assert _scalar(alias, "SHOW jit") == "off"  # the role's own setting (ALTER ROLE … SET jit = off)
