"""The handover desk's part of an engineer's home-page work queue: short lists, nearest first.

Bounded (`limit` rows, the page links to the full list) and scoped by `visible_to(user)`: batches
are few per project (`handover_batch_project`), a project's open defects are found by
`defect_project_status` and only those with a running clock are ordered.
"""

from __future__ import annotations

from django.db.models import Q

from ..deadlines import CLOCKED_STATUSES
from ..models import Defect, HandoverBatch


def my_batches(*, user, limit: int) -> list[HandoverBatch]:
    """The batches the user leads or works in that are not closed, the soonest first."""
    return list(
        HandoverBatch.objects.visible_to(user)
        .exclude(status=HandoverBatch.Status.CLOSED)
        .filter(
            Q(lead=user)
            | Q(pk__in=HandoverBatch.team.through.objects.filter(user=user).values("handoverbatch"))
        )
        .select_related("project")
        .only("name", "status", "starts_on", "ends_on", "project__name")
        .order_by("starts_on", "id")[:limit]
    )


def defects_due(*, user, limit: int) -> list[Defect]:
    """Open defects with a rectification deadline running, nearest due first."""
    return list(
        Defect.objects.visible_to(user)
        .filter(status__in=CLOCKED_STATUSES, due_at__isnull=False)
        .select_related("unit")
        .only("number", "description", "status", "due_at", "unit__code")
        .order_by("due_at", "id")[:limit]
    )
