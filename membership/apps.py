from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembershipConfig(AppConfig):
    name = "membership"
    verbose_name = _("Membership club")

    def ready(self) -> None:
        from core.exports import register_exporter
        from customers.models import Contract
        from customers.signals import contract_signed

        from . import intention_export
        from .services.referrals import on_contract_signed

        # A friend's contract attributes their referral (customers sends it; it imports no club code).
        contract_signed.connect(
            on_contract_signed, sender=Contract, dispatch_uid="membership.referral_attribute"
        )
        register_exporter("club-intentions", intention_export.INTENTION_EXPORTER)
