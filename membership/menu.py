"""The club's entry in the main menu (core.menu): 万客会, for the roles that may view the club. The
pages of the club's other parts (events, referrals, …) are linked once their URLs exist."""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.menu import MenuEntry, MenuLink

from .permissions import may_run_club, may_view_club

LINKS = (
    (_("Members"), "club:members"),
    (_("Events"), "club:events"),
    (_("Referrals"), "club:referrals"),
    (_("Purchase intentions"), "club:intentions"),
    (_("Benefits"), "club:benefits"),
)


def _resolves(url_name: str) -> bool:
    try:
        reverse(url_name)
    except NoReverseMatch:
        return False
    return True


def club_menu(user) -> MenuEntry | None:
    if not user.is_authenticated or not may_view_club(user):
        return None
    links = [MenuLink(label, name) for label, name in LINKS if _resolves(name)]
    if may_run_club(user):
        links.append(MenuLink(_("Customer links to review"), "club:link_review"))
    return MenuEntry(label=pgettext_lazy("menu", "Club"), url_name="club:members", section="club", links=tuple(links))
