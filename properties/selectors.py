"""Reads for the property browser: city company → project → building → unit."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet

from customers.models import Contract, HouseholdMember

from .models import Building, CityCompany, Project, Unit


def project_list(*, user) -> QuerySet[Project]:
    return (
        Project.objects.visible_to(user)
        .select_related("city_company")
        .annotate(building_count=Count("buildings", distinct=True))
        .order_by("city_company__name", "name")
    )


def city_company_list(*, user) -> QuerySet[CityCompany]:
    return CityCompany.objects.visible_to(user).order_by("name")


def project_detail(*, user, pk: int) -> Project:
    return (
        Project.objects.visible_to(user)
        .select_related("city_company")
        .prefetch_related(
            Prefetch(
                "buildings",
                queryset=Building.objects.select_related("phase")
                .annotate(
                    unit_count=Count("units"),
                    sold_count=Count(
                        "units__contracts", filter=Q(units__contracts__status=Contract.Status.ACTIVE)
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
