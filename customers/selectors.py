"""Reads of customers, shaped for their pages and scoped to the user."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from core.masking import mask_phone
from core.rows import local_text, row_url
from properties import selectors as property_selectors
from properties.models import Unit

from .models import (
    Contract,
    Customer,
    CustomerPhone,
    HouseholdMember,
    HouseholdRole,
    ImportJob,
    pii_hash_candidates,
)
from .validators import normalize_mobile

# Trigram indexes match three characters or more; shorter names are searched by their start.
NAME_CONTAINS_MIN = 3
_UNIT_CODE_RE = re.compile(r"^\d+[A-Za-z]?(?:-[0-9A-Za-z]+){0,2}$")
_UNIT_QUERY_RE = re.compile(r"^(?P<project>.*?)\s*(?P<code>\d+[A-Za-z]?(?:-[0-9A-Za-z]+){1,2})$")


def primary_phone_number(customer_ref: str = "pk") -> Subquery:
    """The customer's primary phone number (else the first), as a column of a list row: one index
    probe per row instead of a query for every row's phones. Unmasked: mask it on the way out."""
    return Subquery(
        CustomerPhone.objects.filter(customer_id=OuterRef(customer_ref))
        .order_by("-is_primary", "id")
        .values("number")[:1]
    )


def customer_list(*, user, filters: dict | None = None) -> QuerySet[Customer]:
    """The customers the user may see that pass the list's filters, newest first, without the
    encrypted ID number. Callers add what their rows show (phones, households)."""
    filters = filters or {}
    customers = Customer.objects.visible_to(user).defer("id_number")  # lists show the stored mask
    if filters.get("city_company"):
        customers = customers.filter(city_company_id=filters["city_company"])
    if filters.get("project"):
        holders = HouseholdMember.objects.filter(project_id=filters["project"]).values("customer_id")
        customers = customers.filter(Q(registered_project_id=filters["project"]) | Q(pk__in=holders))
    if filters.get("stage"):
        customers = customers.in_stage(filters["stage"])
    if filters.get("acquisition_channel"):
        customers = customers.filter(acquisition_channel=filters["acquisition_channel"])
    if filters.get("value_class"):  # the club's nightly ABC class (customers.CustomerValue)
        customers = customers.filter(value__value_class=filters["value_class"])
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
        return Customer.objects.filter(id_number_hash__in=pii_hash_candidates(query.text)).values("pk")
    if query.kind == "unit":
        return HouseholdMember.objects.filter(unit__in=_matching_unit_ids(query.text)).values("customer_id")
    if len(query.text) < NAME_CONTAINS_MIN:
        # One or two characters (王, 王伟): the start of the name, on the customer_name_prefix index.
        return Customer.objects.filter(name__startswith=query.text).values("pk")
    # Three or more (王桂英, 桂英华): anywhere in the name, on the customer_name_trgm index.
    return Customer.objects.filter(name__contains=query.text).values("pk")


def customer_search(*, user, text: str, limit: int = 20) -> tuple[SearchQuery, list[Customer]]:
    """The global search box: phone, phone tail, ID number, unit (四季花城 3-1-502) or name."""
    query = classify_query(text)
    if not query.text:
        return query, []
    results = list(
        customer_list(user=user)
        .filter(pk__in=_matching_customer_ids(text))
        .annotate(primary_phone_number=primary_phone_number())
        .prefetch_related(
            Prefetch("households", queryset=HouseholdMember.objects.select_related("unit", "unit__project"))
        )
        .order_by("-id")[:limit]
    )
    label_customer_rows(results)
    return query, results  # type: ignore[return-value]  # the annotated rows are Customers


def label_customer_rows(customers) -> None:
    """What a list row prints besides the customer's own columns, without a query: the masked primary
    phone (from `primary_phone_number`) and the city company's name (cached reference data)."""
    cities = property_selectors.city_companies_by_id()
    roles = {value: str(label) for value, label in HouseholdRole.choices}
    detail_url = row_url("customers:detail")
    today = timezone.localdate()
    for customer in customers:
        customer.phone_masked = mask_phone(getattr(customer, "primary_phone_number", "") or "")
        customer.city_company_name = cities.get(customer.city_company_id, "")
        customer.detail_url = detail_url(customer.pk)
        customer.created_text = local_text(customer.created_at, "%Y-%m-%d")
        customer.stage_now = customer.stage(today)
        for member in customer.households.all():  # prefetched by the caller
            member.role_label = roles.get(member.role, member.role)


