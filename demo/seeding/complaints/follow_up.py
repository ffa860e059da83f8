"""Follow-up: what happened to each built complaint after intake, written in bulk.

The events of its timeline (dispatched, responded, plan agreed, work order, resolved, return
visit, closed or reopened), the work order to a department or a contractor engaged on the
project, the return visits, a major complaint's report, and the SLA and work-order alerts the
sweeps fired.
"""

from __future__ import annotations

from collections.abc import Callable

from accounts.models import Department
from complaints import sla, work_order_deadlines
from complaints.models import (
    Complaint,
    ComplaintEvent,
    MajorComplaintReport,
    ReturnVisit,
    Severity,
    SlaAlert,
    Status,
    WorkOrder,
    WorkOrderAlert,
)

from ..staff import CONTRACTORS
from .intake import DAY, HOUR, STEP_ORDER, STEPS_NEEDED, ComplaintSeeder


def write_rows(seeder: ComplaintSeeder, bulk: Callable) -> None:
    """The built complaints, then their timelines: events, work orders, return visits, major complaint
    reports and the SLA alerts already fired; `bulk(model, rows, label)` writes each kind."""
    complaints = [c for c, _story in seeder.rows]
    bulk(Complaint, complaints, "complaints")
    dept, contractor_user = seeder.users.get("dept"), seeder.users.get("contractor")
    events, alerts, orders, visits, reports, order_alerts = [], [], [], [], [], []
    for c, story in seeder.rows:
        agent, supervisor = seeder.front_line(c.project)
        at, status = story["at"], c.status
        reached = STEP_ORDER.index(STEPS_NEEDED[status])
        has = lambda step, reached=reached: STEP_ORDER.index(step) <= reached  # noqa: E731
        handler = c.handler or supervisor

        def event(kind, when, note="", actor=None, c=c, **data):
            events.append(
                ComplaintEvent(complaint=c, kind=kind, created_at=when, note=note, actor=actor, data=data)
            )

        event(ComplaintEvent.Kind.CREATED, c.received_at, c.description, c.received_by, channel=c.channel)
        if has("dispatched"):
            event(ComplaintEvent.Kind.DISPATCHED, at["dispatched"], "", supervisor, department=c.department)
        if c.first_responded_at:
            event(
                ComplaintEvent.Kind.RESPONDED,
                c.first_responded_at,
                "电话联系业主，说明处理安排",
                handler,
                method="call",
            )
        if c.plan_agreed_at:
            event(ComplaintEvent.Kind.PLAN_AGREED, c.plan_agreed_at, c.plan, handler)
        if has("work"):
            order = _work_order(seeder, c, story, supervisor, dept, contractor_user, done=has("done"))
            orders.append(order)
            event(
                ComplaintEvent.Kind.WORK_ORDER,
                at["work"],
                order.description,
                handler,
                work_order=order.number,
            )
            for level, when in work_order_deadlines.catch_up(order, start=at["work"], now=seeder.now):
                order_alerts.append(
                    WorkOrderAlert(work_order=order, level=level, fired_at=when, due_at=order.due_at)
                )
                event(
                    ComplaintEvent.Kind.WORK_ORDER_WARNING
                    if level == 0
                    else ComplaintEvent.Kind.WORK_ORDER_ESCALATED,
                    when,
                    work_order_deadlines._alert_text(order, level),
                    work_order=order.number,
                    level=level,
                    due_at=order.due_at.isoformat(),
                )
        if c.resolved_at:
            event(ComplaintEvent.Kind.RESOLVED, c.resolved_at, c.resolution, handler)
        if status in (Status.CLOSED, Status.REOPENED) and agent:
            attempts = 3 if c.closed_unreachable else 1
            for attempt in range(1, attempts + 1):
                reached_owner = not c.closed_unreachable
                visits.append(
                    ReturnVisit(
                        complaint=c,
                        attempt=attempt,
                        reached=reached_owner,
                        satisfaction=c.satisfaction if reached_owner else None,
                        comment="业主表示满意"
                        if (c.satisfaction or 0) >= 3
                        else ("未接通" if not reached_owner else "业主仍不满意"),
                        visited_by=agent,
                        visited_at=at["visit"] + (attempt - 1) * HOUR,
                    )
                )
            event(ComplaintEvent.Kind.RETURN_VISIT, at["visit"], "", agent, satisfaction=c.satisfaction)
        if status == Status.CLOSED:
            event(ComplaintEvent.Kind.CLOSED, c.closed_at, "", agent, root_cause=c.root_cause)
            if c.severity == Severity.MAJOR and supervisor:
                reports.append(
                    MajorComplaintReport(
                        complaint=c,
                        cause="施工质量问题导致，责任单位未按规范施工",
                        handling="客服经理牵头，工程部与施工单位联合整改，每日向业主通报进度",
                        lessons="同类部位纳入交付前风险排查清单",
                        author=supervisor,
                    )
                )
        if status == Status.REOPENED:
            event(ComplaintEvent.Kind.REOPENED, at["closed"], "回访业主不满意，重新处理", agent)
        for level, when in story["alerts"]:
            alerts.append(
                SlaAlert(
                    complaint=c,
                    target=c.sla_target,
                    round=c.reopen_count,
                    level=level,
                    fired_at=when,
                    due_at=c.current_due_at,
                )
            )
            event(
                ComplaintEvent.Kind.SLA_WARNING if level == 0 else ComplaintEvent.Kind.ESCALATED,
                when,
                sla._alert_text(c, c.sla_target, level),
                target=c.sla_target,
                level=level,
            )
    bulk(ComplaintEvent, events, "complaint events")
    bulk(WorkOrder, orders, "work orders")
    bulk(ReturnVisit, visits, "return visits")
    bulk(MajorComplaintReport, reports, "major complaint reports")
    bulk(SlaAlert, alerts, "SLA alerts")
    bulk(WorkOrderAlert, order_alerts, "work-order alerts")


def _work_order(
    seeder: ComplaintSeeder, c, story, supervisor, dept, contractor_user, *, done: bool
) -> WorkOrder:
    at = story["at"]
    contractor = None
    if story["contractor"]:
        if c.category.code == "leak":
            name = CONTRACTORS[2][0]  # the waterproofing specialist
        else:
            name = CONTRACTORS[0][0] if c.department == Department.ENGINEERING else CONTRACTORS[1][0]
        contractor = seeder.contractor_on(name, c.project_id)
    department = "" if contractor else (c.department or "customer_service")
    assignee = None
    if contractor and contractor_user:
        if contractor_user.scope.is_firm_work(contractor_id=contractor.pk, project_id=c.project_id):
            assignee = contractor_user
    elif dept and department == dept.department and dept.scope.covers(c.project_id):
        assignee = dept
    order_status = WorkOrder.Status.DONE if done else story["work_order_status"]
    return WorkOrder(
        complaint=c,
        project_id=c.project_id,  # written by bulk_create, which skips save()
        number=c.number.replace("TS-", "PD-"),
        department=department,
        contractor=contractor,
        assignee=assignee if order_status != WorkOrder.Status.ISSUED else None,
        description=f"{c.title}：{c.plan}",
        due_at=at["work"] + story["work_days"] * DAY,
        status=order_status,
        issued_by=supervisor,
        accepted_at=at["work"] + 2 * HOUR if order_status != WorkOrder.Status.ISSUED else None,
        completed_at=at["done"] if done else None,
        completion_note=c.resolution if done else "",
    )
