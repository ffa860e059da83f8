"""A user's data scope: which city companies and projects they may see.

Computed once per request (cached on the user) and read by every queryset's
`visible_to(user)`, so the rule lives in one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import IntegerField, Q, Value

from .roles import Role


@dataclass(frozen=True)
class Scope:
    is_unrestricted: bool = False
    city_company_ids: frozenset[int] = field(default_factory=frozenset)
    # Every project the user may see: assigned ones plus all of their city companies' projects.
    project_ids: frozenset[int] = field(default_factory=frozenset)
    # A contractor user's company: they see its work, and only in the projects above.
    contractor_id: int | None = None

    @classmethod
    def for_user(cls, user) -> Scope:
        from properties.selectors import projects_by_id

        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return cls()
        if user.role == Role.GROUP_ADMIN:
            return cls(is_unrestricted=True)
        city_ids, project_ids = _assigned(user)
        if city_ids:
            # Their city companies' projects, from the cached reference data (no query per request).
            project_ids |= {pk for pk, (_name, city) in projects_by_id().items() if city in city_ids}
        contractor_id = user.contractor_id if user.role == Role.CONTRACTOR else None
        return cls(city_company_ids=city_ids, project_ids=frozenset(project_ids), contractor_id=contractor_id)

    def covers(self, project_id: int | None) -> bool:
        return self.is_unrestricted or project_id in self.project_ids

    def place(self, *, city: str = "city_company", project: str = "project") -> Q:
        """Rows carrying their city company and (if any) project, that project's own: those of the user's
        city companies and of their projects elsewhere. The rows of `project IN project_ids OR city IN
        city_company_ids` (a project never moves city: properties.services), written so that a city
        head's is one range of an index led by the city company, not a filter on every row read."""
        from properties.selectors import projects_by_id

        elsewhere = self.project_ids
        if self.city_company_ids:
            cities = projects_by_id()
            elsewhere = frozenset(
                pk for pk in self.project_ids if cities.get(pk, ("", None))[1] not in self.city_company_ids
            )
        condition = Q(**{f"{city}_id__in": self.city_company_ids})
        return condition | Q(**{f"{project}_id__in": elsewhere}) if elsewhere else condition

    # A contractor user's rows: their own company's work in the projects they are assigned to. A company
    # working in several cities is no pass to all of them (finding 10.3). The one rule, in two forms:
    # a filter for querysets (work orders, defects, rectification orders) and a test for one row.

    def firm_work(self, *, project: str = "project", contractor: str = "contractor") -> Q:
        if self.contractor_id is None:
            return Q(pk__in=[])
        return Q(**{f"{contractor}_id": self.contractor_id, f"{project}_id__in": self.project_ids})

    def is_firm_work(self, *, contractor_id: int | None, project_id: int | None) -> bool:
        return (
            self.contractor_id is not None
            and contractor_id == self.contractor_id
            and project_id in self.project_ids
        )


CITY, PROJECT = 1, 2


def _assigned(user) -> tuple[frozenset[int], set[int]]:
    """The user's city companies and projects, read from the two assignment tables in one query (every
    request of a restricted user needs them)."""
    kind = IntegerField()
    cities = user.city_companies.through.objects.filter(user_id=user.pk).values_list(
        Value(CITY, output_field=kind), "citycompany_id"
    )
    projects = user.projects.through.objects.filter(user_id=user.pk).values_list(
        Value(PROJECT, output_field=kind), "project_id"
    )
    rows = list(cities.order_by().union(projects.order_by(), all=True))
    return (
        frozenset(pk for what, pk in rows if what == CITY),
        {pk for what, pk in rows if what == PROJECT},
    )
