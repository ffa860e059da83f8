"""A user's data scope: which city companies and projects they may see.

Computed once per request (cached on the user) and read by every queryset's
`visible_to(user)`, so the rule lives in one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Scope:
    is_unrestricted: bool = False
    city_company_ids: frozenset[int] = field(default_factory=frozenset)
    # Every project the user may see: assigned ones plus all of their city companies' projects.
    project_ids: frozenset[int] = field(default_factory=frozenset)

    @classmethod
    def for_user(cls, user) -> Scope:
        from properties.selectors import projects_by_id

        from .models import Role

        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return cls()
        if user.role == Role.GROUP_ADMIN:
            return cls(is_unrestricted=True)
        city_ids = frozenset(user.city_companies.values_list("pk", flat=True))
        project_ids = set(user.projects.values_list("pk", flat=True))
        if city_ids:
            # Their city companies' projects, from the cached reference data (no query per request).
            project_ids |= {pk for pk, (_name, city) in projects_by_id().items() if city in city_ids}
        return cls(city_company_ids=city_ids, project_ids=frozenset(project_ids))
