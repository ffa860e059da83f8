"""Rows into a table the fast way: COPY … FROM STDIN (CSV built in memory) on PostgreSQL, executemany
elsewhere (SQLite, for tests); in chunks, so that memory stays flat, with a progress bar per table."""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterable
from decimal import Decimal

from django.core.management.base import CommandError
from django.db import connection
from tqdm import tqdm

CHUNK_ROWS = 50_000


class RowWriter:
    """COPY … FROM STDIN (CSV) on PostgreSQL, executemany elsewhere; in chunks, with a progress bar."""

    def __init__(self, quiet: bool):
        self.postgres = connection.vendor == "postgresql"
        self.quiet = quiet
        self.counts: dict[str, int] = {}

    def write(self, model, columns: list[str], rows: Iterable[tuple], total: int) -> int:
        table = model._meta.db_table
        self._check_columns(model, columns)
        written = 0
        bar = tqdm(total=total, desc=table, unit="row", disable=self.quiet, mininterval=1.0)
        chunk: list[tuple] = []
        for row in rows:
            chunk.append(row)
            if len(chunk) >= CHUNK_ROWS:
                self._flush(table, columns, chunk)
                written += len(chunk)
                bar.update(len(chunk))
                chunk = []
        if chunk:
            self._flush(table, columns, chunk)
            written += len(chunk)
            bar.update(len(chunk))
        bar.close()
        self.counts[table] = self.counts.get(table, 0) + written
        return written

    @staticmethod
    def _check_columns(model, columns: list[str]) -> None:
        """Every NOT NULL column must be written: the database has no defaults of Django's."""
        required = {f.column for f in model._meta.concrete_fields if not f.null and not f.primary_key} - set(
            columns
        )
        if required:
            raise CommandError(f"{model._meta.db_table}: missing columns {sorted(required)}")

    def _flush(self, table: str, columns: list[str], chunk: list[tuple]) -> None:
        with connection.cursor() as cursor:
            if self.postgres:
                buffer = io.StringIO()
                writer = csv.writer(buffer)
                writer.writerows(tuple(r"\N" if v is None else v for v in row) for row in chunk)
                buffer.seek(0)
                sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv, NULL '\\N')"
                cursor.cursor.copy_expert(sql, buffer)
            else:
                ops = connection.ops
                placeholders = ", ".join(["%s"] * len(columns))
                adapted = [
                    tuple(
                        ops.adapt_datetimefield_value(v)
                        if isinstance(v, datetime.datetime)
                        else str(v)
                        if isinstance(v, datetime.date | Decimal)
                        else v
                        for v in row
                    )
                    for row in chunk
                ]
                cursor.executemany(
                    # The table and columns are the loaders' literals, checked against the model above.
                    f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})",  # nosec B608
                    adapted,
                )


def next_id(model) -> int:
    """The first id after the table's rows: the writers number their rows themselves."""
    last = model.objects.order_by("-pk").values_list("pk", flat=True).first()
    return (last or 0) + 1
