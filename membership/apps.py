from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembershipConfig(AppConfig):
    name = "membership"
    verbose_name = _("Membership club")

    def ready(self) -> None:
        from core.exports import register_exporter
        from core.menu import register_menu_entry
        from customers.panels import register_customer_panel
        from customers.signals import contract_signed

        from . import exports, menu, panels
        from .services import linking

        register_menu_entry(order=35, entry=menu.club_menu)
        register_exporter("members", exports.MEMBER_EXPORTER)
        register_customer_panel(order=30, panel=panels.customer_membership_panel)
        # A signed contract links the buyer's membership (the growth part attributes referrals too).
        contract_signed.connect(
            linking.on_contract_signed, sender=None, dispatch_uid="membership.link_member_on_contract_signed"
        )
