"""Keyset (cursor) paging for the staff lists: "newer" and "older" links carrying a cursor, never OFFSET
and never COUNT(*), so a page costs the same at any depth of a table of millions.

Most lists page on the id, newest first; the SLA board and the work-order list page on a due time
(DueCursorPaginator, at the end). The template is includes/pagination.html.
"""

from __future__ import annotations

import binascii
import datetime
from base64 import b64decode

from cursor_pagination import CursorPage, CursorPaginator
from django.db import connection
from django.db.models import BooleanField, DateTimeField, F, Func, IntegerField, QuerySet, Value
from django.shortcuts import render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from core.api import MAX_ID

PAGE_SIZE = 25
BROKEN_LINK = _("This page link is broken; go back to the first page.")


class BrokenCursor(ValueError):
    """A cursor this server did not write: it must answer 400 before it reaches a query."""


def cursor_parts(paginator: CursorPaginator, cursor: str, width: int) -> list[str | None]:
    """The positions written in `cursor` (base64 of `a|b`), `None` for the library's none marker."""
    try:
        text = b64decode(cursor.encode("ascii"), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeError) as error:
        raise BrokenCursor(cursor) from error
    parts = [None if part == paginator.none_string else part for part in text.split(paginator.delimiter)]
    if len(parts) != width:
        raise BrokenCursor(cursor)
    return parts


def cursor_id(text: str | None) -> int:
    """An id position: ASCII digits of a bigint (`"²".isdigit()` is true, and int() refuses it)."""
    if not text or not (text.isascii() and text.isdigit()) or len(text) > 19 or not 0 < int(text) <= MAX_ID:
        raise BrokenCursor(text)
    return int(text)


def cursor_datetime(text: str) -> datetime.datetime:
    """A datetime position as the database adapts it (SQLite's is naive UTC)."""
    try:
        value = parse_datetime(text)
    except ValueError as error:  # well formed but impossible, e.g. month 13
        raise BrokenCursor(text) from error
    if value is None:
        raise BrokenCursor(text)
    return timezone.make_aware(value, datetime.UTC) if timezone.is_naive(value) else value


def cursor_date(text: str | None) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text or "")
    except ValueError as error:
        raise BrokenCursor(text) from error


def broken_link(request):
    """The answer to a page link whose cursor is broken: a 400 page, nothing queried."""
    return render(request, "400.html", {"message": BROKEN_LINK}, status=400)


def tagged_parts(paginator: CursorPaginator, cursor: str, width: int, tag: str | None) -> list[str | None]:
    """The positions of a cursor written under a non-default sort: its first part names the sort, so a
    cursor of one order is never read as a position in another (a 400, not a page that skips rows)."""
    if tag is None:
        return cursor_parts(paginator, cursor, width)
    first, *parts = cursor_parts(paginator, cursor, width + 1)
    if first != tag:
        raise BrokenCursor(cursor)
    return parts


class NewestFirstPaginator(CursorPaginator):
    """Keyset paging on the id, newest first (or oldest first, `descending=False`). The library orders
    `id DESC NULLS LAST` and adds `OR id IS NULL` to the cursor, which keep PostgreSQL off the primary
    key's index (a btree read backwards is DESC NULLS FIRST): ids are never NULL, so the order and the
    cursor are plain. `tag` (the sort's name, for a non-default sort) is written first in the cursor."""

    def __init__(self, queryset, descending: bool = True, tag: str | None = None):
        super().__init__(queryset, ordering=("-id",) if descending else ("id",))
        self.queryset = queryset.order_by("-id" if descending else "id")
        self.descending, self.tag = descending, tag

    def _nulls_ordering(self, ordering, from_last=False):
        return [F(key[1:]).desc() if key.startswith("-") else F(key).asc() for key in ordering]

    def apply_cursor(self, cursor, queryset, from_last, reverse=False):
        position = self.position(cursor)
        return (
            queryset.filter(id__gt=position)
            if reverse == self.descending
            else queryset.filter(id__lt=position)
        )

    def position(self, cursor: str) -> int:
        (pk,) = tagged_parts(self, cursor, 1, self.tag)
        return cursor_id(pk)

    def position_from_instance(self, instance):
        return [self.tag, str(instance.id)] if self.tag else [str(instance.id)]

    def page_from_request(self, request, size: int = PAGE_SIZE) -> CursorPage | None:
        """The page the request's `after` / `before` cursor asks for; None when a cursor is broken."""
        data = _paging_data(request)
        after, before = data.get("after"), data.get("before")
        if not (valid_cursor(self, after) and valid_cursor(self, before)):
            return None
        return self.page(last=size, before=before) if before else self.page(first=size, after=after)


def valid_cursor(paginator: NewestFirstPaginator, cursor: str | None) -> bool:
    """A cursor is the base64 of an id; anything else would reach the database as a bad comparison."""
    if not cursor:
        return True
    try:
        paginator.position(cursor)
    except BrokenCursor:
        return False
    return True


def _paging_data(request):
    """Where the list's filters and cursors come from: a list searched by POST pages by POST (its
    search text may be a phone number, which must not end up in a URL)."""
    return request.POST if request.method == "POST" else request.GET


