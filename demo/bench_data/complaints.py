"""The bench's complaints: spread over the years asked for, ~3 % open (some paused, warned and breached),
each with its events, work orders and return visits written as it goes.

Open complaints are real Complaint instances and their SLA fields go through complaints.sla exactly,
as complaint_create / complaint_reopen and then the sweep would have set them by now; so are their open
work orders' deadlines (complaints.work_order_deadlines.catch_up). Closed ones (97 % of the rows) are
plain objects, their due times clock time even under a working-time policy (cheap; they no longer
drive anything)."""

from __future__ import annotations

import datetime
import random
from collections.abc import Iterator

from django.utils import timezone

from complaints import sla, work_order_deadlines
from complaints.models import Category, Complaint, ComplaintEvent, ReturnVisit, SlaPolicy, WorkOrder

from .customers import Ownership
from .estate import Estate
from .staff import BenchStaff
from .writer import CHUNK_ROWS, RowWriter, next_id

TYPE_WEIGHTS = (("complaint", 55), ("repair", 25), ("enquiry", 10), ("suggestion", 6), ("praise", 4))
CHANNEL_WEIGHTS = (("hotline", 45), ("front_desk", 15), ("web_form", 10), ("wechat", 12), ("property", 10),
                   ("forum", 4), ("email", 2), ("letter", 1), ("media", 1))  # fmt: skip
SUBJECTS = ("卫生间天花板渗水", "地下车库顶板漏水", "客厅墙面裂缝", "电梯夜间运行噪音大", "入户门关不严",
            "下水管道堵塞", "地面空鼓", "单元门禁失灵", "楼道垃圾清理不及时", "车位被占用",
            "报修三天无人上门", "销售承诺赠送一年物业费未兑现", "样板房与交付标准不符", "交付延期未通知",
            "物业费上涨未公示", "中心花园景观缩水")  # fmt: skip
OPEN_STATUSES = ("received", "dispatched", "plan_agreed", "in_progress", "resolved", "reopened")
DAY = datetime.timedelta(days=1)
HOUR = datetime.timedelta(hours=1)


def _weighted(rng: random.Random, pairs) -> Iterator[str]:
    values, weights = zip(*pairs, strict=True)
    while True:
        yield from rng.choices(values, weights, k=1000)


class _ClosedRow:
    """The SLA and timeline fields of a closed complaint, without a model instance."""

    def __init__(self, *, status, received_at, sla_policy):
        self.status, self.received_at, self.sla_policy = status, received_at, sla_policy
        self.sla_policy_id = sla_policy.pk if sla_policy else None
        self.first_responded_at = self.plan_agreed_at = self.resolved_at = self.closed_at = None
        self.paused_at, self.pause_reason, self.reopen_count = None, "", 0


