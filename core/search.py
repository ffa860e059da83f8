"""The global search box's other finders, registered by the apps that own the rows: the search page
lives in customers, below complaints and delivery, so it asks this registry and imports neither.

Each app registers from its AppConfig.ready() (see complaints/apps.py):

    register_search_provider("complaints", order=10, find_number=..., search_words=...)

`find_number(user, text)` returns the URL of the record whose number `text` is, when it exists and the
user may see it, else None (a record out of scope is never revealed: the page is the normal no-result
one). `search_words(user, text, after)` returns one SearchSection of the rows the user may see, a page
at a time (`after` is the section's own cursor, None for the first page), or None when it has nothing
to offer them; it raises core.paging.BrokenCursor for a cursor it did not write.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class SearchHit:
    number: str
    title: str
    url: str
    meta: str = ""  # status, project, date: one line under the title


@dataclass(frozen=True)
class SearchSection:
    key: str  # the provider's key; its pager posts `<key>_after`
    title: str
    hits: list[SearchHit] = field(default_factory=list)
    next_cursor: str | None = None
    note: str = ""  # a limit of the search the user should know about


NumberFinder = Callable[[object, str], str | None]
WordSearch = Callable[[object, str, str | None], SearchSection | None]


@dataclass(frozen=True)
class SearchProvider:
    order: int
    find_number: NumberFinder | None
    search_words: WordSearch | None


_PROVIDERS: dict[str, SearchProvider] = {}


def register_search_provider(
    key: str, *, order: int, find_number: NumberFinder | None = None, search_words: WordSearch | None = None
) -> None:
    """Add an app's finders under `key` (its section's name in the page's form). Idempotent."""
    provider = SearchProvider(order=order, find_number=find_number, search_words=search_words)
    if key in _PROVIDERS and _PROVIDERS[key] != provider:
        raise ImproperlyConfigured(f"Search provider {key!r} is registered twice.")
    _PROVIDERS[key] = provider


def _in_order() -> list[tuple[str, SearchProvider]]:
    return sorted(_PROVIDERS.items(), key=lambda item: item[1].order)


def number_url(user, text: str) -> str | None:
    """The detail page of the record numbered `text` that the user may see, if any provider knows it."""
    for _key, provider in _in_order():
        if provider.find_number is not None:
            url = provider.find_number(user, text)
            if url:
                return url
    return None


def word_sections(user, text: str, cursors: dict[str, str | None] | None = None) -> list[SearchSection]:
    """Each provider's page of rows matching `text`; `cursors` maps a provider's key to its cursor."""
    cursors = cursors or {}
    sections = []
    for key, provider in _in_order():
        if provider.search_words is not None:
            section = provider.search_words(user, text, cursors.get(key))
            if section is not None:
                sections.append(section)
    return sections


def provider_keys() -> list[str]:
    return [key for key, _provider in _in_order()]
