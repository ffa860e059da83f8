"""accounts' entry in the main menu (core.menu): the personal-data access log, for those who read it."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.menu import MenuEntry

from .roles import Role


def access_log_menu(user) -> MenuEntry | None:
    # The auditor's only page; the group administrator, whose bar is full, opens it from My account.
    if not user.is_authenticated or not user.may_read_access_log() or user.role != Role.AUDITOR:
        return None
    return MenuEntry(label=_("Access log"), url_name="accounts:access-log", section="accounts")
