"""The data-subject export (PIPL art. 45, 查阅复制): everything the CRM holds about a person, as one
JSON file inside a ZIP, for a role that may reveal every field, logged in the access log.

Each app contributes its part through customers.privacy (`register_subject_export_part`); this module
adds customers' own parts (the record, phones, households, contracts, consents, merges into it, who
looked at their data) and writes the file. Values are in the clear: the file is the person's own copy.
"""

from __future__ import annotations

import io
import json
import zipfile

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import LoggedAccess
from accounts.services import personal_data_access_log

from .models import Customer, CustomerConsent, CustomerMerge
from .privacy import iso, register_subject_export_part, subject_export_parts

EXPORT_FORMAT = "crm-subject-export/1"


def _record(customer: Customer, user) -> dict:
    return {
        "id": customer.pk,
        "name": customer.name,
        "gender": customer.gender,
        "birth_date": iso(customer.birth_date),
        "id_type": customer.id_type,
        "id_number": customer.id_number or "",
        "nationality": customer.nationality,
        "employer": customer.employer,
        "education": customer.education,
        "address": customer.address,
        "email": customer.email,
        "wechat_openid": customer.wechat_openid,
        "preferred_channel": customer.preferred_channel,
        "acquisition_channel": customer.acquisition_channel,
        "referrer_id": customer.referrer_id,
        "city_company": str(customer.city_company),
        "registered_project": str(customer.registered_project) if customer.registered_project_id else None,
        "stage": customer.stage(),
        "notes": customer.notes,
        "deceased_on": iso(customer.deceased_on),
        "anonymised_at": iso(customer.anonymised_at),
        "created_at": iso(customer.created_at),
        "updated_at": iso(customer.updated_at),
    }


def _phones(customer: Customer, user) -> list[dict]:
    return [
        {"number": phone.number, "primary": phone.is_primary, "label": phone.label}
        for phone in customer.phones.order_by("-is_primary", "id")
    ]


def _households(customer: Customer, user) -> list[dict]:
    return [
        {
            "unit": str(member.unit),
            "project": str(member.unit.project),
            "role": member.role,
            "since": iso(member.since),
        }
        for member in customer.households.select_related("unit__project", "unit__building").order_by("id")
    ]


def _contracts(customer: Customer, user) -> list[dict]:
    contracts = customer.contracts_as_buyer.select_related("unit__project", "unit__building").order_by("id")
    return [
        {
            "number": contract.number,
            "unit": str(contract.unit),
            "project": str(contract.unit.project),
            "status": contract.status,
            "subscribed_on": iso(contract.subscribed_on),
            "signed_on": iso(contract.signed_on),
            "price": str(contract.price),
            "contractual_handover_on": iso(contract.contractual_handover_on),
            "handed_over_on": iso(contract.handed_over_on),
        }
        for contract in contracts
    ]


def _consents(customer: Customer, user) -> list[dict]:
    return [
        {
            "purpose": consent.purpose,
            "granted": consent.granted,
            "text_version": consent.text_version,
            "channel": consent.channel,
            "recorded_at": iso(consent.recorded_at),
        }
        for consent in CustomerConsent.objects.filter(customer=customer).order_by("recorded_at", "id")
    ]


def _merges(customer: Customer, user) -> list[dict]:
    return [
        {"merged_record": merge.duplicate_id, "moved": merge.moved, "merged_at": iso(merge.merged_at)}
        for merge in CustomerMerge.objects.filter(survivor=customer).order_by("merged_at", "id")
    ]


def _accesses(customer: Customer, user) -> list[dict]:
    """Who looked at the person's clear data, when and why (PIPL: the person may know)."""
    return [
        {
            "at": iso(access.accessed_at),
            "field": access.field,
            "purpose": access.reason_code,
            "reason": access.reason,
        }
        for access in customer.personal_data_accesses.order_by("accessed_at", "id")
    ]


def register_customer_parts() -> None:
    """customers' own parts, first in the file (called from CustomersConfig.ready())."""
    for name, fn in (
        ("customer", _record),
        ("phones", _phones),
        ("households", _households),
        ("contracts", _contracts),
        ("consents", _consents),
        ("merged_records", _merges),
        ("personal_data_accesses", _accesses),
    ):
        register_subject_export_part(name, fn)


def subject_export_data(customer: Customer, user) -> dict:
    """Every registered part of the customer's data, as one JSON-able document."""
    return {
        "format": EXPORT_FORMAT,
        "customer_id": customer.pk,
        "exported_at": iso(timezone.now()),
        "parts": {name: fn(customer, user) for name, fn in subject_export_parts().items()},
    }


@transaction.atomic
def customer_subject_export(
    *, customer: Customer, by, reason_code: str, reason: str, ip_address: str | None = None
) -> tuple[str, bytes]:
    """(file name, ZIP bytes) of everything held about the customer. The role must reveal every field
    (LoggedAccess.SUBJECT_EXPORT) and see the customer; the export is logged with its purpose and
    reason, counted in the reveal limit, and rolled back with the log if the file cannot be made."""
    if not Customer.objects.visible_to(by).filter(pk=customer.pk).exists():
        raise PermissionDenied(_("This customer is outside your city companies and projects."))
    personal_data_access_log(
        user=by,
        customer=customer,
        field=LoggedAccess.SUBJECT_EXPORT,
        reason_code=reason_code,
        reason=reason,
        channel="export",
        ip_address=ip_address,
    )
    document = subject_export_data(customer, by)
    moment = timezone.localtime()
    name = f"customer-{customer.pk}-{moment:%Y%m%d-%H%M}"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{name}.json", json.dumps(document, ensure_ascii=False, indent=2, default=str))
    return f"{name}.zip", buffer.getvalue()
