"""Keyset paging on (a due time, id): the SLA board and the work-order list, constant cost at any depth."""

from __future__ import annotations

import datetime

from cursor_pagination import CursorPage, CursorPaginator
from django.db import connection
from django.db.models import BooleanField, DateTimeField, F, Func, IntegerField, Value

from crm.paging import PAGE_SIZE, BrokenCursor, cursor_datetime, cursor_id, cursor_parts


class RowCompare(Func):
    """`(a, b) > (x, y)`: one SQL row-value comparison (PostgreSQL, SQLite ≥ 3.15). Unlike the
    expanded `a > x OR (a = x AND b > y)`, it is a range condition on a btree index over (a, b)."""

    output_field = BooleanField()

    def __init__(self, columns: list, operator: str, values: list):
        if operator not in ("<", ">") or len(columns) != len(values):
            raise ValueError("RowCompare needs < or > and as many values as columns")
        super().__init__(*columns, *values)
        self.operator = operator

    def as_sql(self, compiler, connection, **extra_context):
        parts, params = [], []
        for expression in self.get_source_expressions():
            sql, expression_params = compiler.compile(expression)
            parts.append(sql)
            params.extend(expression_params)
        width = len(parts) // 2
        return f"({', '.join(parts[:width])}) {self.operator} ({', '.join(parts[width:])})", params


class DueCursorPaginator(CursorPaginator):
    """Keyset paging on (a due time, id), both ascending, a missing due time last.

    The page after (x, y) is `(due, id) > (x, y)` in one row comparison, so PostgreSQL walks an index
    on (due, id) (the board's complaint_board_current_due) from the cursor: constant cost at any depth.
    Rows without a due time come after every dated row, ordered by id; a page that crosses from the
    dated rows into them takes a second query. The cursor writes the datetime the way the database
    adapts it, so that ties on the due time page correctly on SQLite (which compares stored text) too.
    """

    def __init__(self, queryset, ordering: tuple[str, str]):
        super().__init__(queryset, ordering)
        self.due, self.id = ordering
        self.base = queryset

    def position_from_instance(self, instance):
        position = []
        for order in self.ordering:
            value = getattr(instance, order.lstrip("-"))
            if value is None:
                position.append(self.none_string)
            elif isinstance(value, datetime.datetime):
                position.append(str(connection.ops.adapt_datetimefield_value(value)))
            else:
                position.append(str(value))
        return position

    def is_valid(self, cursor: str | None) -> bool:
        """A broken cursor is a 400, never a database error."""
        if not cursor:
            return True
        try:
            self._position(cursor)
        except BrokenCursor:
            return False
        return True

    def page_from_request(self, request):
        after, before = request.GET.get("after"), request.GET.get("before")
        if not (self.is_valid(after) and self.is_valid(before)):
            return None
        if before:
            return self.page(last=PAGE_SIZE, before=before)
        return self.page(first=PAGE_SIZE, after=after)

    def _position(self, cursor: str) -> tuple[datetime.datetime | None, int]:
        due, pk = cursor_parts(self, cursor, 2)
        return (None if due is None else cursor_datetime(due)), cursor_id(pk)

    def _beyond(self, due, pk: int, operator: str):
        return RowCompare(
            [F(self.due), F(self.id)], operator, [Value(due, DateTimeField()), Value(pk, IntegerField())]
        )

    def page(self, first=None, last=None, after=None, before=None):
        dated = self.base.filter(**{f"{self.due}__isnull": False})
        undated = self.base.filter(**{f"{self.due}__isnull": True})
        forwards, backwards = (F(self.due).asc(), F(self.id).asc()), (F(self.due).desc(), F(self.id).desc())
        if last is not None:  # the page before `before`, walking backwards
            size, (due, pk) = last, self._position(before)
            if due is None:
                rows = list(undated.filter(**{f"{self.id}__lt": pk}).order_by(F(self.id).desc())[: size + 1])
                if len(rows) <= size:
                    rows += list(dated.order_by(*backwards)[: size + 1 - len(rows)])
            else:
                rows = list(dated.filter(self._beyond(due, pk, "<")).order_by(*backwards)[: size + 1])
            items = rows[:size][::-1]
            return CursorPage(items, self, has_next=True, has_previous=len(rows) > size)
        size = first
        if after is None:
            rows = list(self.queryset[: size + 1])  # ordered by (due NULLS LAST, id)
        else:
            due, pk = self._position(after)
            if due is None:
                rows = list(undated.filter(**{f"{self.id}__gt": pk}).order_by(self.id)[: size + 1])
            else:
                rows = list(dated.filter(self._beyond(due, pk, ">")).order_by(*forwards)[: size + 1])
                if len(rows) <= size:
                    rows += list(undated.order_by(self.id)[: size + 1 - len(rows)])
        return CursorPage(rows[:size], self, has_next=len(rows) > size, has_previous=after is not None)