def write_complaints(
    writer: RowWriter,
    rng: random.Random,
    now: datetime.datetime,
    *,
    estate: Estate,
    ownership: Ownership,
    staff: BenchStaff,
    total: int,
    years: int,
) -> None:
    leaves = list(Category.objects.filter(parent__isnull=False, is_active=True).select_related("parent"))
    departments = {
        c.pk: c.default_department or c.parent.default_department or "customer_service" for c in leaves
    }
    policies: dict[tuple, SlaPolicy | None] = {}

    def policy(kind, category, severity):
        key = (kind, category.pk, severity)
        if key not in policies:
            policies[key] = sla.policy_for(complaint_type=kind, category=category, severity=severity)
        return policies[key]

    units = estate.units
    owned = [units[i] for i in ownership.handed_units] or [u for u in units if u[0] in ownership.unit_owner]
    bench_units = units[:10]
    span = datetime.timedelta(days=365 * years)
    start = now - span
    kinds = _weighted(rng, TYPE_WEIGHTS)
    channels = _weighted(rng, CHANNEL_WEIGHTS)
    first_id = next_id(Complaint)
    every_360 = max(1, total // 50)
    events: list[tuple] = []
    work_orders: list[tuple] = []
    visits: list[tuple] = []
    ev_id = [next_id(ComplaintEvent)]
    wo_id = [next_id(WorkOrder)]
    rv_id = next_id(ReturnVisit)

    def event(cid, kind, at, actor):
        events.append((ev_id[0], cid, actor, kind, "", "{}", at))
        ev_id[0] += 1

    local_zone = timezone.get_current_timezone()

    def rows():
        nonlocal rv_id
        for k in range(total):
            cid = first_id + k
            received = start + span * ((k + rng.random()) / total)
            unit_id, project_id, _code = (
                bench_units[k // every_360 % 10] if k % every_360 == 0 and k // every_360 < 50 else rng.choice(owned)
            )  # fmt: skip
            customer_id = ownership.unit_owner[unit_id]
            category = rng.choice(leaves)
            kind = next(kinds)
            severity = "normal"
            roll = rng.random()
            if kind == "complaint" and roll < 0.03:
                severity = "major" if roll < 0.025 else "group"
            pol = policy(kind, category, severity)
            handler = staff.handler_of[project_id]
            age = now - received
            status = _status_for(rng, age)
            if status in OPEN_STATUSES:  # the real model: complaints.sla reads its properties
                c = Complaint(
                    id=cid, complaint_type=kind, category=category, severity=severity, status=status,
                    received_at=received, sla_policy=pol, project_id=project_id,
                )  # fmt: skip
            else:  # 97 % of the rows: a model instance per row would cost more than the COPY
                c = _ClosedRow(status=status, received_at=received, sla_policy=pol)
            steps = _timeline(rng, now, c, age)
            if status in OPEN_STATUSES:
                _open_clock(c, now)
            else:
                _closed_clock(c)
            dispatched = status != "received"
            satisfaction = rng.choice((3, 4, 4, 5, 5, 5)) if status == "closed" else None
            received_local = received.astimezone(local_zone)  # timezone.localtime, without its lookups
            yield (
                cid, received, steps.get("last", received), f"TS-{received_local:%Y%m}-{cid:06d}", kind,
                next(channels), category.pk, severity, status, customer_id, unit_id, project_id,
                rng.choice(SUBJECTS), "业主来电反映问题，要求尽快处理。", handler, received,
                departments[category.pk], handler if dispatched else None, None,
                "约定上门查勘并制定维修方案" if c.plan_agreed_at else "",
                "已完成维修，业主确认" if c.resolved_at else "", "", satisfaction, False,
                c.reopen_count, c.sla_policy_id, c.first_response_due_at, c.plan_due_at,
                c.resolution_due_at, c.first_responded_at, c.plan_agreed_at, c.resolved_at, c.closed_at,
                c.paused_at, c.pause_reason, c.sla_started_at, c.sla_target, c.sla_warned,
                c.escalation_level, c.sla_next_check_at, 1, "", "",
            )  # fmt: skip
            # A few events each: received, dispatched, plan, resolved, closed (what happened so far).
            event(cid, "created", received, handler)
            if dispatched and c.closed_at is None:
                event(cid, "dispatched", steps["dispatched"], handler)
            if c.plan_agreed_at and c.closed_at is None:
                event(cid, "plan_agreed", c.plan_agreed_at, handler)
            if c.resolved_at:
                event(cid, "resolved", c.resolved_at, handler)
            if c.closed_at:
                event(cid, "closed", c.closed_at, handler)
            if c.paused_at:
                event(cid, "paused", c.paused_at, handler)
            if c.plan_agreed_at and kind in ("complaint", "repair"):
                done = c.resolved_at is not None
                due = c.plan_agreed_at + 3 * DAY
                if done:  # no clock (catch_up leaves a done order as it is): no model instance per row
                    deadline = (due, "done", False, 0, None)
                else:  # the open ones: the clock as the sweep would have left it by now
                    order = WorkOrder(status="in_progress", due_at=due)
                    work_order_deadlines.catch_up(order, start=c.plan_agreed_at, now=now)
                    deadline = (
                        order.due_at,
                        order.status,
                        order.warned,
                        order.escalation_level,
                        order.next_check_at,
                    )
                work_orders.append((
                    wo_id[0], c.plan_agreed_at, c.resolved_at or c.plan_agreed_at, cid, f"PD-{wo_id[0]:07d}",
                    departments[category.pk], None, None, "按方案上门维修", deadline[0], deadline[1], handler,
                    c.plan_agreed_at + HOUR, c.resolved_at, "已完成" if done else "", *deadline[2:], 1,
                    project_id,  # the complaint's (WorkOrder.project): the load runs without triggers
                ))  # fmt: skip
                wo_id[0] += 1
            if status == "closed":
                visits.append((rv_id, cid, 1, True, satisfaction, "", handler, c.closed_at - HOUR))
                rv_id += 1

    writer.write(
        Complaint,
        [
            "id",
            "created_at",
            "updated_at",
            "number",
            "complaint_type",
            "channel",
            "category_id",
            "severity",
            "status",
            "customer_id",
            "unit_id",
            "project_id",
            "title",
            "description",
            "received_by_id",
            "received_at",
            "department",
            "handler_id",
            "group_case_id",
            "plan",
            "resolution",
            "root_cause",
            "satisfaction",
            "closed_unreachable",
            "reopen_count",
            "sla_policy_id",
            "first_response_due_at",
            "plan_due_at",
            "resolution_due_at",
            "first_responded_at",
            "plan_agreed_at",
            "resolved_at",
            "closed_at",
            "paused_at",
            "pause_reason",
            "sla_started_at",
            "sla_target",
            "sla_warned",
            "escalation_level",
            "sla_next_check_at",
            "version",
            "reporter_name",  # a public form's contact as given; the bench files none
            "reporter_phone",
        ],  # fmt: skip
        _draining(writer, rows(), events, work_orders, visits),
        total,
    )
    _flush_children(writer, events, work_orders, visits, final=True)


def _draining(writer: RowWriter, rows, events, work_orders, visits):
    """Write the children as they pile up, so that memory stays flat at 1M complaints."""
    for index, row in enumerate(rows, 1):
        yield row
        # Back here, the writer has taken row `index`; at a multiple of its chunk it has also
        # written rows 1..index, so every child collected so far has its complaint in the table.
        if index % CHUNK_ROWS == 0:
            _flush_children(writer, events, work_orders, visits, final=False)


def _flush_children(writer: RowWriter, events, work_orders, visits, *, final: bool) -> None:
    def take(rows):
        taken = rows[:]
        rows.clear()
        return taken

    writer_quiet = writer.quiet
    writer.quiet = writer_quiet or not final
    batch = take(events)
    writer.write(
        ComplaintEvent,
        ["id", "complaint_id", "actor_id", "kind", "note", "data", "created_at"],
        batch,
        len(batch),
    )
    batch = take(work_orders)
    writer.write(
        WorkOrder,
        [
            "id",
            "created_at",
            "updated_at",
            "complaint_id",
            "number",
            "department",
            "contractor_id",
            "assignee_id",
            "description",
            "due_at",
            "status",
            "issued_by_id",
            "accepted_at",
            "completed_at",
            "completion_note",
            "warned",
            "escalation_level",
            "next_check_at",
            "version",
            "project_id",
        ],  # fmt: skip
        batch,
        len(batch),
    )
    batch = take(visits)
    writer.write(
        ReturnVisit,
        [
            "id",
            "complaint_id",
            "attempt",
            "reached",
            "satisfaction",
            "comment",
            "visited_by_id",
            "visited_at",
        ],
        batch,
        len(batch),
    )
    writer.quiet = writer_quiet


def _status_for(rng: random.Random, age: datetime.timedelta) -> str:
    """Recent complaints are open; old ones nearly all closed (~3 % open overall)."""
    if age < 3 * DAY:
        open_share = 1.0
    elif age < 30 * DAY:
        open_share = 0.6
    elif age < 180 * DAY:
        open_share = 0.06
    else:
        open_share = 0.018
    if rng.random() >= open_share:
        return "closed"
    if age < 3 * DAY:
        return rng.choice(("received", "received", "dispatched", "dispatched", "plan_agreed", "in_progress"))
    return rng.choice(("dispatched", "plan_agreed", "in_progress", "in_progress", "resolved", "reopened"))


def _timeline(
    rng: random.Random, now: datetime.datetime, c: Complaint | _ClosedRow, age: datetime.timedelta
) -> dict:
    """Moments of the steps taken so far, as fractions of the complaint's age for open ones."""
    received = c.received_at
    if c.status == "closed":
        responded = received + datetime.timedelta(minutes=rng.randrange(10, 26 * 60))
        plan = responded + datetime.timedelta(minutes=rng.randrange(30, 4 * 24 * 60))
        resolved = plan + datetime.timedelta(minutes=rng.randrange(60, 20 * 24 * 60))
        closed = resolved + datetime.timedelta(minutes=rng.randrange(60, 3 * 24 * 60))
        closed = min(closed, now - HOUR)
        resolved, plan, responded = (min(x, closed) for x in (resolved, plan, responded))
        c.first_responded_at, c.plan_agreed_at, c.resolved_at, c.closed_at = (
            responded,
            plan,
            resolved,
            closed,
        )
        return {"dispatched": min(received + HOUR, responded), "last": closed}
    steps = {"dispatched": received + age * 0.05}
    if c.status in ("dispatched",) and rng.random() < 0.5 or c.status not in ("received", "dispatched"):
        c.first_responded_at = received + age * 0.1
    if c.status in ("plan_agreed", "in_progress", "resolved", "reopened"):
        c.plan_agreed_at = received + age * 0.3
    if c.status in ("resolved", "reopened"):
        c.resolved_at = received + age * 0.6
    if c.status == "reopened":
        c.reopen_count = 1
        steps["reopened"] = received + age * 0.8
    if c.status in ("dispatched", "plan_agreed", "in_progress") and rng.random() < 0.08:
        c.paused_at = now - age * 0.1 * rng.random()
        c.pause_reason = "等待业主确认上门时间"
    steps["last"] = received + age * 0.9
    return steps


def _open_clock(c: Complaint, now: datetime.datetime) -> None:
    """As complaint_create / complaint_reopen set the clock, then as the sweep would have moved it by now."""
    sla.start_clock(c, start=c.received_at, targets=("first_response", "plan", "resolution"))
    if c.status == "reopened":
        reopened = c.received_at + (now - c.received_at) * 0.8
        sla.start_clock(c, start=reopened, targets=("resolution",))
        c.sla_started_at = reopened
    sla.refresh_clock(c)
    if c.sla_next_check_at is not None and c.sla_next_check_at <= now:
        step = sla._plan_step(c, sla.effective_policy(c), now)
        c.sla_warned, c.escalation_level, c.sla_next_check_at = (
            step.warned,
            step.new_level,
            step.next_check,
        )


def _closed_clock(c: _ClosedRow) -> None:
    policy = sla.effective_policy(c)
    for target, field in (
        ("first_response", "first_response_due_at"),
        ("plan", "plan_due_at"),
        ("resolution", "resolution_due_at"),
    ):
        setattr(c, field, c.received_at + datetime.timedelta(minutes=policy.target_minutes(target)))
    c.sla_started_at = c.received_at
    c.sla_target, c.sla_warned, c.escalation_level, c.sla_next_check_at = "", False, 0, None
