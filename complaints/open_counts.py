"""The SLA board's four counters without counting every open complaint (issue 19, ten million rows).

At 1M complaints the group administrator's board counted ~32,000 open complaints per request (48 ms of
SQL); at 10M it would be ten times that. The counters split differently:

    paused   = open complaints with a target whose clock is paused          (kept per project)
    running  = open complaints with a target whose clock runs               (kept per project)
    on_time, warning = running ones whose due time is still ahead           (counted: few, recent ones)
    breached = running − on_time − warning

The two kept numbers are rows of complaints_opencomplaintcount (models/open_counts.py), which
PostgreSQL keeps with statement triggers (migration 0015); the ones ahead are a range of the board's
index from now on (index-only: it includes the project, the warning and the pause). One query, whatever
the size of the backlog. Used when the board is filtered by
nothing but a project (its first page for every role that sees whole projects); other filters, a
department's or a contractor's scope, and SQLite count live (complaints.selectors.sla_counters)."""

from __future__ import annotations

import datetime

from django.db import connection

from .models import Complaint, OpenComplaintCount, Status, current_due_expression

OPEN_SQL = ", ".join(f"'{value}'" for value in Status.open_values())
# Which open complaints the kept rows count (the same condition as the triggers' in migration 0015): a
# target measured, and paused or with a due time (a running clock without one is in no counter).
COUNTED_SQL = (
    f"status IN ({OPEN_SQL}) AND sla_target <> '' AND (paused_at IS NOT NULL OR CASE sla_target "
    "WHEN 'first_response' THEN first_response_due_at WHEN 'plan' THEN plan_due_at "
    "WHEN 'resolution' THEN resolution_due_at END IS NOT NULL)"
)
# The filters of the board that leave the scope alone (status is always "open" for the counters).
SCOPE_ONLY = {"project", "status", "sla"}


def rebuild() -> None:
    """Count the rows again from the complaints (after a load that skipped the triggers)."""
    table = OpenComplaintCount._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table}")  # nosec B608  # the model's table name
        cursor.execute(
            f"INSERT INTO {table} (project_id, paused, count) "  # nosec B608  # the model's table name, no values
            "SELECT project_id, paused_at IS NOT NULL, COUNT(*) FROM complaints_complaint "
            f"WHERE {COUNTED_SQL} GROUP BY 1, 2"
        )


def applies(user, filters: dict) -> bool:
    """Whether the kept counts answer this board: PostgreSQL, a scope of whole projects, no filter but one."""
    from accounts.models import Role

    if connection.vendor != "postgresql" or user.role in (Role.CONTRACTOR, Role.DEPARTMENT_STAFF):
        return False
    return all(value in (None, "", False) for name, value in filters.items() if name not in SCOPE_ONLY)


def counters(user, filters: dict, now: datetime.datetime) -> dict[str, int]:
    """The four counters of the board for a scope of whole projects (see `applies`), in one query."""
    project = filters.get("project")
    project_ids = None if user.scope.is_unrestricted else set(user.scope.project_ids)
    if project not in (None, ""):
        project = int(getattr(project, "pk", project))
        project_ids = {project} if project_ids is None or project in project_ids else set()
    if project_ids is not None and not project_ids:  # a project outside the scope, or no project at all
        return dict.fromkeys(("on_time", "warning", "breached", "paused"), 0)
    kept = OpenComplaintCount.objects.all()
    # A due time ahead implies a target (no target, no due time): every column is in the board's index.
    ahead = Complaint.objects.open().filter(paused_at__isnull=True)
    if project_ids is not None:
        kept = kept.filter(project_id__in=sorted(project_ids))
        ahead = ahead.filter(project_id__in=sorted(project_ids))
    ahead = ahead.annotate(current_due=current_due_expression()).filter(current_due__gt=now)
    kept_sql, kept_params = kept.order_by().values("paused", "count").query.sql_with_params()
    ahead_sql, ahead_params = ahead.order_by().values("sla_warned").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT k.running, k.paused, a.warning, a.on_time FROM "  # nosec B608  # the ORM's own SQL; its values stay parameters
            "(SELECT COALESCE(SUM(count) FILTER (WHERE NOT paused), 0) AS running, "
            f"COALESCE(SUM(count) FILTER (WHERE paused), 0) AS paused FROM ({kept_sql}) kept) k, "
            "(SELECT COUNT(*) FILTER (WHERE sla_warned) AS warning, "
            f"COUNT(*) FILTER (WHERE NOT sla_warned) AS on_time FROM ({ahead_sql}) ahead) a",
            [*kept_params, *ahead_params],
        )
        running, paused, warning, on_time = cursor.fetchone()
    return {
        "on_time": on_time,
        "warning": warning,
        "breached": max(0, running - warning - on_time),
        "paused": paused,
    }
