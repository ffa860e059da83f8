"""The desk's lists as Excel exports (core.exports), each with its page's filters and scope: the SLA
board, work orders, the supervisor view's alerts of the day, and improvement items. Owners' phones are
masked in every file (see core.exports)."""

from __future__ import annotations

import datetime
from collections.abc import Iterator

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Department, Role
from core.exports import Exporter, chunked, local_time
from core.masking import mask_phone

from . import forms, selectors, services
from .models import (
    Channel,
    Complaint,
    ComplaintType,
    ImprovementItem,
    RootCause,
    Severity,
    SlaAlert,
    SlaTarget,
    Status,
    WorkOrder,
)
from .sla import sla_state
from .work_order_deadlines import work_order_deadline_state


def _labels(choices) -> dict[str, str]:
    return {value: str(label) for value, label in choices}


def _state_labels() -> dict[str, str]:
    return {
        "on_time": _("On time"),
        "warning": _("Warning"),
        "breached": _("Breached"),
        "overdue": _("Overdue"),
        "paused": _("Paused"),
        "met": _("Met"),
        "stopped": "",
        "none": "",
    }


def _person(user) -> str:
    return str(user) if user is not None else ""


# --- the SLA board -----------------------------------------------------------------------------------


def board_for_export(user, data):
    form = forms.BoardFilterForm(data or None, user=user)
    filters = form.selector_filters() if form.is_valid() else {}
    return selectors.sla_board(user=user, filters=filters).order_by("current_due", "id")


def _board_headers() -> list[str]:
    return [
        _("Number"),
        _("Received"),
        _("Type"),
        _("Channel"),
        _("Category"),
        _("Project"),
        _("Unit"),
        _("Customer"),
        _("Phone"),
        _("Title"),
        _("Severity"),
        _("Status"),
        _("Department"),
        _("Handler"),
        _("SLA target"),
        _("SLA"),
        _("Due"),
        _("Escalation level"),
    ]


def _board_rows(complaints) -> Iterator[list]:
    now = timezone.now()
    categories, projects = selectors.categories(), selectors.projects()
    statuses, types, channels = (
        _labels(Status.choices),
        _labels(ComplaintType.choices),
        _labels(Channel.choices),
    )
    severities, targets = _labels(Severity.choices), _labels(SlaTarget.choices)
    departments, states = _labels(Department.choices), _state_labels()
    for chunk in chunked(complaints):
        for complaint in chunk:
            state = sla_state(complaint, now)
            category = categories.get(complaint.category_id)
            yield [
                complaint.number,
                local_time(complaint.received_at),
                types.get(complaint.complaint_type, complaint.complaint_type),
                channels.get(complaint.channel, complaint.channel),
                category.label if category else "",
                projects.get(complaint.project_id, ("", None))[0],
                complaint.unit.code if complaint.unit_id else "",
                complaint.customer.name if complaint.customer_id else complaint.reporter_name,
                mask_phone(complaint.customer_phone or complaint.reporter_phone or ""),
                complaint.title,
                severities.get(complaint.severity, complaint.severity),
                statuses.get(complaint.status, complaint.status),
                departments.get(complaint.department, ""),
                _person(complaint.handler),
                targets.get(complaint.sla_target, ""),
                states.get(state.label, state.label),
                local_time(state.due_at),
                complaint.escalation_level,
            ]


BOARD_EXPORTER = Exporter(
    title=lambda: _("SLA board"),
    may_export=lambda user: True,  # the board itself is open to every signed-in user, in their scope
    queryset=board_for_export,
    headers=_board_headers,
    rows=_board_rows,
)


# --- work orders -------------------------------------------------------------------------------------


def work_orders_for_export(user, data):
    orders = WorkOrder.objects.visible_to(user).select_related(
        "complaint", "contractor", "assignee", "issued_by"
    )
    if data.get("show", "open") == "open":
        orders = orders.exclude(status__in=[WorkOrder.Status.DONE, WorkOrder.Status.CANCELLED])
    return orders.order_by("due_at", "id")


def _work_order_headers() -> list[str]:
    return [
        _("Number"),
        _("Complaint"),
        _("Project"),
        _("Task"),
        _("Department"),
        _("Contractor"),
        _("Assignee"),
        _("Status"),
        _("Due"),
        _("Deadline"),
        _("Escalation level"),
        _("Accepted at"),
        _("Completed at"),
        _("Completion note"),
    ]


