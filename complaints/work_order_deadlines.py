"""The deadline of a work order (派单) and its escalation, on the shared machinery (core.escalation).

A work order's clock starts when it is issued: its due time is the one the issuer chose, or
WORK_ORDER_DEFAULT_HOURS later. It warns at WORK_ORDER_WARNING_PERCENT of the time, escalates at
the due time (level 1) and WORK_ORDER_ESCALATION_2_AFTER_HOURS / _3_AFTER_HOURS after it (clock
hours: the issuer picked a clock time). Completing the work order stops the clock. The sweep is
core.escalation's: claimed with SKIP LOCKED, one WorkOrderAlert per step under a unique constraint,
so each warning and escalation fires exactly once.

Who hears (in-app notifications, and an event on the complaint's timeline):
- warning and level 1: the issuing handler and the assignee side: the assignee, or without one
  the contractor's users on the project / the department's staff on it;
- level 2: the issuing handler and the assignee side's managers. Accounts know no department head
  nor contractor manager: for a department, the project's customer-service supervisors; for a
  contractor, all of the company's users on the project;
- level 3: the project's customer-service supervisors and the city company's heads.
Only people who may open the work order hear of it (accounts.scope): department staff see it only
when it is their department's complaint (Complaint.objects.visible_to).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from core.escalation import ESCALATION_LEVELS, DeadlineSweep, Step, plan_step
from notifications.models import Notification

from .models import ComplaintEvent, WorkOrder, WorkOrderAlert


def default_due_at(issued_at: datetime.datetime, category=None) -> datetime.datetime:
    """The due time of a work order issued without one: the complaint category's hours (or its
    parent's) when set, else WORK_ORDER_DEFAULT_HOURS."""
    hours = None
    if category is not None:
        hours = category.work_order_hours
        if hours is None and category.parent_id:
            hours = category.parent.work_order_hours
    return issued_at + datetime.timedelta(hours=hours or settings.WORK_ORDER_DEFAULT_HOURS)


def offsets() -> dict[int, datetime.timedelta]:
    """Each escalation level's delay after the due time."""
    return {
        1: datetime.timedelta(0),
        2: datetime.timedelta(hours=settings.WORK_ORDER_ESCALATION_2_AFTER_HOURS),
        3: datetime.timedelta(hours=settings.WORK_ORDER_ESCALATION_3_AFTER_HOURS),
    }


def start_clock(work_order: WorkOrder, *, start: datetime.datetime) -> list[str]:
    """Run the work order's clock from `start` to its due time; returns the fields set."""
    share = (work_order.due_at - start) * settings.WORK_ORDER_WARNING_PERCENT / 100
    work_order.warned = False
    work_order.escalation_level = 0
    work_order.next_check_at = start + share if share > datetime.timedelta(0) else work_order.due_at
    return ["warned", "escalation_level", "next_check_at"]


def catch_up(
    work_order: WorkOrder, *, start: datetime.datetime, now: datetime.datetime
) -> list[tuple[int, datetime.datetime]]:
    """Start an open work order's clock at `start` and take the steps the sweep would have fired by `now`,
    without notifying anyone: for rows written in bulk (demo and bench data). Returns (level, fired at)."""
    if work_order.status not in WorkOrder.CLOCKED_STATUSES:
        return []
    start_clock(work_order, start=start)
    if work_order.next_check_at > now:
        return []
    warned_at, delays = work_order.next_check_at, offsets()
    step = plan_step(work_order, due=work_order.due_at, warned=False, level=0, offsets=delays, now=now)
    work_order.warned, work_order.escalation_level = step.warned, step.new_level
    work_order.next_check_at = step.next_check
    moments = {0: warned_at, **{level: work_order.due_at + delay for level, delay in delays.items()}}
    return [(level, moments[level]) for level in step.levels]


def stop_clock(work_order: WorkOrder) -> list[str]:
    """The work is done (or called off): nothing more fires."""
    work_order.next_check_at = None
    return ["next_check_at"]


def work_order_deadline_state(work_order: WorkOrder, now: datetime.datetime | None = None) -> str:
    """on_time | warning | overdue | stopped — the badge on the list and the page."""
    if work_order.status not in WorkOrder.CLOCKED_STATUSES:
        return "stopped"
    if (now or timezone.now()) >= work_order.due_at:
        return "overdue"
    return "warning" if work_order.warned else "on_time"


def _alert_text(work_order: WorkOrder, level: int, *, late: bool = False) -> str:
    if level == 0 and late:
        # Its moment passed between two sweeps: it still fires, before the escalation, and says so.
        return _("Work order %(number)s warning (late): it is already due") % {"number": work_order.number}
    if level == 0:
        return _("Work order %(number)s is due soon") % {"number": work_order.number}
    return _("Work order escalation level %(level)s: %(number)s is overdue") % {
        "level": level,
        "number": work_order.number,
    }


