"""Keyset (cursor) paging for the staff lists: "newer" and "older" links carrying a cursor, never OFFSET
and never COUNT(*), so a page costs the same at any depth of a table of millions.

The SLA board and the work-order list page on a due time (complaints.views.DueCursorPaginator); the
lists here page on the id, newest first. The template is includes/pagination.html.
"""

from __future__ import annotations

from cursor_pagination import CursorPage, CursorPaginator, InvalidCursor
from django.db.models import F

PAGE_SIZE = 25


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
        (position,) = self.decode_cursor(cursor)
        return queryset.filter(id__gt=position) if reverse else queryset.filter(id__lt=position)


def valid_cursor(paginator: CursorPaginator, cursor: str | None) -> bool:
    """A cursor is the base64 of ids; anything else would reach the database as a bad comparison."""
    if not cursor:
        return True
    try:
        return all(part.isdigit() for part in paginator.decode_cursor(cursor))
    except (InvalidCursor, ValueError):
        return False


def pager_context(request, paginator: CursorPaginator, page: CursorPage) -> dict:
    """What includes/pagination.html reads: the cursors of the pages around and the other filters."""
    kept = request.GET.copy()
    kept.pop("after", None)
    kept.pop("before", None)
    return {
        "page": page,
        "next_cursor": paginator.cursor(page[-1]) if page and page.has_next else None,
        "previous_cursor": paginator.cursor(page[0]) if page and page.has_previous else None,
        "kept_query": kept.urlencode(),
    }


def newest_first_page(request, queryset, size: int = PAGE_SIZE) -> tuple[CursorPage | None, dict]:
    """The page of `queryset` the request's `after` / `before` cursor asks for, newest first, and its
    pager context; (None, {}) when a cursor is broken (the view answers 400)."""
    paginator = NewestFirstPaginator(queryset)
    after, before = request.GET.get("after"), request.GET.get("before")
    if not (valid_cursor(paginator, after) and valid_cursor(paginator, before)):
        return None, {}
    page = paginator.page(last=size, before=before) if before else paginator.page(first=size, after=after)
    return page, pager_context(request, paginator, page)
