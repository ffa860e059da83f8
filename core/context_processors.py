"""Template context shared by every page."""

from __future__ import annotations

from django.core.cache import cache
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from core import workcalendar
from core.menu import menu_for
from core.models import may_manage_calendar

_GAP_CACHE_SECONDS = 24 * 60 * 60
_NO_GAP = 0  # stored instead of None, which a cache cannot tell from a miss


def calendar_warning(request) -> dict:
    """Warn calendar administrators when a needed year's holiday schedule is missing.

    The missing year is computed once a day (per cache) and translated per request, in the user's
    language. Other users get no `calendar_warning` at all.
    """
    user = getattr(request, "user", None)
    if user is None or not may_manage_calendar(user):
        return {}
    # Lazy: partials that never show the banner (htmx fragments) cost no query.
    return {"calendar_warning": SimpleLazyObject(_todays_warning)}


def _todays_warning() -> str:
    """The warning text, or "" when every needed year is entered."""
    today = timezone.localdate(timezone.now(), timezone.get_default_timezone())
    key = workcalendar.gap_cache_key(today)
    year = cache.get(key)
    if year is None:
        year = workcalendar.calendar_gap_year(today) or _NO_GAP
        cache.set(key, year, _GAP_CACHE_SECONDS)
    return "" if year == _NO_GAP else workcalendar.calendar_gap_message(year)


def main_menu(request) -> dict:
    """The apps' menu entries for this user (core.menu), built only if the page draws the menu."""
    user = getattr(request, "user", None)
    if user is None:
        return {}
    return {"main_menu": SimpleLazyObject(lambda: menu_for(user))}
