"""The lifecycle's entry in the main menu (core.menu): "6+2", for the roles that work touchpoints or
read their rates. The registers and timeline pages add their links here."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.menu import MenuEntry, MenuLink

from .permissions import may_read_rates, may_view_registers, may_work_touchpoints


def lifecycle_menu(user) -> MenuEntry | None:
    if not user.is_authenticated:
        return None
    links = []
    if may_work_touchpoints(user):
        links.append(MenuLink(_("My touchpoints"), "lifecycle:my_touchpoints"))
    if may_read_rates(user):
        links.append(MenuLink(_("Completion rates"), "lifecycle:touchpoint_rates"))
        links.append(MenuLink(_("All touchpoints"), "lifecycle:touchpoint_list"))
    if may_view_registers(user):
        links.append(MenuLink(_("Projects: risk, commitments, four-year"), "lifecycle:projects"))
        links.append(MenuLink(_("Construction news"), "lifecycle:news_index"))
    if not links:
        return None
    return MenuEntry(label=_("6+2"), url_name=links[0].url_name, section="lifecycle", links=tuple(links))
