"""Reads of the registers: the red-line coverage of a project's buyers, a project's risk page."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Count, Exists, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce

from customers.models import Contract

from .models import Acknowledgement, Commitment, Disclosure, RedLineItem


def material_item_ids(project_id: int) -> set[int]:
    return set(RedLineItem.objects.filter(project_id=project_id, material=True).values_list("pk", flat=True))


def disclosed_item_ids(contract_ids) -> dict[int, set[int]]:
    """contract id → the red-line items of every version the contract acknowledged (one query)."""
    through = Disclosure.items.through
    acknowledged = Acknowledgement.objects.filter(contract_id__in=contract_ids)
    covered: dict[int, set[int]] = defaultdict(set)
    for contract_id, item_id in (
        through.objects.filter(disclosure__acknowledgements__in=acknowledged)
        .values_list("disclosure__acknowledgements__contract_id", "redlineitem_id")
        .distinct()
    ):
        covered[contract_id].add(item_id)
    return covered


def undisclosed_contracts(project_id: int, contracts: list[Contract]) -> list[tuple[Contract, set[int]]]:
    """The contracts whose buyer has not acknowledged every material item, with the missing item ids."""
    material = material_item_ids(project_id)
    if not material or not contracts:
        return []
    covered = disclosed_item_ids([c.pk for c in contracts])
    return [
        (c, material - covered.get(c.pk, set())) for c in contracts if material - covered.get(c.pk, set())
    ]


def contracts_with_register_flags(contracts, *, project_id: int):
    """`contracts` annotated with `undisclosed` (a material red-line item of the project that no
    version the contract acknowledged contains) and `open_commitments` (how many): in the same query."""
    through = Disclosure.items.through
    acknowledged_item = through.objects.filter(
        redlineitem_id=OuterRef("pk"), disclosure__acknowledgements__contract_id=OuterRef(OuterRef("pk"))
    )
    missing = RedLineItem.objects.filter(project_id=project_id, material=True).exclude(
        Exists(acknowledged_item)
    )
    open_count = (
        Commitment.objects.filter(contract_id=OuterRef("pk"), status=Commitment.Status.OPEN)
        .order_by()
        .values("contract_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return contracts.annotate(
        undisclosed=Exists(missing),
        open_commitments=Coalesce(Subquery(open_count, output_field=IntegerField()), Value(0)),
    )


def open_commitment_counts(contract_ids) -> dict[int, int]:
    return dict(
        Commitment.objects.unsettled()
        .filter(contract_id__in=contract_ids)
        .values("contract_id")
        .annotate(n=Count("pk"))
        .values_list("contract_id", "n")
    )


def red_line_coverage(project_id: int) -> tuple[list[RedLineItem], int]:
    """The project's items, each with `covered`: how many active contracts acknowledged a version
    containing it; and the number of active contracts. Three queries."""
    items = list(RedLineItem.objects.filter(project_id=project_id).prefetch_related("photos"))
    through = Disclosure.items.through
    covered = dict(
        through.objects.filter(
            disclosure__project_id=project_id,
            disclosure__acknowledgements__contract__status=Contract.Status.ACTIVE,
        )
        .values("redlineitem_id")
        .annotate(n=Count("disclosure__acknowledgements__contract", distinct=True))
        .values_list("redlineitem_id", "n")
    )
    contracts = Contract.objects.filter(unit__project_id=project_id, status=Contract.Status.ACTIVE).count()
    for item in items:
        item.covered = covered.get(item.pk, 0)
        item.uncovered = max(contracts - item.covered, 0)
    return items, contracts
