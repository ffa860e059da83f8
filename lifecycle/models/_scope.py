"""What the registers' querysets share: rows of a project, seen by users whose scope holds it."""

from __future__ import annotations

from django.db import models


class ProjectScopedQuerySet(models.QuerySet):
    """Rows with a `project` foreign key; only staff who may see customers see them."""

    def visible_to(self, user):
        if not (user and user.is_authenticated and user.may_see_customers()):
            return self.none()
        scope = user.scope
        if scope.is_unrestricted:
            return self
        return self.filter(project_id__in=scope.project_ids)
