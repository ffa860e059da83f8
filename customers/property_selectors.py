"""Reads for the property browser's pages: a project, a building grid and a unit with who owns them.

They live with customers, not properties, because "sold", "owner" and "handed over" are customers'
facts (contracts and households); properties itself knows nothing of people.
"""

from __future__ import annotations

from django.db.models import Count, FilteredRelation, Prefetch, Q

from properties.models import Building, Project, Unit

from .models import Contract, HouseholdMember


def unit_counts(*, by: str, ids) -> dict[int, tuple[int, int]]:
    """(units, sold units) per project or building (`by` = "project_id" / "building_id"), in one grouped
    query. A unit is sold while it has an active contract (at most one, by constraint): the contract
    joins on that condition, so a cancelled contract neither hides nor doubles a unit."""
    rows = (
        Unit.objects.filter(**{f"{by}__in": list(ids)})
        .annotate(
            active_contract=FilteredRelation(
                "contracts", condition=Q(contracts__status=Contract.Status.ACTIVE)
            )
        )
        .order_by()
        .values(by)
        .annotate(units=Count("pk"), sold=Count("active_contract"))
        .values_list(by, "units", "sold")
    )
    return {pk: (units, sold) for pk, units, sold in rows}


def project_detail(*, user, pk: int) -> Project:
    return (
        Project.objects.visible_to(user)
        .select_related("city_company")
        .prefetch_related(
            Prefetch(
                "buildings",
                queryset=Building.objects.select_related("phase")
                .annotate(
                    unit_count=Count("units", distinct=True),
                    # A unit with a cancelled contract and an active one is one sold unit, not two units.
                    sold_count=Count(
                        "units__contracts",
                        filter=Q(units__contracts__status=Contract.Status.ACTIVE),
                        distinct=True,
                    ),
                )
                .order_by("number"),
            ),
            "phases",
        )
        .get(pk=pk)
    )


def building_detail(*, user, pk: int) -> Building:
    return (
        Building.objects.visible_to(user)
        .select_related("project", "project__city_company", "phase")
        .prefetch_related(
            Prefetch(
                "units",
                queryset=Unit.objects.order_by("-floor", "entrance", "number").prefetch_related(
                    Prefetch(
                        "household",
                        queryset=HouseholdMember.objects.filter(role="owner").select_related("customer"),
                        to_attr="owners",
                    ),
                    Prefetch(
                        "contracts",
                        queryset=Contract.objects.filter(status=Contract.Status.ACTIVE),
                        to_attr="active_contracts",
                    ),
                ),
            )
        )
        .get(pk=pk)
    )


def unit_detail(*, user, pk: int) -> Unit:
    return (
        Unit.objects.visible_to(user)
        .with_location()
        .prefetch_related(
            Prefetch("household", queryset=HouseholdMember.objects.select_related("customer")),
            Prefetch("contracts", queryset=Contract.objects.select_related("primary_buyer")),
        )
        .get(pk=pk)
    )
