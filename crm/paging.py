"""Keyset (cursor) paging for the staff lists: "newer" and "older" links carrying a cursor, never OFFSET
and never COUNT(*), so a page costs the same at any depth of a table of millions.

The SLA board and the work-order list page on a due time (complaints.views.DueCursorPaginator); the
lists here page on the id, newest first. The template is includes/pagination.html.
"""

from __future__ import annotations

import binascii
import datetime
from base64 import b64decode

from cursor_pagination import CursorPage, CursorPaginator
from django.db.models import F
from django.shortcuts import render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from crm.api import MAX_ID

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


class NewestFirstPaginator(CursorPaginator):
    """Keyset paging on the id, newest first. The library orders `id DESC NULLS LAST` and adds
    `OR id IS NULL` to the cursor, which keep PostgreSQL off the primary key's index (a btree read
    backwards is DESC NULLS FIRST): ids are never NULL, so the order and the cursor are plain."""

    def __init__(self, queryset):
        super().__init__(queryset, ordering=("-id",))
        self.queryset = queryset.order_by("-id")

    def _nulls_ordering(self, ordering, from_last=False):
        return [F(key[1:]).desc() if key.startswith("-") else F(key).asc() for key in ordering]

    def apply_cursor(self, cursor, queryset, from_last, reverse=False):
        position = self.position(cursor)
        return queryset.filter(id__gt=position) if reverse else queryset.filter(id__lt=position)

    def position(self, cursor: str) -> int:
        (pk,) = cursor_parts(self, cursor, 1)
        return cursor_id(pk)


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


def newest_first_page(request, queryset, size: int = PAGE_SIZE) -> tuple[CursorPage | None, dict]:
    """The page of `queryset` the request's `after` / `before` cursor asks for, newest first, and its
    pager context; (None, {}) when a cursor is broken (the view answers 400)."""
    paginator = NewestFirstPaginator(queryset)
    data = _paging_data(request)
    after, before = data.get("after"), data.get("before")
    if not (valid_cursor(paginator, after) and valid_cursor(paginator, before)):
        return None, {}
    page = paginator.page(last=size, before=before) if before else paginator.page(first=size, after=after)
    return page, pager_context(request, paginator, page)
