"""The handover desk's entry in the main menu (core.menu): a contractor sees only rectification."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from core.menu import MenuEntry, MenuLink


def delivery_menu(user) -> MenuEntry | None:
    if not user.is_authenticated or user.role in (Role.DEPARTMENT_STAFF, Role.AUDITOR):
        return None
    if user.role == Role.CONTRACTOR:
        return MenuEntry(label=_("Rectification"), url_name="delivery:order-list", section="delivery")
    return MenuEntry(
        label=_("Handover"),
        url_name="delivery:batch-list",
        section="delivery",
        links=(
            MenuLink(_("Handover batches"), "delivery:batch-list"),
            MenuLink(_("Formal inspections"), "delivery:formal-inspection-list"),
            MenuLink(_("Defects"), "delivery:defect-list"),
            MenuLink(_("Rectification orders"), "delivery:order-list"),
            MenuLink(_("Defect statistics"), "delivery:stats"),
        ),
    )
