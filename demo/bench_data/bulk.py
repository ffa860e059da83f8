"""Around a bulk load on PostgreSQL: foreign-key triggers off, plain indexes dropped and rebuilt once,
statistics taken, sequences moved past the copied ids. Each step does nothing on other databases."""

from __future__ import annotations

import contextlib

from django.db import connection
from tqdm import tqdm


def skip_foreign_key_triggers() -> None:
    """Bulk load: skip the per-row foreign-key triggers for the rest of the transaction (the rows are
    consistent by construction; tests/demo/test_bench.py checks it). Needs a superuser; else keep them."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        if cursor.fetchone()[0]:
            cursor.execute("SET LOCAL session_replication_role = replica")


@contextlib.contextmanager
def indexes_dropped(models, *, quiet: bool):
    """Drop the plain (non-constraint) indexes during COPY and build them once afterwards:
    building an index over a finished table is several times faster than growing it row by row."""
    if connection.vendor != "postgresql":
        yield
        return
    tables = [m._meta.db_table for m in models]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) AND indexname NOT IN "
            "(SELECT conname FROM pg_constraint WHERE conindid <> 0)",
            [tables],
        )
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
        for _name, definition in tqdm(indexes, desc="indexes", disable=quiet):
            cursor.execute(definition)


def analyze(*models) -> None:
    """Planner statistics for freshly copied tables (ANALYZE runs inside a transaction, VACUUM not)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"ANALYZE {model._meta.db_table}")


def reset_sequences(models) -> None:
    """Move each table's id sequence past the ids the load wrote itself."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in models:
            table = model._meta.db_table
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"GREATEST((SELECT MAX(id) FROM {table}), 1))"  # nosec B608  # a model's table name
            )


def vacuum_analyze() -> None:
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        # VACUUM as well: it marks the copied pages all-visible, so index-only scans work at once.
        # It cannot run inside a transaction (a caller's atomic block, a test): ANALYZE only.
        cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")
