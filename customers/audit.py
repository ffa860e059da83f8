"""Customers and contracts on the audit trail (core.audit): which fields, which are personal data."""

from django.utils.translation import gettext_lazy as _

from core.audit import register_audited_model
from core.masking import mask_id_number, mask_phone

from .models import Contract, Customer
from .services import CONTRACT_FIELDS, CUSTOMER_FIELDS, PHONE_SEPARATOR


def mask_phones(numbers: str) -> str:
    return PHONE_SEPARATOR.join(mask_phone(number.strip()) for number in numbers.split(",") if number.strip())


def register() -> None:
    register_audited_model(
        Customer,
        fields=CUSTOMER_FIELDS,
        personal={"id_number": mask_id_number, "phones": mask_phones},
        extra={"phones": _("phone numbers"), "merged_from": _("merged in")},
    )
    register_audited_model(Contract, fields=(*CONTRACT_FIELDS, "status", "unit", "primary_buyer"))
