"""The complaint desk's part of each role's home-page work queue: short lists, nearest due first.

Each read is bounded (`limit` rows, the page links to the full list), scoped by `visible_to(user)`
and ordered the way an index serves: complaints by the board's (current_due, id)
(`complaint_board_current_due`) or a handler's own few (`complaint_handler_status`), work orders by
(due_at, id) over the open ones (`work_order_open_due_project`).
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import Role

from .models import Complaint, Status, WorkOrder
from .selectors import sla_condition, with_current_due

QUEUE_COLUMNS = ("id", "number", "title", "status", "project_id", "handler_id", "paused_at", "sla_target")


def _open_by_due(user) -> QuerySet[Complaint]:
    return with_current_due(Complaint.objects.visible_to(user).open()).only(*QUEUE_COLUMNS)


def my_open_complaints(*, user, limit: int) -> list[Complaint]:
    """The complaints the user handles in the board's order (nearest due time of the target measured
    now first); the resolved ones wait for a return visit instead (my_callbacks)."""
    complaints = _open_by_due(user).filter(handler=user).exclude(status=Status.RESOLVED)
    return list(complaints.order_by("current_due", "id")[:limit])


def my_callbacks(*, user, limit: int) -> list[Complaint]:
    """回访 waiting: the user's resolved complaints, longest waiting first; they close after the owner is called."""
    return list(
        Complaint.objects.visible_to(user)
        .filter(handler=user, status=Status.RESOLVED)
        .only(*QUEUE_COLUMNS, "resolved_at")
        .order_by("resolved_at", "id")[:limit]
    )


def breached_complaints(*, user, limit: int) -> list[Complaint]:
    """Open complaints past the due time of the target being measured, longest overdue first."""
    return list(
        _open_by_due(user)
        .filter(sla_condition("breached", timezone.now()))
        .order_by("current_due", "id")[:limit]
    )


def undispatched_complaints(*, user, limit: int) -> list[Complaint]:
    """Received complaints nobody has been given yet (已接待, not dispatched), nearest due first."""
    return list(
        _open_by_due(user)
        .filter(status=Status.RECEIVED, handler__isnull=True)
        .order_by("current_due", "id")[:limit]
    )


def open_work_orders(*, user, limit: int) -> list[WorkOrder]:
    """The open work orders the user works on, nearest due first: a contractor's company's, a
    department's own (for department staff), else every one in scope."""
    orders = WorkOrder.objects.visible_to(user).exclude(
        status__in=[WorkOrder.Status.DONE, WorkOrder.Status.CANCELLED]
    )
    if user.role == Role.DEPARTMENT_STAFF and user.department:
        orders = orders.filter(department=user.department)
    return list(
        orders.only("number", "description", "due_at", "status", "warned", "project_id").order_by(
            "due_at", "id"
        )[:limit]
    )
