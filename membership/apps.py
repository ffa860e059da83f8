from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembershipConfig(AppConfig):
    name = "membership"
    verbose_name = _("Membership club")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save, pre_delete

        from core.escalation import register_sweep_task
        from core.exports import register_exporter
        from core.menu import register_menu_entry
        from customers.models import Contract, CustomerMerge
        from customers.panels import register_customer_panel
        from customers.signals import contract_signed, contracts_bulk_written

        from . import audit, exports, intention_export, menu, panels, privacy, purchases
        from .models import Member, Referral
        from .services import linking
        from .services.referrals import on_contract_signed

        register_menu_entry(order=35, entry=menu.club_menu)
        audit.register()
        privacy.register()
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
        # The dashboards' club purchases follow every change of what they are computed from, in its
        # transaction (membership.purchases; the linking and referral services call it themselves
        # where they write with UPDATEs).
        post_save.connect(
            purchases.on_contract_saved, sender=Contract, dispatch_uid="membership.purchases.contract"
        )
        pre_delete.connect(
            purchases.on_contract_deleting, sender=Contract, dispatch_uid="membership.purchases.contract_gone"
        )
        contracts_bulk_written.connect(
            purchases.on_contracts_bulk_written,
            sender=Contract,
            dispatch_uid="membership.purchases.contracts_imported",
        )
        post_save.connect(
            purchases.on_member_saved, sender=Member, dispatch_uid="membership.purchases.member"
        )
        post_delete.connect(
            purchases.on_member_deleted, sender=Member, dispatch_uid="membership.purchases.member_gone"
        )
        post_save.connect(
            purchases.on_referral_changed, sender=Referral, dispatch_uid="membership.purchases.referral"
        )
        post_delete.connect(
            purchases.on_referral_changed, sender=Referral, dispatch_uid="membership.purchases.referral_gone"
        )
        post_save.connect(
            purchases.on_customers_merged, sender=CustomerMerge, dispatch_uid="membership.purchases.merge"
        )