def _work_order_rows(orders) -> Iterator[list]:
    now = timezone.now()
    projects = selectors.projects()
    statuses, departments, states = (
        _labels(WorkOrder.Status.choices),
        _labels(Department.choices),
        _state_labels(),
    )
    for chunk in chunked(orders):
        for order in chunk:
            yield [
                order.number,
                order.complaint.number,
                projects.get(order.complaint.project_id, ("", None))[0],
                order.description,
                departments.get(order.department, ""),
                order.contractor.name if order.contractor_id else "",
                _person(order.assignee),
                statuses.get(order.status, order.status),
                local_time(order.due_at),
                states.get(work_order_deadline_state(order, now), ""),
                order.escalation_level,
                local_time(order.accepted_at),
                local_time(order.completed_at),
                order.completion_note,
            ]


WORK_ORDER_EXPORTER = Exporter(
    title=lambda: _("Work orders"),
    may_export=lambda user: True,  # the list is every signed-in user's, in their scope
    queryset=work_orders_for_export,
    headers=_work_order_headers,
    rows=_work_order_rows,
)


# --- the supervisor view: the day's breaches and escalations --------------------------------------------


def may_see_supervisor_view(user) -> bool:
    # Read-only managers read every page in their scope (issue 13).
    return services.may(user, "group") or user.role == Role.READONLY_MANAGER


def alerts_for_export(user, data):
    """Every breach and escalation fired on the day (today, or `?day=YYYY-MM-DD`) on complaints the
    user may see: the supervisor view's list, without its cut at 50."""
    try:
        day = datetime.date.fromisoformat(data.get("day") or "")
    except ValueError:
        day = timezone.localdate()
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    return (
        SlaAlert.objects.filter(
            fired_at__gte=start,
            fired_at__lt=start + datetime.timedelta(days=1),
            level__gte=1,
            complaint__in=Complaint.objects.visible_to(user),
        )
        .select_related("complaint", "complaint__project", "complaint__handler")
        .order_by("-fired_at", "-id")
    )


def _alert_headers() -> list[str]:
    return [
        _("Fired at"),
        _("Level"),
        _("Complaint"),
        _("Title"),
        _("Project"),
        _("SLA target"),
        _("Due"),
        _("Handler"),
    ]


def _alert_rows(alerts) -> Iterator[list]:
    targets = _labels(SlaTarget.choices)
    for chunk in chunked(alerts):
        for alert in chunk:
            complaint = alert.complaint
            yield [
                local_time(alert.fired_at),
                alert.level,
                complaint.number,
                complaint.title,
                complaint.project.name,
                targets.get(alert.target, alert.target),
                local_time(alert.due_at),
                _person(complaint.handler),
            ]


SUPERVISOR_EXPORTER = Exporter(
    title=lambda: _("Breaches and escalations"),
    may_export=may_see_supervisor_view,
    queryset=alerts_for_export,
    headers=_alert_headers,
    rows=_alert_rows,
)


# --- improvement items -------------------------------------------------------------------------------


def may_see_improvements(user) -> bool:
    return services.may(user, "improvement") or user.role == Role.READONLY_MANAGER


def improvements_for_export(user, data):
    items = (
        ImprovementItem.objects.visible_to(user)
        .select_related("project", "owner", "created_by")
        .prefetch_related("complaints")
    )
    status = data.get("status", "")
    if status in ImprovementItem.Status.values:
        items = items.filter(status=status)
    return items.order_by("-id")


def _improvement_headers() -> list[str]:
    return [
        _("Title"),
        _("Project"),
        _("Department"),
        _("Root cause"),
        _("Status"),
        _("Owner"),
        _("Due"),
        _("Done at"),
        _("Complaints"),
        _("Description"),
        _("Created by"),
        _("Created"),
    ]


def _improvement_rows(items) -> Iterator[list]:
    statuses, departments = _labels(ImprovementItem.Status.choices), _labels(Department.choices)
    causes = _labels(RootCause.choices)
    for chunk in chunked(items):
        for item in chunk:
            yield [
                item.title,
                item.project.name if item.project_id else "",
                departments.get(item.department, ""),
                causes.get(item.root_cause, ""),
                statuses.get(item.status, item.status),
                _person(item.owner),
                item.due_on,
                local_time(item.done_at),
                " ".join(sorted(c.number for c in item.complaints.all())),
                item.description,
                _person(item.created_by),
                local_time(item.created_at),
            ]


IMPROVEMENT_EXPORTER = Exporter(
    title=lambda: _("Improvement items"),
    may_export=may_see_improvements,
    queryset=improvements_for_export,
    headers=_improvement_headers,
    rows=_improvement_rows,
)
