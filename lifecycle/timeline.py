"""The owner timeline: one chronological stream of every contact and event the apps record about a
customer, newest first.

There is no event table: the timeline is a union of per-kind selectors ("sources"), each reading the
customer's rows by time from its own (indexed) table, so nothing has to be kept in sync when a desk
writes. Each source returns at most `limit + 1` entries older than the cursor; they are merged here
by (time, kind, id), all descending, and cut to the page. A page therefore costs one query per kind
(plus one per kind of linked record, to decide which links the viewer may follow), whatever the
length of the history.

A source is registered, usually from an AppConfig.ready(), with

    register_timeline_source(kind, label, fn)

where `kind` is a short unique name (the `?kind=` filter and the cursor use it), `label` its
(lazily translated) name for people, and

    fn(customer, *, before: Position | None, limit: int) -> list[TimelineEntry]

returns the customer's entries of that kind strictly older than `before` (None: from the newest),
newest first, at most `limit + 1` of them (fewer is fine; more are cut). Filter with
`older_than(before, kind, "<time field>")`, order by `-<time field>, -pk`, slice `[: limit + 1]`:
one query. Each entry's `id` must be unique within its kind and `at` an aware datetime. Set
`record=(Model, pk)` with `url` when the entry links to a page: the link is kept only when
`Model.objects.visible_to(user)` holds that pk. Personal data of other people (a referred friend's
name) is masked by the source; reveals of personal data are never a timeline entry.
"""

from __future__ import annotations

import binascii
import datetime
from base64 import urlsafe_b64decode, urlsafe_b64encode
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace

from django.core.exceptions import ImproperlyConfigured
from django.db.models import Model, Q
from django.utils import timezone

from core.paging import BrokenCursor, cursor_datetime

DEFAULT_PAGE_SIZE = 25
MAX_PAGE_SIZE = 100


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime.datetime
    kind: str
    id: int
    title: str
    detail: str = ""
    url: str | None = None
    record: tuple[type[Model], int] | None = None

    @property
    def position(self) -> Position:
        return Position(self.at, self.kind, self.id)


@dataclass(frozen=True)
class Position:
    """Where a page ends: the last entry's (time, kind, id). Entries after it are smaller in that order."""

    at: datetime.datetime
    kind: str
    id: int

    def encode(self) -> str:
        text = f"{self.at.astimezone(datetime.UTC).isoformat()}|{self.kind}|{self.id}"
        return urlsafe_b64encode(text.encode()).decode("ascii")

    @classmethod
    def decode(cls, cursor: str) -> Position:
        """A cursor this server wrote, or BrokenCursor (a 400, before any query)."""
        try:
            text = urlsafe_b64decode(cursor.encode("ascii")).decode("utf-8")
        except (binascii.Error, UnicodeError, ValueError) as error:
            raise BrokenCursor(cursor) from error
        parts = text.split("|")
        if len(parts) != 3 or parts[1] not in _SOURCES:
            raise BrokenCursor(cursor)
        at, kind, pk = parts
        if not (pk.isascii() and pk.isdigit()) or len(pk) > 19:
            raise BrokenCursor(cursor)
        return cls(cursor_datetime(at), kind, int(pk))


TimelineSource = Callable[..., list[TimelineEntry]]


@dataclass(frozen=True)
class _Source:
    kind: str
    label: object
    fn: TimelineSource


_SOURCES: dict[str, _Source] = {}


def register_timeline_source(kind: str, label, fn: TimelineSource) -> None:
    """Add a kind of entry to every customer's timeline. Idempotent for the same function."""
    if "|" in kind or not kind:
        raise ImproperlyConfigured(f"Bad timeline kind {kind!r}.")
    existing = _SOURCES.get(kind)
    if existing and existing.fn is not fn:
        raise ImproperlyConfigured(f"Timeline kind {kind} is registered twice.")
    _SOURCES[kind] = _Source(kind, label, fn)


def timeline_kinds() -> list[tuple[str, object]]:
    """(kind, label) of every registered source, in registration order (the filter's choices)."""
    return [(source.kind, source.label) for source in _SOURCES.values()]


def older_than(before: Position | None, kind: str, at_field: str, id_field: str = "pk") -> Q:
    """The rows of `kind` that come after `before` in (time, kind, id) descending order."""
    if before is None:
        return Q()
    if kind < before.kind:  # at the cursor's time, a smaller kind comes after it
        return Q(**{f"{at_field}__lte": before.at})
    if kind > before.kind:
        return Q(**{f"{at_field}__lt": before.at})
    return Q(**{f"{at_field}__lt": before.at}) | Q(**{at_field: before.at, f"{id_field}__lt": before.id})


def older_than_date(before: Position | None, kind: str, date_field: str) -> Q:
    """The same for a date column read as local midnight (contracts' dates): a wider net; the
    exact cut is made on the entries (`is_older`)."""
    if before is None:
        return Q()
    return Q(**{f"{date_field}__lte": timezone.localdate(before.at)})


def day_start(day: datetime.date) -> datetime.datetime:
    """A date as the aware datetime the timeline sorts it by: that day's local midnight."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _sort_key(entry: TimelineEntry) -> tuple:
    return (entry.at, entry.kind, entry.id)


def is_older(entry: TimelineEntry, before: Position | None) -> bool:
    return before is None or _sort_key(entry) < (before.at, before.kind, before.id)


@dataclass
class TimelinePage:
    entries: list[TimelineEntry]
    next_cursor: str | None


def customer_timeline(
    customer,
    *,
    user,
    kinds: Iterable[str] | None = None,
    before: Position | None = None,
    limit: int = DEFAULT_PAGE_SIZE,
) -> TimelinePage:
    """One page of the customer's timeline (the caller has checked that `user` sees the customer):
    at most `limit` entries older than `before`, of `kinds` (None: every kind), and the cursor of the
    next page. One query per kind, plus one per kind of linked record (link visibility)."""
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    wanted = set(kinds) if kinds else None
    merged: list[TimelineEntry] = []
    for source in _SOURCES.values():
        if wanted is not None and source.kind not in wanted:
            continue
        rows = [entry for entry in source.fn(customer, before=before, limit=limit) if is_older(entry, before)]
        merged.extend(rows[: limit + 1])
    merged.sort(key=_sort_key, reverse=True)
    page, more = merged[:limit], len(merged) > limit
    return TimelinePage(
        entries=_links_for(user, page),
        next_cursor=page[-1].position.encode() if more and page else None,
    )


def _links_for(user, entries: list[TimelineEntry]) -> list[TimelineEntry]:
    """Keep an entry's link and detail only when the viewer may see its record: one query per model."""
    by_model: dict[type[Model], set[int]] = {}
    for entry in entries:
        if entry.record:
            by_model.setdefault(entry.record[0], set()).add(entry.record[1])
    visible: dict[type[Model], set[int]] = {}
    for model, ids in by_model.items():
        manager = model._default_manager
        visible[model] = (
            set(manager.visible_to(user).filter(pk__in=ids).values_list("pk", flat=True))
            if hasattr(manager, "visible_to")
            else set()
        )
    return [
        entry
        if entry.record is None or entry.record[1] in visible.get(entry.record[0], ())
        else replace(entry, url=None, detail="")  # an unseen record: its title only
        for entry in entries
    ]
