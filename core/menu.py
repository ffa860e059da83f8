"""The main menu, built from what the apps register: the kernel draws it and knows no app.

Each app registers one function from its AppConfig.ready() (see complaints/apps.py):

    register_menu_entry(order=30, entry=complaints_menu)

`entry(user)` returns the user's MenuEntry for that app, or None when the app has nothing for them,
so role rules stay with the app that owns the pages. base.html draws the entries by `order`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse


@dataclass(frozen=True)
class MenuLink:
    label: str
    url_name: str

    @property
    def url(self) -> str:
        return reverse(self.url_name)


@dataclass(frozen=True)
class MenuEntry:
    label: str
    url_name: str
    # The URL namespace whose pages mark this entry active ("complaints" for every complaints:* page).
    section: str
    # A dropdown's links; the entry's own url_name is then only the link for browsers without script.
    links: tuple[MenuLink, ...] = ()

    @property
    def url(self) -> str:
        return reverse(self.url_name)


MenuFunction = Callable[[object], MenuEntry | None]
_ENTRIES: dict[str, tuple[int, MenuFunction]] = {}


def register_menu_entry(*, order: int, entry: MenuFunction) -> None:
    """Add an app's menu entry; `order` places it (10 customers … 90 the last). Idempotent per function."""
    key = f"{entry.__module__}.{entry.__qualname__}"
    if key in _ENTRIES and _ENTRIES[key] != (order, entry):
        raise ImproperlyConfigured(f"Menu entry {key} is registered twice.")
    _ENTRIES[key] = (order, entry)


def menu_for(user) -> list[MenuEntry]:
    """The user's menu entries, in order; an app that returns None for them is left out."""
    entries = []
    for _order, entry in sorted(_ENTRIES.values(), key=lambda item: item[0]):
        made = entry(user)
        if made is not None:
            entries.append(made)
    return entries