def unit_search(*, user, text: str, limit: int = 10) -> list[Unit]:
    query = classify_query(text)
    if query.kind != "unit":
        return []
    return list(Unit.objects.visible_to(user).filter(pk__in=_matching_unit_ids(text)).with_location()[:limit])


def customer_360(*, user, pk: int) -> Customer:
    """Everything the 360 page shows, in a fixed number of queries. Raises DoesNotExist outside scope."""
    return (
        Customer.objects.visible_to(user)
        .select_related("city_company", "registered_project", "referrer", "value")
        .defer("id_number", "referrer__id_number")  # encrypted: the page shows the stored mask
        .prefetch_related(
            "phones",
            Prefetch(
                "households",
                queryset=HouseholdMember.objects.select_related(
                    "unit", "unit__building", "unit__project", "unit__project__city_company"
                ).prefetch_related(
                    Prefetch(
                        "unit__household",
                        queryset=HouseholdMember.objects.select_related("customer").defer(
                            "customer__id_number"
                        ),
                    ),
                ),
            ),
            Prefetch("contracts_as_buyer", queryset=Contract.objects.select_related("unit", "unit__project")),
            Prefetch("referrals", queryset=Customer.objects.only("id", "name", "referrer_id")),
        )
        .get(pk=pk)
    )


DUPLICATE_CANDIDATES = 10


def possible_duplicates(*, user, customer: Customer) -> list[Customer]:
    """Other records of the same city company that may be this same person: one of this customer's
    phone numbers, or the same name where at most one of the two carries an ID number (two different
    ID numbers are two people). For the 360 page's "possible duplicates"; one query, phones masked."""
    numbers = [phone.number for phone in customer.phones.all()]  # prefetched by customer_360
    same_phone = CustomerPhone.objects.filter(number__in=numbers).values("customer_id").order_by()
    same_name = Customer.objects.filter(
        city_company_id=customer.city_company_id, name=customer.name
    ).order_by()
    if customer.id_number_hash:
        same_name = same_name.filter(id_number_hash="")
    candidates = (
        Customer.objects.visible_to(user)
        .filter(city_company_id=customer.city_company_id)
        # One id list, not an OR of two IN lists: each part walks its own index (phone number; city
        # and name), where an OR would scan the city company's customers.
        .filter(pk__in=same_phone.union(same_name.values("pk")))
        .exclude(pk=customer.pk)
        .only("id", "name", "id_number_masked", "created_at", "city_company_id")
        .annotate(
            primary_phone_number=primary_phone_number(),
            shares_phone=Exists(CustomerPhone.objects.filter(customer_id=OuterRef("pk"), number__in=numbers)),
        )
        .order_by("-shares_phone", "-id")[:DUPLICATE_CANDIDATES]
    )
    rows = list(candidates)
    for row in rows:
        row.phone_masked = mask_phone(row.primary_phone_number or "")
    return rows


def merge_preview(*, duplicate: Customer) -> dict:
    """What a merge would move from `duplicate`: counts by kind, for the confirmation page.

    `elsewhere` counts the rows of other apps that point at the customer (complaints, handover
    appointments, …), found through the model's relations as the merge itself finds them
    (services._move_other_references): (label, count) for each kind with any.
    """
    own = {CustomerPhone, HouseholdMember, Customer}
    elsewhere = []
    for relation in Customer._meta.related_objects:
        model = relation.related_model
        if model in own or not relation.one_to_many or model._meta.app_label == Customer._meta.app_label:
            continue
        count = model._base_manager.filter(**{relation.field.name: duplicate}).count()
        if count:
            elsewhere.append((model._meta.verbose_name_plural, count))
    return {
        "phones": duplicate.phones.count(),
        "households": duplicate.households.count(),
        "contracts": duplicate.contracts_as_buyer.count(),
        "referrals": duplicate.referrals.count(),
        "elsewhere": elsewhere,
    }


def import_job_for(*, user, pk: int) -> ImportJob:
    """An import job of the user's own: its report holds names from their file and their scope."""
    return ImportJob.objects.get(pk=pk, created_by=user)