def pager_context(request, paginator: CursorPaginator, page: CursorPage) -> dict:
    """What includes/pagination.html reads: the cursors of the pages around and the other filters."""
    kept = _paging_data(request).copy()
    for key in ("after", "before", "csrfmiddlewaretoken"):
        kept.pop(key, None)
    return {
        "page": page,
        "next_cursor": paginator.cursor(page[-1]) if page and page.has_next else None,
        "previous_cursor": paginator.cursor(page[0]) if page and page.has_previous else None,
        "kept_query": kept.urlencode(),
        "pager_posts": request.method == "POST",
        "kept_fields": [(key, value) for key, values in kept.lists() for value in values],
    }


def newest_first_page(
    request, queryset, size: int = PAGE_SIZE, paginator: CursorPaginator | None = None
) -> tuple[CursorPage | None, dict]:
    """The page of `queryset` the request's `after` / `before` cursor asks for, newest first (or in
    `paginator`'s order), and its pager context; (None, {}) when a cursor is broken (the view answers 400)."""
    paginator = paginator or NewestFirstPaginator(queryset)
    page = paginator.page_from_request(request, size)
    if page is None:
        return None, {}
    return page, pager_context(request, paginator, page)


# --- keyset paging on (a due time, id) ---------------------------------------------------------------


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
    """Keyset paging on (a due time, id), both ascending, a missing due time last; or `descending`, the
    exact reverse (a missing due time first), which is the same index read backwards.

    The page after (x, y) is `(due, id) > (x, y)` in one row comparison, so PostgreSQL walks an index
    on (due, id) (the board's complaint_board_current_due) from the cursor: constant cost at any depth.
    Rows without a due time come after every dated row, ordered by id; a page that crosses from one run
    into the other takes a second query (the first page never does). The cursor writes the
    datetime the way the database adapts it, so that ties on the due time page correctly on SQLite
    (which compares stored text) too; under a non-default sort it starts with the sort's name (`tag`).
    """

    def __init__(self, queryset, ordering: tuple[str, str], descending: bool = False, tag: str | None = None):
        super().__init__(queryset, ordering)
        self.due, self.id = ordering
        self.base = queryset
        self.descending, self.tag = descending, tag

    def position_from_instance(self, instance):
        position = [self.tag] if self.tag else []
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

    def page_from_request(self, request, size: int = PAGE_SIZE):
        data = _paging_data(request)
        after, before = data.get("after"), data.get("before")
        if not (self.is_valid(after) and self.is_valid(before)):
            return None
        if before:
            return self.page(last=size, before=before)
        return self.page(first=size, after=after)

    def _position(self, cursor: str) -> tuple[datetime.datetime | None, int]:
        due, pk = tagged_parts(self, cursor, 2, self.tag)
        return (None if due is None else cursor_datetime(due)), cursor_id(pk)

    def _beyond(self, due, pk: int, operator: str):
        return RowCompare(
            [F(self.due), F(self.id)], operator, [Value(due, DateTimeField()), Value(pk, IntegerField())]
        )

    def _segments(self) -> list[tuple[bool, QuerySet]]:
        """The list's two runs in its order, each as (dated?, rows): ascending, the dated rows then the
        undated; descending, the exact reverse (as a btree read backwards gives them)."""
        dated = (True, self.base.filter(**{f"{self.due}__isnull": False}))
        undated = (False, self.base.filter(**{f"{self.due}__isnull": True}))
        return [undated, dated] if self.descending else [dated, undated]

    def _walk(self, dated: bool, rows: QuerySet, forwards: bool, due=None, pk: int | None = None) -> QuerySet:
        """`rows` of one run in walking order (forwards: the list's order), beyond the cursor if given."""
        down = self.descending == forwards  # walking towards smaller values
        if pk is not None:
            if dated:
                rows = rows.filter(self._beyond(due, pk, "<" if down else ">"))
            else:
                rows = rows.filter(**{f"{self.id}__{'lt' if down else 'gt'}": pk})
        keys = (F(self.due), F(self.id)) if dated else (F(self.id),)
        return rows.order_by(*(key.desc() if down else key.asc() for key in keys))

    def page(self, first=None, last=None, after=None, before=None):
        segments = self._segments()
        forwards = last is None
        size, cursor = (first, after) if forwards else (last, before)
        if cursor is None:  # the first page: one query, in the order an index on (due, id) gives
            due = F(self.due).desc(nulls_first=True) if self.descending else F(self.due).asc(nulls_last=True)
            ids = F(self.id).desc() if self.descending else F(self.id).asc()
            rows = list(self.base.order_by(due, ids)[: size + 1])
            return CursorPage(rows[:size], self, has_next=len(rows) > size, has_previous=False)
        due, pk = self._position(cursor)
        at = next(index for index, (dated, _rows) in enumerate(segments) if dated == (due is not None))
        rows = list(self._walk(*segments[at], forwards, due, pk)[: size + 1])
        following = at + 1 if forwards else at - 1  # the other run, when the page crosses into it
        if len(rows) <= size and 0 <= following < len(segments):
            rows += list(self._walk(*segments[following], forwards)[: size + 1 - len(rows)])
        if forwards:
            return CursorPage(rows[:size], self, has_next=len(rows) > size, has_previous=True)
        return CursorPage(rows[:size][::-1], self, has_next=True, has_previous=len(rows) > size)


def rows_of_page(page: CursorPage, rows: QuerySet) -> CursorPage:
    """The page's full rows, read by id from `rows`, in the page's order: for a list paged on its keys
    alone (an index-only walk that filters the index tuples), then read in one query by primary key."""
    by_id = rows.in_bulk([key.pk for key in page])
    page.items = [by_id[key.pk] for key in page if key.pk in by_id]
    return page
