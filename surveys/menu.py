"""Surveys' entry in the main menu (core.menu): for the roles that view surveys."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.menu import MenuEntry, MenuLink

from .permissions import may_view_surveys


def surveys_menu(user) -> MenuEntry | None:
    if not user.is_authenticated or not may_view_surveys(user):
        return None
    return MenuEntry(
        label=_("Surveys"),
        url_name="surveys:campaigns",
        section="surveys",
        links=(
            MenuLink(_("Campaigns"), "surveys:campaigns"),
            MenuLink(_("Responses"), "surveys:responses"),
            MenuLink(_("Follow-ups of unhappy answers"), "surveys:follow_ups"),
        ),
    )