def _recipients(orders: list[WorkOrder]) -> dict[int, dict[int, set[int]]]:
    """work order id → level → user ids. Two queries per batch, whatever its size."""
    from properties.models import Project

    project_ids = {o.complaint.project_id for o in orders}
    city_of_project = dict(Project.objects.filter(pk__in=project_ids).values_list("pk", "city_company_id"))
    personal_ids = {uid for o in orders for uid in (o.issued_by_id, o.assignee_id) if uid}
    teams = (
        Q(role=Role.CONTRACTOR, contractor_id__in={o.contractor_id for o in orders if o.contractor_id})
        | Q(role=Role.DEPARTMENT_STAFF, department__in={o.department for o in orders if o.department})
        | Q(role__in=[Role.CS_SUPERVISOR, Role.CITY_HEAD])
    )
    staff = (
        User.objects.filter(is_active=True)
        .filter(
            Q(pk__in=personal_ids)
            | (teams & (Q(projects__in=project_ids) | Q(city_companies__in=set(city_of_project.values()))))
        )
        .values_list("pk", "role", "contractor_id", "department", "projects", "city_companies")
    )
    # Keyed by role, by contractor company or by department: only those working on the work order's
    # project hear of it, as only they see it (accounts.scope).
    active: set[int] = set()
    by_project: dict[tuple, set[int]] = {}
    by_city: dict[tuple, set[int]] = {}
    for user_id, role, contractor_id, department, project_id, city_id in staff:
        if user_id in personal_ids:
            active.add(user_id)
        if role == Role.CONTRACTOR:
            key: tuple = (role, contractor_id)
        elif role == Role.DEPARTMENT_STAFF:
            key = (role, department)
        else:
            key = (role,)
        if project_id:
            by_project.setdefault((key, project_id), set()).add(user_id)
        if city_id:
            by_city.setdefault((key, city_id), set()).add(user_id)

    def people(key: tuple, order: WorkOrder) -> set[int]:
        project_id = order.complaint.project_id
        city_id = city_of_project.get(project_id)
        return by_project.get((key, project_id), set()) | by_city.get((key, city_id), set())

    result: dict[int, dict[int, set[int]]] = {}
    for order in orders:
        supervisors = people((Role.CS_SUPERVISOR,), order)
        if order.contractor_id:
            team = people((Role.CONTRACTOR, order.contractor_id), order)
            managers = team
        else:
            # Department staff see a work order only on their department's complaint.
            visible = order.department == order.complaint.department
            team = people((Role.DEPARTMENT_STAFF, order.department), order) if visible else set()
            managers = supervisors
        assignee = {order.assignee_id} & active  # an assignee who has left: their team hears instead
        assignee_side = assignee or team
        issuer = {order.issued_by_id} & active
        result[order.pk] = {
            0: issuer | assignee_side,
            1: issuer | assignee_side,
            2: issuer | managers,
            3: supervisors | people((Role.CITY_HEAD,), order),
        }
    return result


class WorkOrderEscalationSweep(DeadlineSweep):
    alert_model = WorkOrderAlert
    name = "work order deadline sweep"

    def prepare(self) -> None:
        self.offsets = offsets()

    def due_rows(self, now: datetime.datetime):
        return (
            WorkOrder.objects.filter(status__in=WorkOrder.CLOCKED_STATUSES, next_check_at__lte=now)
            .select_related("complaint")
            .order_by("next_check_at")
            .only(
                "id",
                "number",
                "description",
                "status",
                "department",
                "contractor_id",
                "assignee_id",
                "issued_by_id",
                "due_at",
                "warned",
                "escalation_level",
                "next_check_at",
                "complaint__id",
                "complaint__project_id",
                "complaint__department",
            )
        )

    def plan(self, work_order: WorkOrder, now: datetime.datetime) -> Step:
        return plan_step(
            work_order,
            due=work_order.due_at,
            warned=work_order.warned,
            level=work_order.escalation_level,
            offsets=self.offsets,
            now=now,
        )

    def save(self, steps: list[Step]) -> None:
        """A few UPDATEs, one per (level, warned): the next check is the due column plus the next
        level's offset, computed by the database, so the statements do not grow with the batch."""
        groups: dict[tuple[int, bool], list[int]] = {}
        for step in steps:
            groups.setdefault((step.new_level, step.warned), []).append(step.row.pk)
        for (level, warned), pks in groups.items():
            next_check = None if level >= ESCALATION_LEVELS[-1] else F("due_at") + self.offsets[level + 1]
            WorkOrder.objects.filter(pk__in=pks).update(
                escalation_level=level, warned=warned, next_check_at=next_check
            )

    def alerts(self, steps: list[Step], now: datetime.datetime) -> list[WorkOrderAlert]:
        return [
            WorkOrderAlert(work_order=step.row, level=level, fired_at=now, due_at=step.row.due_at)
            for step in steps
            for level in step.levels
        ]

    def after(self, steps: list[Step], now: datetime.datetime) -> None:
        recipients = _recipients([s.row for s in steps])
        events, notifications = [], []
        for step in steps:
            order = step.row
            link = reverse("complaints:work-order", args=[order.pk])
            for level in step.levels:
                text = _alert_text(order, level, late=step.late_warning)
                events.append(
                    ComplaintEvent(
                        complaint_id=order.complaint_id,
                        kind=ComplaintEvent.Kind.WORK_ORDER_WARNING
                        if level == 0
                        else ComplaintEvent.Kind.WORK_ORDER_ESCALATED,
                        note=text,
                        created_at=now,
                        data={
                            "work_order": order.number,
                            "level": level,
                            "due_at": order.due_at.isoformat(),
                            "late": level == 0 and step.late_warning,
                        },
                    )
                )
                notifications.extend(
                    Notification(
                        recipient_id=user_id,
                        kind="work_order_warning" if level == 0 else f"work_order_escalation_{level}",
                        title=text,
                        body=order.description[:200],
                        link=link,
                        created_at=now,
                    )
                    for user_id in recipients[order.pk][level]
                )
        ComplaintEvent.objects.bulk_create(events)
        Notification.objects.bulk_create(notifications)


def work_order_escalation_sweep(*, now: datetime.datetime | None = None, batch_size: int = 500) -> int:
    """Fire every due work-order warning and escalation. Returns the number of alerts fired."""
    return WorkOrderEscalationSweep().run(now=now or timezone.now(), batch_size=batch_size)
