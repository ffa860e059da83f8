"""The complaint desk's entry in the main menu (core.menu): a contractor sees only their work orders."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from core.menu import MenuEntry


def complaints_menu(user) -> MenuEntry | None:
    if not user.is_authenticated or user.role == Role.AUDITOR:  # the auditor reads the access log only
        return None
    if user.role == Role.CONTRACTOR:
        return MenuEntry(label=_("Work orders"), url_name="complaints:work-orders", section="complaints")
    return MenuEntry(label=_("Complaints"), url_name="complaints:board", section="complaints")
