"""Pass 2: the plan written in one transaction, parents first, with bulk_create in batches."""

from __future__ import annotations

from collections.abc import Callable

from django.utils import timezone

from core.masking import mask_id_number
from properties import selectors as property_selectors
from properties.models import Building, Phase, Project, Unit
from properties.selectors import forget_cached

from ..models import Contract, Customer, CustomerPhone, HouseholdMember, pii_hash
from ..services import customers_refresh_contract_dates
from ..signals import contracts_bulk_written
from .matching import ImportPlan

BATCH_SIZE = 500


def plan_write(plan: ImportPlan, report: Callable[[float], None]) -> None:
    """Pass 2: write what the plan resolved, parents first, in batches; `report` gets the fraction done."""
    steps = 9
    _bulk_create(Project, list(plan.new_projects.values()))
    report(1 / steps)
    _bulk_create(Phase, list(plan.new_phases.values()))
    _bulk_create(Building, list(plan.new_buildings.values()))
    report(2 / steps)
    _bulk_create(Unit, list(plan.new_units.values()))
    now = timezone.now()
    for row in [*plan.changed_units.values(), *plan.changed_contracts]:
        row.updated_at = now  # bulk_update skips auto_now
    if plan.changed_units:
        Unit.objects.bulk_update(
            list(plan.changed_units.values()),
            ["floor", "layout", "floor_area", "finish_standard", "updated_at"],
            batch_size=BATCH_SIZE,
        )
    report(4 / steps)
    for customer in plan.new_customers.values():
        # What Customer.save() derives: the search hash and the mask of the ID number.
        customer.id_number_hash = pii_hash(customer.id_number) if customer.id_number else ""
        customer.id_number_masked = mask_id_number(customer.id_number or "")
    _bulk_create(Customer, list(plan.new_customers.values()))
    report(6 / steps)
    phones = []
    for key, numbers in plan.phones.items():
        customer = plan.customers[key]
        has_primary = bool(plan.phones_of.get(customer.pk)) and key not in plan.new_customers
        for position, number in enumerate(numbers):
            # What CustomerPhone.save() derives: the indexed last four digits.
            phones.append(
                CustomerPhone(
                    customer=customer,
                    number=number,
                    last4=number[-4:],
                    is_primary=not has_primary and position == 0,
                )
            )
    _bulk_create(CustomerPhone, phones)
    report(7 / steps)
    new_members, changed_members = [], []
    for (unit_key, customer_key), (role, since, _row) in plan.members.items():
        unit, customer = plan.units[unit_key], plan.customers[customer_key]
        member = plan.existing_members.get((unit.pk, customer.pk))
        if member is None:
            new_members.append(
                # bulk_create skips save(): the unit's project is copied here.
                HouseholdMember(
                    unit=unit, customer=customer, role=role, since=since, project_id=unit.project_id
                )
            )
        elif member.role != role:
            member.role, member.updated_at = role, now
            changed_members.append(member)
    # Owners first: a changed role must not meet the old owner in the one-owner constraint.
    HouseholdMember.objects.bulk_update(changed_members, ["role", "updated_at"], batch_size=BATCH_SIZE)
    _bulk_create(HouseholdMember, new_members)
    report(8 / steps)
    new_contracts = []
    for unit_key, customer_key, contract, _row in plan.contracts.values():
        if contract.pk is None:
            contract.unit, contract.primary_buyer = plan.units[unit_key], plan.customers[customer_key]
            new_contracts.append(contract)
    _bulk_create(Contract, new_contracts)
    for contract in plan.changed_contracts:
        contract.version += 1  # an open edit form of this contract now gets a conflict
    Contract.objects.bulk_update(
        plan.changed_contracts,
        [
            "subscribed_on",
            "signed_on",
            "price",
            "contractual_handover_on",
            "handed_over_on",
            "version",
            "updated_at",
        ],
        batch_size=BATCH_SIZE,
    )
    # Bulk writes skip Contract.save(): refresh the stage dates of every buyer touched.
    written_contracts = [*new_contracts, *plan.changed_contracts]
    customers_refresh_contract_dates(customer_ids={c.primary_buyer_id for c in written_contracts})
    if written_contracts:
        contracts_bulk_written.send(
            sender=Contract,
            contract_ids=[c.pk for c in written_contracts],
            buyer_ids={c.primary_buyer_id for c in written_contracts},
        )
    if plan.new_projects:
        # bulk_create sends no post_save: drop the cached project and city-company lists.
        forget_cached(property_selectors.PROJECTS_KEY, property_selectors.CITY_COMPANIES_KEY)
    report(1.0)


def _bulk_create(model, objects: list) -> None:
    # Parents were bulk-created first, so bulk_create copies their new pks into the foreign keys.
    for start in range(0, len(objects), BATCH_SIZE):
        model.objects.bulk_create(objects[start : start + BATCH_SIZE])
