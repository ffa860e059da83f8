"""customers' entries in the main menu (core.menu): the customer list, and the property browser."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from core.menu import MenuEntry


def customers_menu(user) -> MenuEntry | None:
    if not user.is_authenticated or not user.may_see_customers():
        return None
    return MenuEntry(label=_("Customers"), url_name="customers:list", section="customers")


def property_menu(user) -> MenuEntry | None:
    # The auditor reads the access log only: no estate, no owners.
    if not user.is_authenticated or user.role == Role.AUDITOR:
        return None
    return MenuEntry(label=_("Property"), url_name="properties:project-list", section="properties")
