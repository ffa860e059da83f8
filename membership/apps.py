from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembershipConfig(AppConfig):
    name = "membership"
    verbose_name = _("Membership club")

    def ready(self) -> None:
        from core.escalation import register_sweep_task
        from core.exports import register_exporter
        from core.menu import register_menu_entry
        from customers.models import Contract
        from customers.panels import register_customer_panel
        from customers.signals import contract_signed

        from . import audit, exports, intention_export, menu, panels
        from .services import linking
        from .services.referrals import on_contract_signed

        register_menu_entry(order=35, entry=menu.club_menu)
        audit.register()
        register_exporter("members", exports.MEMBER_EXPORTER)
        register_exporter("club-intentions", intention_export.INTENTION_EXPORTER)
        register_customer_panel(order=30, panel=panels.customer_membership_panel)
        register_sweep_task("membership.tasks.sweep_event_invitations")
        # A signed contract links the buyer's membership, then attributes the friend's referral
        # (customers sends it; it imports no club code).
        contract_signed.connect(
            linking.on_contract_signed,
            sender=Contract,
            dispatch_uid="membership.link_member_on_contract_signed",
        )
        contract_signed.connect(
            on_contract_signed, sender=Contract, dispatch_uid="membership.referral_attribute"
        )
