"""Every write to customers, phones, households and contracts goes through here."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.utils.translation import gettext as _

from properties.models import Unit

from .models import (
    Contract,
    Customer,
    CustomerPhone,
    HouseholdMember,
    HouseholdRole,
    latest_active_contract,
)
from .validators import normalize_mobile, validate_mobile

CUSTOMER_FIELDS = (
    "city_company",
    "registered_project",
    "name",
    "gender",
    "birth_date",
    "id_type",
    "id_number",
    "nationality",
    "employer",
    "education",
    "address",
    "email",
    "preferred_channel",
    "acquisition_channel",
    "referrer",
    "notes",
)


class ConcurrentEditError(ValidationError):
    """Someone else saved the row after this editor loaded it."""

    def __init__(self) -> None:
        super().__init__(
            _(
                "Someone else changed this record after you opened it. Reload to see their change, then edit again."
            ),
            code="conflict",
        )


def _check_may_edit(user, city_company_id: int | None = None, project_id: int | None = None) -> None:
    if not user.may_edit_customers():
        raise PermissionDenied(_("Your role may not edit customers."))
    scope = user.scope
    if scope.is_unrestricted:
        return
    if project_id is not None and project_id in scope.project_ids:
        return
    if city_company_id is not None and city_company_id in scope.city_company_ids:
        return
    if project_id is None and city_company_id is not None and not scope.city_company_ids:
        # A project-scoped agent may create customers only against one of their projects.
        raise ValidationError({"registered_project": _("Choose one of your projects.")})
    raise PermissionDenied(_("This customer is outside your city companies and projects."))


def _clean_phones(numbers: Iterable[str]) -> list[str]:
    cleaned: list[str] = []
    errors: list[str] = []
    for raw in numbers:
        number = normalize_mobile(raw)
        if not number:
            continue
        try:
            validate_mobile(number)
        except ValidationError as error:
            errors.extend(error.messages)
            continue
        if number not in cleaned:
            cleaned.append(number)
    if errors:
        raise ValidationError({"phones": errors})
    return cleaned


def _set_phones(customer: Customer, numbers: list[str]) -> None:
    existing = {phone.number: phone for phone in customer.phones.all()}
    keep = set(numbers)
    customer.phones.exclude(number__in=keep).delete()
    customer.phones.update(is_primary=False)
    for position, number in enumerate(numbers):
        phone = existing.get(number) or CustomerPhone(customer=customer, number=number)
        phone.is_primary = position == 0
        phone.save()


@transaction.atomic
def customer_create(*, by, phones: Iterable[str] = (), **fields: Any) -> Customer:
    unknown = set(fields) - set(CUSTOMER_FIELDS)
    if unknown:
        raise TypeError(f"unknown customer fields: {sorted(unknown)}")
    customer = Customer(**fields)
    if customer.registered_project_id and not customer.city_company_id:
        customer.city_company_id = customer.registered_project.city_company_id
    _check_may_edit(by, customer.city_company_id, customer.registered_project_id)
    numbers = _clean_phones(phones)
    customer.full_clean(exclude=["city_company"] if customer.city_company_id is None else None)
    _raise_if_id_taken(customer)
    customer.save()
    _set_phones(customer, numbers)
    return customer


def _raise_if_id_taken(customer: Customer) -> None:
    if not customer.id_number:
        return
    from .models import pii_hash

    clash = Customer.objects.filter(id_type=customer.id_type, id_number_hash=pii_hash(customer.id_number))
    if customer.pk:
        clash = clash.exclude(pk=customer.pk)
    if clash.exists():
        raise ValidationError({"id_number": _("Another customer already has this ID number.")})


@transaction.atomic
def customer_update(
    *, customer: Customer, by, expected_version: int, phones: Iterable[str] | None = None, **fields: Any
) -> Customer:
    """Save changed fields only if nobody saved the customer since `expected_version` was read."""
    unknown = set(fields) - set(CUSTOMER_FIELDS)
    if unknown:
        raise TypeError(f"unknown customer fields: {sorted(unknown)}")
    if not by.may_edit_customers():
        raise PermissionDenied(_("Your role may not edit customers."))
    if not Customer.objects.visible_to(by).filter(pk=customer.pk).exists():
        raise PermissionDenied(_("This customer is outside your city companies and projects."))
    for name, value in fields.items():
        setattr(customer, name, value)
    if "registered_project" in fields or "city_company" in fields:
        # Moving a record is allowed only into the editor's own scope.
        _check_may_edit(by, customer.city_company_id, customer.registered_project_id)
    numbers = _clean_phones(phones) if phones is not None else None
    customer.full_clean()
    _raise_if_id_taken(customer)
    # Claim the version first: a stale editor updates zero rows and loses nothing of the other's work.
    claimed = Customer.objects.filter(pk=customer.pk, version=expected_version).update(
        version=F("version") + 1
    )
    if not claimed:
        raise ConcurrentEditError()
    customer.version = expected_version + 1
    update_fields = [*fields, "updated_at"]
    customer.save(update_fields=update_fields)
    if numbers is not None:
        _set_phones(customer, numbers)
    return customer


@transaction.atomic
def household_member_add(*, unit: Unit, customer: Customer, role: str, by, since=None) -> HouseholdMember:
    if not by.may_edit_customers():
        raise PermissionDenied(_("Your role may not edit customers."))
    if not by.scope.is_unrestricted and unit.project_id not in by.scope.project_ids:
        raise PermissionDenied(_("This unit is outside your projects."))
    if (
        role == HouseholdRole.OWNER
        and HouseholdMember.objects.filter(unit=unit, role=HouseholdRole.OWNER).exists()
    ):
        raise ValidationError({"role": _("This unit already has a primary owner.")})
    if HouseholdMember.objects.filter(unit=unit, customer=customer).exists():
        raise ValidationError({"customer": _("This customer is already in the unit's household.")})
    member = HouseholdMember(unit=unit, customer=customer, role=role, since=since)
    member.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            member.save()
    except IntegrityError:  # lost a race with another agent adding the same owner
        raise ValidationError({"role": _("This unit already has a primary owner.")}) from None
    return member


@transaction.atomic
def household_member_remove(*, member: HouseholdMember, by) -> None:
    if not by.may_edit_customers():
        raise PermissionDenied(_("Your role may not edit customers."))
    if (
        member.role == HouseholdRole.OWNER
        and member.unit.contracts.filter(
            status=Contract.Status.ACTIVE, primary_buyer=member.customer
        ).exists()
    ):
        raise ValidationError(_("The primary buyer of an active contract stays the unit's owner."))
    member.delete()


REFRESH_BATCH = 1000


def customers_refresh_contract_dates(*, customer_ids: Iterable[int] | None) -> int:
    """Copy each customer's latest active contract's signing and handover dates onto the customer
    (`latest_signed_on`, `latest_handed_over_on`): the columns the lifecycle stage is read from.

    The one way those columns are written. Every contract write calls it with the primary buyers it
    touched: Contract.save()/delete() (so the contract services, the admin and the handover sign-off
    are covered), and the bulk writers themselves (customers.importing, seed_demo, bench_data).
    `customer_ids=None` refreshes every customer that has or had a contract (backfills after a bulk
    load). Idempotent; returns the number of customers rewritten.
    """
    latest = latest_active_contract(OuterRef("pk"))
    dates = {
        "latest_signed_on": Subquery(latest.values("signed_on")[:1]),
        "latest_handed_over_on": Subquery(latest.values("handed_over_on")[:1]),
    }
    if customer_ids is None:
        touched = Customer.objects.filter(
            Exists(Contract.objects.filter(primary_buyer_id=OuterRef("pk")))
            | Q(latest_signed_on__isnull=False)
            | Q(latest_handed_over_on__isnull=False)
        )
        return touched.update(**dates)
    ids = sorted({int(pk) for pk in customer_ids if pk is not None})
    return sum(
        Customer.objects.filter(pk__in=ids[start : start + REFRESH_BATCH]).update(**dates)
        for start in range(0, len(ids), REFRESH_BATCH)
    )


CONTRACT_FIELDS = (
    "number",
    "subscribed_on",
    "signed_on",
    "price",
    "contractual_handover_on",
    "handed_over_on",
    "commitments",
)


@transaction.atomic
def contract_create(*, unit: Unit, primary_buyer: Customer, by, **fields: Any) -> Contract:
    """Sign a unit to a buyer; the buyer becomes the unit's primary owner (one per unit)."""
    if not by.may_edit_customers():
        raise PermissionDenied(_("Your role may not edit customers."))
    if not by.scope.is_unrestricted and unit.project_id not in by.scope.project_ids:
        raise PermissionDenied(_("This unit is outside your projects."))
    contract = Contract(unit=unit, primary_buyer=primary_buyer, **fields)
    contract.full_clean(validate_constraints=False)
    if Contract.objects.filter(unit=unit, status=Contract.Status.ACTIVE).exists():
        raise ValidationError({"unit": _("This unit already has an active contract.")})
    owner = HouseholdMember.objects.filter(unit=unit, role=HouseholdRole.OWNER).first()
    if owner and owner.customer_id != primary_buyer.pk:
        raise ValidationError({"primary_buyer": _("The unit's household already has another primary owner.")})
    try:
        with transaction.atomic():
            contract.save()
    except IntegrityError:
        raise ValidationError({"unit": _("This unit already has an active contract.")}) from None
    if owner is None:
        member, _created = HouseholdMember.objects.get_or_create(
            unit=unit,
            customer=primary_buyer,
            defaults={"role": HouseholdRole.OWNER, "since": contract.handed_over_on},
        )
        if member.role != HouseholdRole.OWNER:
            member.role = HouseholdRole.OWNER
            member.save(update_fields=["role", "updated_at"])
    return contract


@transaction.atomic
def contract_update(*, contract: Contract, by, expected_version: int, **fields: Any) -> Contract:
    unknown = set(fields) - set(CONTRACT_FIELDS) - {"status"}
    if unknown:
        raise TypeError(f"unknown contract fields: {sorted(unknown)}")
    if not by.may_edit_customers():
        raise PermissionDenied(_("Your role may not edit customers."))
    for name, value in fields.items():
        setattr(contract, name, value)
    contract.full_clean(validate_constraints=False)
    claimed = Contract.objects.filter(pk=contract.pk, version=expected_version).update(
        version=F("version") + 1
    )
    if not claimed:
        raise ConcurrentEditError()
    contract.version = expected_version + 1
    contract.save(update_fields=[*fields, "updated_at"])
    return contract
