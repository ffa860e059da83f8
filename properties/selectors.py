"""The cached reference data (city companies, projects) that every list's filters and labels read, and
the property browser's project list."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.cache import cache
from django.db.models import Count, QuerySet
from django.db.models.signals import post_delete, post_save

from .models import CityCompany, Project

# --- reference data, cached -------------------------------------------------------------------------
# Lists label their rows with project names and offer city companies, projects (and, in complaints,
# categories and staff) as filters: read on every request, changed a few times a year. They are kept
# in the cache for REFERENCE_TTL seconds, and each process also keeps what it read for MEMO_SECONDS
# (unpickling a few hundred rows on every request costs more than a list's page query). A save or
# delete through the ORM drops both copies at once (receivers below); bulk writes, which send no
# signal, call forget_cached(). REFERENCE_TTL bounds how long another process can lag behind.

REFERENCE_TTL = 300
MEMO_SECONDS = 10
PROJECTS_KEY = "properties:reference:projects"
CITY_COMPANIES_KEY = "properties:reference:city-companies"
_memo: dict[str, tuple[float, Any]] = {}  # (expiry, each key's own built value)
T = TypeVar("T")


def cached_reference(key: str, build: Callable[[], T]) -> T:
    """`build()`'s value, from this process's memo, else the cache, else the database. Read-only."""
    memo = _memo.get(key)
    if memo is not None and memo[0] > time.monotonic():
        return memo[1]
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, REFERENCE_TTL)
    _memo[key] = (time.monotonic() + MEMO_SECONDS, value)
    return value


def forget_cached(*keys: str) -> None:
    for key in keys:
        _memo.pop(key, None)
    cache.delete_many(list(keys))


def forget_on_change(key: str, *models: str, signals=(post_save, post_delete)) -> None:
    """Drop the cached `key` whenever a row of one of `models` ("app_label.model") is saved or deleted
    (or `signals` fire for it). Matched by label, so the historical models of data migrations count."""
    labels = {label.lower() for label in models}

    def receiver(sender, **kwargs) -> None:
        if sender._meta.label_lower in labels:
            forget_cached(key)

    for signal in signals:
        signal.connect(receiver, weak=False, dispatch_uid=f"forget:{key}:{id(signal)}")


def projects_by_id() -> dict[int, tuple[str, int]]:
    """Every project's (name, city company id) by id, ordered by name."""
    return cached_reference(
        PROJECTS_KEY,
        lambda: {
            pk: (name, city)
            for pk, name, city in Project.objects.order_by("name", "pk").values_list(
                "id", "name", "city_company_id"
            )
        },
    )


def city_companies_by_id() -> dict[int, str]:
    """Every city company's name by id, ordered by name."""
    return cached_reference(
        CITY_COMPANIES_KEY, lambda: dict(CityCompany.objects.order_by("name", "pk").values_list("id", "name"))
    )


def visible_projects(user) -> list[tuple[int, str]]:
    """(id, name) of the projects the user may see, by name (Project.objects.visible_to)."""
    scope = user.scope
    return [
        (pk, name)
        for pk, (name, _city) in projects_by_id().items()
        if scope.is_unrestricted or pk in scope.project_ids
    ]


def visible_city_companies(user) -> list[tuple[int, str]]:
    """(id, name) of the city companies the user may see, by name (CityCompany.objects.visible_to:
    their own, and those of the projects they are assigned to)."""
    scope = user.scope
    if scope.is_unrestricted:
        return list(city_companies_by_id().items())
    projects = projects_by_id()
    ids = set(scope.city_company_ids) | {projects[pk][1] for pk in scope.project_ids if pk in projects}
    return [(pk, name) for pk, name in city_companies_by_id().items() if pk in ids]


forget_on_change(PROJECTS_KEY, "properties.Project")
forget_on_change(CITY_COMPANIES_KEY, "properties.CityCompany")


# --- the property browser's lists (the pages themselves, which show owners, are customers') ---


def project_list(*, user) -> QuerySet[Project]:
    return (
        Project.objects.visible_to(user)  # type: ignore[return-value]  # the custom QuerySet: the stubs lose its model
        .select_related("city_company")
        .annotate(building_count=Count("buildings", distinct=True))
        .order_by("city_company__name", "name")
    )


def city_company_list(*, user) -> QuerySet[CityCompany]:
    return CityCompany.objects.visible_to(user).order_by("name")
