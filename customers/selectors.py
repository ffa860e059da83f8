"""Reads of customers, shaped for their pages and scoped to the user."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet

from properties.models import Unit

from .models import Contract, Customer, CustomerPhone, HouseholdMember, pii_hash
from .validators import normalize_mobile

_UNIT_CODE_RE = re.compile(r"^\d+[A-Za-z]?(?:-[0-9A-Za-z]+){0,2}$")
_UNIT_QUERY_RE = re.compile(r"^(?P<project>.*?)\s*(?P<code>\d+[A-Za-z]?(?:-[0-9A-Za-z]+){1,2})$")


def customer_list(*, user, filters: dict | None = None) -> QuerySet[Customer]:
    """The customer list: scoped, filtered, with what each row shows and nothing more."""
    filters = filters or {}
    customers = (
        Customer.objects.visible_to(user)
        .select_related("city_company", "registered_project")
        .prefetch_related(
            Prefetch(
                "phones", queryset=CustomerPhone.objects.only("id", "customer_id", "number", "is_primary")
            )
        )
        .prefetch_related(
            Prefetch(
                "contracts_as_buyer",
                queryset=Contract.objects.only(
                    "id", "primary_buyer_id", "status", "signed_on", "handed_over_on", "unit_id"
                ),
            )
        )
    )
    if filters.get("city_company"):
        customers = customers.filter(city_company_id=filters["city_company"])
    if filters.get("project"):
        customers = customers.filter(
            Q(registered_project_id=filters["project"]) | Q(households__unit__project_id=filters["project"])
        ).distinct()
    if filters.get("stage"):
        customers = customers.in_stage(filters["stage"])
    if filters.get("acquisition_channel"):
        customers = customers.filter(acquisition_channel=filters["acquisition_channel"])
    if filters.get("q"):
        customers = customers.filter(pk__in=_matching_customer_ids(filters["q"]))
    return customers


@dataclass(frozen=True)
class SearchQuery:
    kind: str  # phone | phone_tail | id_number | unit | name
    text: str


def classify_query(text: str) -> SearchQuery:
    """Decide what the agent typed: a full phone, a phone tail (尾号), an ID number, a unit or a name."""
    text = (text or "").strip()
    phone = normalize_mobile(text)
    if re.fullmatch(r"1\d{10}", phone):
        return SearchQuery("phone", phone)
    if re.fullmatch(r"\d{4}", text):
        return SearchQuery("phone_tail", text)
    if re.fullmatch(r"\d{17}[\dXx]|[A-Za-z]\d{7,9}", text):
        return SearchQuery("id_number", text.upper())
    if _UNIT_QUERY_RE.match(text):
        return SearchQuery("unit", text)
    return SearchQuery("name", text)


def _matching_unit_ids(text: str) -> QuerySet:
    match = _UNIT_QUERY_RE.match(text)
    units = Unit.objects.all()
    if match:
        units = units.filter(code=match["code"])
        if match["project"]:
            units = units.filter(project__name__icontains=match["project"].strip())
    return units.values("pk")


def _matching_customer_ids(text: str) -> QuerySet:
    query = classify_query(text)
    if query.kind == "phone":
        return CustomerPhone.objects.filter(number=query.text).values("customer_id")
    if query.kind == "phone_tail":
        return CustomerPhone.objects.filter(last4=query.text).values("customer_id")
    if query.kind == "id_number":
        return Customer.objects.filter(id_number_hash=pii_hash(query.text)).values("pk")
    if query.kind == "unit":
        return HouseholdMember.objects.filter(unit__in=_matching_unit_ids(query.text)).values("customer_id")
    return (
        Customer.objects.filter(name__startswith=query.text).values("pk")
        if len(query.text) < 2
        else (Customer.objects.filter(name__contains=query.text).values("pk"))
    )


def customer_search(*, user, text: str, limit: int = 20) -> tuple[SearchQuery, list[Customer]]:
    """The global search box: phone, phone tail, ID number, unit (四季花城 3-1-502) or name."""
    query = classify_query(text)
    if not query.text:
        return query, []
    results = (
        customer_list(user=user)
        .filter(pk__in=_matching_customer_ids(text))
        .prefetch_related(
            Prefetch("households", queryset=HouseholdMember.objects.select_related("unit", "unit__project"))
        )
        .order_by("-id")[:limit]
    )
    return query, list(results)


def unit_search(*, user, text: str, limit: int = 10) -> list[Unit]:
    query = classify_query(text)
    if query.kind != "unit":
        return []
    return list(Unit.objects.visible_to(user).filter(pk__in=_matching_unit_ids(text)).with_location()[:limit])


def customer_360(*, user, pk: int) -> Customer:
    """Everything the 360 page shows, in a fixed number of queries. Raises DoesNotExist outside scope."""
    return (
        Customer.objects.visible_to(user)
        .select_related("city_company", "registered_project", "referrer")
        .prefetch_related(
            "phones",
            Prefetch(
                "households",
                queryset=HouseholdMember.objects.select_related(
                    "unit", "unit__building", "unit__project", "unit__project__city_company"
                ).prefetch_related(
                    Prefetch("unit__household", queryset=HouseholdMember.objects.select_related("customer")),
                    Prefetch("unit__contracts", queryset=Contract.objects.select_related("primary_buyer")),
                ),
            ),
            Prefetch("contracts_as_buyer", queryset=Contract.objects.select_related("unit", "unit__project")),
            Prefetch("referrals", queryset=Customer.objects.only("id", "name", "referrer_id")),
        )
        .get(pk=pk)
    )
