"""What a staff list offers besides its pages (core.paging): columns sorted by a header click, and how
many rows match, counted only as far as is cheap.

A list names its sortable columns: each one pages by keyset on (column, id) or on the id alone, and is
offered only where an index serves that order (the column's comment says which), so a sorted page costs
what the default one does. `?sort=due` / `?sort=-due` picks one; an unknown word is the default order.
"""

from __future__ import annotations

from dataclasses import dataclass

from cursor_pagination import CursorPaginator
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from .paging import DueCursorPaginator, NewestFirstPaginator, _paging_data

# A list counts its rows up to this many and says "more than …" beyond: COUNT over a LIMIT subquery
# reads at most this many index entries, where COUNT(*) would read every row the filters match.
COUNT_LIMIT = 1000


@dataclass(frozen=True)
class SortColumn:
    """A header that sorts: `key` is its `?sort=` word; `field` the column paged with the id (a datetime
    field or annotation), None for the id alone; `descending_first`: the order of its first click."""

    key: str
    field: str | None = None
    descending_first: bool = False


@dataclass(frozen=True)
class ListSort:
    columns: tuple[SortColumn, ...]
    default: str  # "due" or "-number": a column's key, "-" for descending

    def chosen(self, word: str | None) -> tuple[SortColumn, bool, str]:
        """The column, its direction and the `?sort=` word: the default for a word no column answers."""
        by_key = {column.key: column for column in self.columns}
        word = word if isinstance(word, str) and word.removeprefix("-") in by_key else self.default
        return by_key[word.removeprefix("-")], word.startswith("-"), word

    def paginator(self, queryset: QuerySet, word: str | None) -> tuple[CursorPaginator, str]:
        column, descending, word = self.chosen(word)
        tag = None if word == self.default else word  # the default's cursors stay as they always were
        if column.field is None:
            return NewestFirstPaginator(queryset, descending=descending, tag=tag), word
        return DueCursorPaginator(queryset, (column.field, "id"), descending=descending, tag=tag), word

    def headers(self, request, word: str) -> dict[str, dict]:
        """Each sortable header's link (the same filters, the other direction, from the first page), its
        arrow and its aria-sort."""
        current, descending, _word = self.chosen(word)
        kept = _paging_data(request).copy()
        for key in ("after", "before", "csrfmiddlewaretoken", "sort"):
            kept.pop(key, None)
        headers = {}
        for column in self.columns:
            active = column == current
            goes_down = not descending if active else column.descending_first
            query = kept.copy()
            query["sort"] = f"-{column.key}" if goes_down else column.key
            headers[column.key] = {
                "url": f"?{query.urlencode()}",
                "sort": query["sort"],
                "aria": ("descending" if descending else "ascending") if active else "none",
                "arrow": ("↓" if descending else "↑") if active else "",
                "hint": _("Sort descending") if goes_down else _("Sort ascending"),
            }
        return headers


def sorting_context(request, sort: ListSort, word: str) -> dict:
    """What includes/sort_header.html reads, and the current word for the filter forms to keep."""
    return {"sort_headers": sort.headers(request, word), "sort": word}


def sort_word(request) -> str | None:
    return _paging_data(request).get("sort")


@dataclass(frozen=True)
class ListCount:
    count: int
    more: bool  # more than COUNT_LIMIT: `count` is the limit

    @property
    def text(self) -> str:
        if self.more:
            return _("More than %(count)s") % {"count": f"{self.count:,}"}
        return _("%(count)s found") % {"count": f"{self.count:,}"}


def bounded_count(queryset: QuerySet, limit: int | None = None) -> ListCount:
    """How many rows `queryset` has, up to `limit`: `SELECT COUNT(*) FROM (… LIMIT limit + 1)`, one query."""
    limit = COUNT_LIMIT if limit is None else limit
    found = queryset.order_by().values("pk")[: limit + 1].count()
    return ListCount(min(found, limit), found > limit)
