"""Every write to customers, phones, households and contracts goes through here."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q, UniqueConstraint
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.audit import audit_changes, audit_created, audit_log, audit_snapshot, is_audited
from properties.models import Unit

from .models import (
    Contract,
    Customer,
    CustomerMerge,
    CustomerPhone,
    HouseholdLink,
    HouseholdMember,
    HouseholdRole,
    customers_refresh_contract_dates,
    pii_hash_candidates,
)
from .signals import contract_signed
from .validators import normalize_mobile, validate_mobile

# An ID number held by a record outside the user's scope: the same words whoever holds it.
ID_NUMBER_UNAVAILABLE = gettext_lazy(
    "This ID number cannot be used here. If the person is already a customer elsewhere in the group, a"
    " supervisor can link them to one of your units (Customers → Link a customer)."
)

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
    "deceased_on",
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


# A customer's phone numbers on the audit trail: one value, the primary first (masked when stored).
PHONE_SEPARATOR = ", "


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
        customer.city_company_id = customer.registered_project.city_company_id  # type: ignore[union-attr]  # the *_id test beside it: the relation is set
    _check_may_edit(by, customer.city_company_id, customer.registered_project_id)
    numbers = _clean_phones(phones)
    customer.full_clean(exclude=["city_company"] if customer.city_company_id is None else None)
    _raise_if_id_taken(customer, by)
    customer.save()
    _set_phones(customer, numbers)
    audit_created(customer, by=by, extra={"phones": ("", PHONE_SEPARATOR.join(numbers))})
    return customer


def _raise_if_id_taken(customer: Customer, by) -> None:
    """An ID number is one person's across the group. Taken within the user's scope, the message
    names the record (they may open it); taken outside it, the refusal names no one and tells nothing
    of the other record: it is refused all the same (one record per person), and only a supervisor's
    logged link (household_member_link) brings that person into this scope."""
    if not customer.id_number:
        return
    clash = Customer.objects.filter(
        id_type=customer.id_type, id_number_hash__in=pii_hash_candidates(customer.id_number)
    )
    if customer.pk:
        clash = clash.exclude(pk=customer.pk)
    other = clash.only("pk", "name").first()
    if other is None:
        return
    if Customer.objects.visible_to(by).filter(pk=other.pk).exists():
        raise ValidationError(
            {
                "id_number": _("Customer %(name)s (no. %(number)s) already has this ID number.")
                % {"name": other.name, "number": other.pk}
            }
        )
    raise ValidationError({"id_number": ID_NUMBER_UNAVAILABLE})


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
    audit_snapshot(customer)
    for name, value in fields.items():
        setattr(customer, name, value)
    if "registered_project" in fields or "city_company" in fields:
        # Moving a record is allowed only into the editor's own scope.
        _check_may_edit(by, customer.city_company_id, customer.registered_project_id)
    numbers = _clean_phones(phones) if phones is not None else None
    customer.full_clean()
    _raise_if_id_taken(customer, by)
    # Claim the version first: a stale editor updates zero rows and loses nothing of the other's work.
    claimed = Customer.objects.filter(pk=customer.pk, version=expected_version).update(
        version=F("version") + 1
    )
    if not claimed:
        raise ConcurrentEditError()
    customer.version = expected_version + 1
    update_fields = [*fields, "updated_at"]
    customer.save(update_fields=update_fields)
    phones_changed = {}
    if numbers is not None:
        old_numbers = [phone.number for phone in customer.phones.all()]
        _set_phones(customer, numbers)
        phones_changed["phones"] = (PHONE_SEPARATOR.join(old_numbers), PHONE_SEPARATOR.join(numbers))
    audit_changes(customer, by=by, extra=phones_changed)
    return customer


@transaction.atomic
def household_member_add(*, unit: Unit, customer: Customer, role: str, by, since=None) -> HouseholdMember:
    """Add a customer the user can see to a household of their scope. A customer outside the scope is
    refused: adding them would bring them into it (see household_member_link)."""
    if not by.may_edit_customers():
        raise PermissionDenied(_("Your role may not edit customers."))
    if not by.scope.is_unrestricted and unit.project_id not in by.scope.project_ids:
        raise PermissionDenied(_("This unit is outside your projects."))
    if not Customer.objects.visible_to(by).filter(pk=customer.pk).exists():
        raise PermissionDenied(_("This customer is outside your city companies and projects."))
    return _household_member_create(unit=unit, customer=customer, role=role, since=since)


@transaction.atomic
def household_member_link(
    *, unit: Unit, id_type: str, id_number: str, role: str, reason: str, by, since=None
) -> HouseholdMember:
    """Link a person already recorded anywhere in the group, named by their ID number, into a household
    of the user's scope (关联客户: a Shanghai owner buys a Shenzhen home). This brings the customer into
    the scope, so only a supervisor (or above) does it, with a reason, and a HouseholdLink row records
    it. The import and the agents' forms refuse such a person instead."""
    if not by.may_merge_customers():
        raise PermissionDenied(_("Only a supervisor may link a customer recorded elsewhere."))
    if not by.scope.is_unrestricted and unit.project_id not in by.scope.project_ids:
        raise PermissionDenied(_("This unit is outside your projects."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why this person joins the household.")})
    customer = Customer.objects.filter(
        id_type=id_type, id_number_hash__in=pii_hash_candidates((id_number or "").strip())
    ).first()
    if customer is None:
        raise ValidationError(
            {"id_number": _("No customer has this ID number. Add the person as a new customer instead.")}
        )
    was_visible = Customer.objects.visible_to(by).filter(pk=customer.pk).exists()
    member = _household_member_create(unit=unit, customer=customer, role=role, since=since)
    HouseholdLink.objects.create(
        unit=unit, customer=customer, role=role, reason=reason, widened_scope=not was_visible, linked_by=by
    )
    return member


def _household_member_create(*, unit: Unit, customer: Customer, role: str, since) -> HouseholdMember:
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


CONTRACT_FIELDS = (
    "number",
    "subscribed_on",
    "signed_on",
    "price",
    "contractual_handover_on",
    "handed_over_on",
)


@transaction.atomic
def contract_create(*, unit: Unit, primary_buyer: Customer, by, **fields: Any) -> Contract:
    """Sign a unit to a buyer; the buyer becomes the unit's primary owner (one per unit)."""
    if not by.may_edit_customers():
        raise PermissionDenied(_("Your role may not edit customers."))
    if not by.scope.is_unrestricted and unit.project_id not in by.scope.project_ids:
        raise PermissionDenied(_("This unit is outside your projects."))
    if not Customer.objects.visible_to(by).filter(pk=primary_buyer.pk).exists():
        # The buyer joins the unit's household: that must not bring someone into the scope.
        raise PermissionDenied(_("This customer is outside your city companies and projects."))
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
    audit_created(contract, by=by)
    if contract.signed_on and contract.status == Contract.Status.ACTIVE:
        contract_signed.send(sender=Contract, contract=contract)
    return contract


@transaction.atomic
def contract_update(*, contract: Contract, by, expected_version: int, **fields: Any) -> Contract:
    unknown = set(fields) - set(CONTRACT_FIELDS) - {"status"}
    if unknown:
        raise TypeError(f"unknown contract fields: {sorted(unknown)}")
    if not by.may_edit_customers():
        raise PermissionDenied(_("Your role may not edit customers."))
    was_signed = bool(contract.signed_on) and contract.status == Contract.Status.ACTIVE
    audit_snapshot(contract)
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
    audit_changes(contract, by=by)
    if not was_signed and contract.signed_on and contract.status == Contract.Status.ACTIVE:
        contract_signed.send(sender=Contract, contract=contract)
    return contract


# --- merging duplicates (合并客户) ----------------------------------------------------------------------

# Filled on the kept record from the duplicate where the kept one has nothing.
MERGE_FILLED_FIELDS = (
    "registered_project",
    "gender",
    "birth_date",
    "employer",
    "education",
    "address",
    "email",
    "wechat_openid",
    "acquisition_channel",
    "referrer",
)


@transaction.atomic
def customer_merge(
    *,
    survivor: Customer,
    duplicate: Customer,
    by,
    expected_version: int | None = None,
    expected_duplicate_version: int | None = None,
) -> CustomerMerge:
    """Fold `duplicate` into `survivor`: the same person recorded twice (an import without the ID number,
    a hotline caller recorded anew). Every record of the duplicate moves to the survivor; blank fields
    of the survivor take the duplicate's values; the duplicate's row is deleted and a CustomerMerge row
    says who merged whom. Both rows are locked and version-checked, so a merge never races an edit."""
    if not by.may_merge_customers():
        raise PermissionDenied(_("Your role may not merge customers."))
    if survivor.pk == duplicate.pk:
        raise ValidationError({"duplicate": _("A customer cannot be merged into itself.")})
    # Both rows, fresh, within the user's scope and locked (in id order: two merges cannot deadlock).
    locked = {
        c.pk: c
        for c in Customer.objects.visible_to(by)
        .select_for_update()
        .filter(pk__in=[survivor.pk, duplicate.pk])
        .order_by("pk")
    }
    if len(locked) != 2:
        raise PermissionDenied(_("This customer is outside your city companies and projects."))
    survivor, duplicate = locked[survivor.pk], locked[duplicate.pk]
    for row, expected in ((survivor, expected_version), (duplicate, expected_duplicate_version)):
        if expected is not None and row.version != expected:
            raise ConcurrentEditError()
    _check_mergeable(survivor, duplicate)
    audit_snapshot(survivor)
    phones_before = list(survivor.phones.values_list("number", flat=True))
    referred = list(Customer.objects.filter(referrer=duplicate).exclude(pk=survivor.pk).only("pk", "name"))

    moved = {
        "phones": _merge_phones(survivor, duplicate),
        "households": _merge_households(survivor, duplicate),
        "referrals": Customer.objects.filter(pk__in=[c.pk for c in referred]).update(referrer=survivor),
    }
    for customer in referred:
        audit_log(customer, by=by, changes={"referrer": (duplicate.pk, survivor.pk)})
    moved.update(_move_other_references(survivor, duplicate, by))

    record = CustomerMerge(
        survivor=survivor,
        duplicate_id=duplicate.pk,
        duplicate_name=duplicate.name,
        duplicate_id_number_masked=duplicate.id_number_masked,
        moved={kind: count for kind, count in moved.items() if count},
        merged_by=by,
    )
    if survivor.referrer_id == duplicate.pk:
        survivor.referrer = None  # referred by their own duplicate: no one
    for name in MERGE_FILLED_FIELDS:
        value = getattr(duplicate, name)
        if not getattr(survivor, name) and value and value != survivor:
            setattr(survivor, name, value)
    if duplicate.notes:
        survivor.notes = "\n".join(part for part in (survivor.notes, duplicate.notes) if part)
    id_type, id_number, duplicate_pk = duplicate.id_type, duplicate.id_number, duplicate.pk
    duplicate.delete()  # first: its ID number's unique hash goes with it
    if not survivor.id_number and id_number:
        survivor.id_type, survivor.id_number = id_type, id_number
    survivor.version += 1
    survivor.save()
    record.save()
    phones_after = list(survivor.phones.values_list("number", flat=True))
    audit_changes(
        survivor,
        by=by,
        extra={
            "merged_from": ("", f"#{duplicate_pk} {record.duplicate_name}"),
            "phones": (PHONE_SEPARATOR.join(phones_before), PHONE_SEPARATOR.join(phones_after)),
        },
    )
    customers_refresh_contract_dates(customer_ids=[survivor.pk])
    return record


def _check_mergeable(survivor: Customer, duplicate: Customer) -> None:
    if survivor.city_company_id != duplicate.city_company_id:
        raise ValidationError({"duplicate": _("Only records of the same city company can be merged.")})
    if (
        survivor.id_number_hash
        and duplicate.id_number_hash
        and (survivor.id_number_hash != duplicate.id_number_hash or survivor.id_type != duplicate.id_type)
    ):
        raise ValidationError(
            {"duplicate": _("The two records carry different ID numbers: they are two people, not one.")}
        )


def _merge_phones(survivor: Customer, duplicate: Customer) -> int:
    """The duplicate's numbers the survivor lacks join the survivor's, after its own primary one."""
    known = set(survivor.phones.values_list("number", flat=True))
    duplicate.phones.filter(number__in=known).delete()
    if known:
        duplicate.phones.update(is_primary=False)
    return duplicate.phones.update(customer=survivor)


def _merge_households(survivor: Customer, duplicate: Customer) -> int:
    """Homes of both: where both are in one household the survivor's row stays, taking the owner's
    role if the duplicate held it."""
    moved = 0
    for member in HouseholdMember.objects.select_for_update().filter(customer=duplicate).order_by("pk"):
        kept = HouseholdMember.objects.filter(unit_id=member.unit_id, customer=survivor).first()
        if kept is None:
            member.customer = survivor
            member.save(update_fields=["customer", "updated_at"])
            moved += 1
            continue
        was_owner = member.role == HouseholdRole.OWNER
        member.delete()
        if was_owner and kept.role != HouseholdRole.OWNER:
            kept.role = HouseholdRole.OWNER
            kept.save(update_fields=["role", "updated_at"])
    return moved


def _drop_colliding_copies(model, field_name: str, survivor: Customer, duplicate: Customer, counts) -> None:
    """A row that may exist once per customer and thing (a news item received, a touchpoint of a plan's
    occurrence): where both records have it, the survivor's stays and the duplicate's copy is dropped
    (counted as "<model> dropped"), so that moving the rest breaks no unique constraint."""
    for constraint in model._meta.constraints:
        fields = getattr(constraint, "fields", ())
        if not isinstance(constraint, UniqueConstraint) or field_name not in fields or len(fields) < 2:
            continue
        others = [name for name in fields if name != field_name]
        condition = constraint.condition or Q()
        rows = model._base_manager.filter(condition)
        taken = rows.filter(**{field_name: survivor}).values_list(*others)
        collisions = rows.filter(**{field_name: duplicate})
        keys = set(taken)
        ids = [row[0] for row in collisions.values_list("pk", *others) if tuple(row[1:]) in keys]
        if ids:
            model._base_manager.filter(pk__in=ids).delete()
            label = f"{model._meta.model_name} dropped"
            counts[label] = counts.get(label, 0) + len(ids)


def _move_other_references(survivor: Customer, duplicate: Customer, by) -> dict[str, int]:
    """Every other row pointing at the duplicate (contracts, complaints, handover appointments, access
    log, and whatever later apps add) now points at the survivor; a versioned row's version moves on,
    so an editor holding the old page gets a conflict rather than a silent change of customer."""
    handled = {CustomerPhone, HouseholdMember, Customer}
    counts: dict[str, int] = {}
    for relation in Customer._meta.related_objects:
        model = relation.related_model
        if model in handled or not relation.one_to_many:
            continue
        _drop_colliding_copies(model, relation.field.name, survivor, duplicate, counts)
        changes: dict[str, Any] = {relation.field.name: survivor}
        if any(field.name == "version" for field in model._meta.concrete_fields):
            changes["version"] = F("version") + 1
        moving = model._base_manager.filter(**{relation.field.name: duplicate})
        # Rows that keep an audit trail of this reference (a complaint's customer, a contract's buyer)
        # get an entry each: a merge is rare and moves a person's handful of records.
        audited_rows = list(moving) if is_audited(model, relation.field.name) else []
        count = moving.update(**changes)
        for row in audited_rows:
            audit_log(row, by=by, changes={relation.field.name: (duplicate.pk, survivor.pk)})
        counts[model._meta.model_name] = counts.get(model._meta.model_name, 0) + count  # type: ignore[arg-type, index]  # a concrete model's name is never None
    return counts
