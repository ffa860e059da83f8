"""The complaints part of `manage.py seed_demo`: a year of complaints in every status, and a live SLA demo.

Historical complaints are written with bulk_create, each row consistent with what the services
would have written (due times from the SLA policy, the clock pointed at the pending target,
warnings and escalations already fired recorded as SlaAlert rows, a timeline of events), so that
the first sweep of a fresh demo does not fire a year's worth of alerts at once. The live demo
complaint goes through complaint_create like any other.

Idempotent: demo complaints are numbered TS-<month>-D<index> and only missing indices are created.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Callable

from django.utils import timezone

from accounts.models import Contractor, Department, User
from complaints import sla
from complaints.models import (
    Category,
    Channel,
    Complaint,
    ComplaintEvent,
    ComplaintType,
    GroupCase,
    ImprovementItem,
    MajorComplaintReport,
    ReturnVisit,
    RootCause,
    Severity,
    SlaAlert,
    SlaPolicy,
    Status,
    WorkOrder,
)
from complaints.services import complaint_create
from customers.models import CustomerPhone, HouseholdRole
from properties.models import Unit

# name, trade, phone, the city companies whose projects it works on. The general contractor works in
# 深圳 and 武汉; the demo contractor login, assigned to two 深圳 projects, sees only those.
CONTRACTORS = (
    ("中建三局第一分公司", "施工总包", "027-88881234", ("sz", "wh")),
    ("万科物业维保中心", "物业维保", "0755-25601000", ("sz", "sh", "wh", "gz")),
    ("深圳市固特防水工程有限公司", "防水", "0755-83214567", ("sz",)),
)
SLA_DEMO_CATEGORY = "sla-demo"
SLA_DEMO_POLICY = "演示 Demo (3 min)"
GROUP_CASE_NUMBER = "QS-D00001"
HOUR = datetime.timedelta(hours=1)
DAY = datetime.timedelta(days=1)

TYPE_WEIGHTS = (
    (ComplaintType.COMPLAINT, 55),
    (ComplaintType.REPAIR, 25),
    (ComplaintType.ENQUIRY, 10),
    (ComplaintType.SUGGESTION, 6),
    (ComplaintType.PRAISE, 4),
)
CHANNEL_WEIGHTS = (
    (Channel.HOTLINE, 45),
    (Channel.FRONT_DESK, 15),
    (Channel.WEB_FORM, 10),
    (Channel.WECHAT, 12),
    (Channel.PROPERTY_REFERRAL, 10),
    (Channel.PUBLIC_FORUM, 4),
    (Channel.EMAIL, 2),
    (Channel.LETTER, 1),
    (Channel.MEDIA, 1),
)
SUBJECTS = {
    "leak": ("卫生间天花板渗水", "地下车库顶板漏水", "阳台雨天渗水", "外墙窗边渗水"),
    "crack": ("客厅墙面裂缝", "卧室顶棚裂缝", "外墙瓷砖开裂"),
    "noise": ("电梯夜间运行噪音大", "楼顶太阳能热水器电机噪音", "水泵房噪音扰民"),
    "doors-windows": ("入户门关不严", "推拉窗漏风", "窗户把手损坏"),
    "plumbing-electric": ("厨房插座无电", "下水管道堵塞", "热水器管道漏水"),
    "hollow-plaster": ("地面空鼓", "卫生间墙砖空鼓"),
    "equipment": ("单元门禁失灵", "电梯故障停运", "消防栓箱门损坏"),
    "security": ("小区夜间巡逻不到位", "陌生人随意进出小区"),
    "cleaning": ("楼道垃圾清理不及时", "地下车库积灰严重"),
    "landscaping": ("绿化带杂草丛生", "树木遮挡采光"),
    "parking": ("车位被占用", "地下车库照明不足"),
    "repair-response": ("报修三天无人上门", "维修人员未按约定时间到场"),
    "promise-not-kept": ("销售承诺赠送一年物业费未兑现", "承诺的会所至今未开放"),
    "advertising": ("宣传的学校配套未落实", "样板房与交付标准不符"),
    "contract-terms": ("合同补充条款争议", "面积差价结算异议"),
    "planning-change": ("小区规划变更未公示", "楼间距与宣传不符"),
    "layout": ("户型与图纸不符", "厨房排烟道位置不合理"),
    "landscape-change": ("中心花园景观缩水", "水景取消未告知"),
    "amenities": ("幼儿园迟迟未开办", "商业配套未开业"),
    "late-handover": ("交付延期未通知", "延期交付违约金计算"),
    "late-certificate": ("房产证办理延期", "不动产权证迟迟未下发"),
    "property-fee": ("物业费上涨未公示", "物业费收费标准疑问"),
    "maintenance-fund": ("维修基金使用不透明",),
    "other-fees": ("装修押金退还延迟", "停车费收费争议"),
}
PLANS = (
    "与业主电话沟通，约定三日内上门查勘并制定维修方案",
    "安排工程师现场查看，确认原因后由责任单位维修，业主同意",
    "向业主解释政策并书面答复，约定一周内落实",
    "先做临时处理，待天气转好后彻底整改，业主认可",
)
RESOLUTIONS = (
    "已完成维修，业主现场确认",
    "已整改完毕并复查无问题",
    "已书面答复业主并落实承诺",
    "已更换损坏部件，试用正常",
)
IMPROVEMENTS = (
    ("地下车库顶板防水做法改进", Department.ENGINEERING, RootCause.CONSTRUCTION),
    ("卫生间止水坎统一加高", Department.DESIGN, RootCause.DESIGN),
    ("外窗打胶工艺标准与验收", Department.ENGINEERING, RootCause.CONSTRUCTION),
    ("销售承诺登记与离职交接流程", Department.SALES, RootCause.SALES_PROMISE),
    ("报修上门时限公示与回访", Department.PROPERTY_MANAGEMENT, RootCause.PROPERTY_SERVICE),
    ("电梯与水泵房减震降噪标准", Department.MAINTENANCE, RootCause.MATERIALS),
    ("规划变更公示与业主沟通机制", Department.DESIGN, RootCause.PLANNING),
    ("交付延期预警与提前告知", Department.ENGINEERING, RootCause.DELIVERY),
    ("墙面抹灰空鼓防治措施", Department.ENGINEERING, RootCause.MATERIALS),
    ("收费标准公示模板", Department.PROPERTY_MANAGEMENT, RootCause.CUSTOMER),
)
# Which statuses a complaint of a given age (days) is likely to be in.
STATUS_BY_AGE = (
    (3, ((Status.RECEIVED, 30), (Status.DISPATCHED, 30), (Status.PLAN_AGREED, 20), (Status.IN_PROGRESS, 20))),
    (
        30,
        (
            (Status.DISPATCHED, 8),
            (Status.PLAN_AGREED, 15),
            (Status.IN_PROGRESS, 35),
            (Status.RESOLVED, 22),
            (Status.CLOSED, 17),
            (Status.REOPENED, 3),
        ),
    ),
    (
        10_000,
        ((Status.IN_PROGRESS, 5), (Status.RESOLVED, 3), (Status.REOPENED, 3), (Status.CLOSED, 89)),
    ),
)
# The first complaints cover every status, so that even a tiny demo shows them all.
EVERY_STATUS = (
    (Status.RECEIVED, 0.1),
    (Status.DISPATCHED, 1.5),
    (Status.PLAN_AGREED, 4),
    (Status.IN_PROGRESS, 12),
    (Status.RESOLVED, 20),
    (Status.CLOSED, 90),
    (Status.REOPENED, 45),
)
STEPS_NEEDED = {
    Status.RECEIVED: "received",
    Status.DISPATCHED: "dispatched",
    Status.PLAN_AGREED: "plan",
    Status.IN_PROGRESS: "work",
    Status.RESOLVED: "resolved",
    Status.CLOSED: "closed",
    Status.REOPENED: "closed",
}
STEP_ORDER = ("received", "dispatched", "responded", "plan", "work", "done", "resolved", "visit", "closed")


def _pick(rng: random.Random, weighted) -> str:
    return rng.choices([v for v, _w in weighted], weights=[w for _v, w in weighted])[0]


class _Seeder:
    def __init__(self, cmd, plan, seed: int):
        self.cmd = cmd
        self.rng = random.Random(seed + 4)
        self.now = timezone.now()
        self.users = {
            u.username: u
            for u in User.objects.filter(username__in=["admin", "agent", "supervisor", "dept", "contractor"])
        }
        self.contractors = {c.name: c for c in Contractor.objects.all()}
        self.engaged = set(Contractor.projects.through.objects.values_list("contractor_id", "project_id"))
        self.leaves = list(
            Category.objects.filter(parent__isnull=False, is_active=True)
            .exclude(code=SLA_DEMO_CATEGORY)
            .select_related("parent")
            .order_by("pk")
        )
        self.owners = [
            (cmd.units[unit_index], cmd.customers[person])
            for unit_index, person, role, _since in plan.members
            if role == HouseholdRole.OWNER
        ]
        self.focus = [pair for pair in self.owners if pair[0].project.code in ("sjhc", "csgy")]
        self.policies: dict[tuple, SlaPolicy | None] = {}
        self.rows: list[tuple[Complaint, dict]] = []

    def front_line(self, project) -> tuple[User | None, User | None]:
        """(agent, supervisor) working on the project: the demo logins on their own projects, the city
        company's customer-service account elsewhere; never one city's staff on another's complaint."""
        agent, supervisor = self.users.get("agent"), self.users.get("supervisor")
        if agent and supervisor and agent.scope.covers(project.pk) and supervisor.scope.covers(project.pk):
            return agent, supervisor
        local = self.cmd.city_staff.get(project.city_company_id)
        return local, local

    def contractor_on(self, name: str, project_id: int) -> Contractor | None:
        """The named company when it works on the project, else none (the department does the work)."""
        contractor = self.contractors.get(name)
        return contractor if contractor and (contractor.pk, project_id) in self.engaged else None

    def policy(self, complaint_type: str, category: Category, severity: str) -> SlaPolicy | None:
        key = (complaint_type, category.pk, severity)
        if key not in self.policies:
            self.policies[key] = sla.policy_for(
                complaint_type=complaint_type, category=category, severity=severity
            )
        return self.policies[key]

    def build(
        self, number: str, *, status=None, age_days=None, pair=None, category=None, severity=None, title=None
    ):
        """One complaint and the times of its steps; every random draw happens even when the row exists."""
        rng = self.rng
        if age_days is None:
            age_days = 365 * rng.random() ** 1.4  # more complaints recently
        if status is None:
            status = _pick(rng, next(w for limit, w in STATUS_BY_AGE if age_days < limit))
        pair = pair or rng.choice(self.focus if self.focus and rng.random() < 0.3 else self.owners)
        category = category or rng.choice(self.leaves)
        complaint_type = _pick(rng, TYPE_WEIGHTS)
        severity = severity or (Severity.MAJOR if rng.random() < 0.03 else Severity.NORMAL)
        channel = _pick(rng, CHANNEL_WEIGHTS)
        title = title or rng.choice(SUBJECTS.get(category.code, (f"{category.name}问题",)))
        received = self.now - datetime.timedelta(days=age_days)
        # Offsets of each step from the reception; late first responses (over 24 h) happen too.
        responded_after = (
            rng.choice((0.5, 1, 2, 3, 5, 8, 20)) * HOUR if rng.random() < 0.92 else rng.uniform(25, 40) * HOUR
        )
        offsets = {"received": datetime.timedelta(0), "dispatched": rng.uniform(0.1, 0.5) * responded_after}
        offsets["responded"] = responded_after
        offsets["plan"] = responded_after + rng.uniform(2, 60) * HOUR
        offsets["work"] = offsets["plan"] + rng.uniform(1, 12) * HOUR
        offsets["done"] = offsets["work"] + rng.uniform(1, 8) * DAY
        offsets["resolved"] = offsets["done"] + rng.uniform(1, 24) * HOUR
        offsets["visit"] = offsets["resolved"] + rng.uniform(4, 48) * HOUR
        offsets["closed"] = offsets["visit"] + rng.uniform(0.1, 2) * HOUR
        last = offsets[STEPS_NEEDED[status]]
        room = self.now - received - datetime.timedelta(minutes=5)
        if last > room:  # squeeze the story into the time since reception
            scale = max(room, datetime.timedelta(0)) / last if last else 0
            offsets = {step: offset * scale for step, offset in offsets.items()}
        at = {step: received + offset for step, offset in offsets.items()}
        story = {
            "at": at,
            "responded": status != Status.RECEIVED and (status != Status.DISPATCHED or rng.random() < 0.6),
            "plan": rng.choice(PLANS),
            "resolution": rng.choice(RESOLUTIONS),
            "satisfaction": rng.choice((3, 4, 4, 5, 5, 5)),
            "unhappy": rng.choice((1, 2)),
            "unreachable": rng.random() < 0.04,
            "contractor": rng.random() < 0.5,
            "work_order_status": rng.choice(
                (WorkOrder.Status.ISSUED, WorkOrder.Status.ACCEPTED, WorkOrder.Status.IN_PROGRESS)
            ),
            "work_days": rng.randint(3, 7),
            "root_cause": rng.choice(RootCause.values),
        }
        unit, customer = pair
        if rng.random() < 0.1:
            unit = None  # a complaint about the estate, not one home
        demo_project = pair[0].project.code in ("sjhc", "csgy")
        complaint = Complaint(
            number=number,
            complaint_type=complaint_type,
            channel=channel,
            category=category,
            severity=severity,
            status=status,
            customer=customer,
            unit=unit,
            project=pair[0].project,
            title=title,
            description=f"{title}。业主{customer.name}反映，希望尽快处理。",
            received_by=self.users.get("agent") if demo_project else None,
            received_at=received,
            department=category.default_department or category.parent.default_department,
        )
        complaint.sla_policy = self.policy(complaint_type, category, severity)
        self._apply_story(complaint, story)
        self.rows.append((complaint, story))
        return complaint

    def _apply_story(self, c: Complaint, story: dict) -> None:
        at, status = story["at"], c.status
        reached = STEP_ORDER.index(STEPS_NEEDED[status])
        has = lambda step: STEP_ORDER.index(step) <= reached  # noqa: E731
        if c.project.code == "sjhc" or c.project.code == "csgy":
            c.handler = self.users.get("supervisor") if has("dispatched") else None
        if story["responded"]:
            c.first_responded_at = at["responded"]
        if has("plan"):
            c.plan, c.plan_agreed_at = story["plan"], at["plan"]
        if has("resolved"):
            c.resolution, c.resolved_at = story["resolution"], at["resolved"]
        if status == Status.CLOSED:
            c.closed_at, c.root_cause = at["closed"], story["root_cause"]
            c.closed_unreachable = story["unreachable"]
            c.satisfaction = None if story["unreachable"] else story["satisfaction"]
        if status == Status.REOPENED:
            c.satisfaction, c.reopen_count = story["unhappy"], 1
        sla.start_clock(c, start=c.received_at, targets=("first_response", "plan", "resolution"))
        if status == Status.REOPENED:
            sla.start_clock(c, start=at["closed"], targets=("resolution",))
        sla.refresh_clock(c)
        story["alerts"] = self._fire_due_steps(c)

    def _fire_due_steps(self, c: Complaint) -> list[tuple[int, datetime.datetime]]:
        """What the sweep would have fired by now: (level, fired at). 0 is the warning."""
        if c.sla_next_check_at is None or c.sla_next_check_at > self.now:
            return []
        policy = sla.effective_policy(c)
        due = c.current_due_at
        fired = []
        if self.now < due:
            fired.append((0, c.sla_next_check_at))
            c.sla_warned, c.sla_next_check_at = True, due
            return fired
        for level in sla.ESCALATION_LEVELS:
            moment = due + sla.escalation_offset(policy, level)
            if moment <= self.now:
                fired.append((level, moment))
                c.escalation_level = level
        c.sla_warned = True
        c.sla_next_check_at = (
            due + sla.escalation_offset(policy, c.escalation_level + 1) if c.escalation_level < 3 else None
        )
        return fired

    def write(self, bulk: Callable) -> None:
        complaints = [c for c, _story in self.rows]
        bulk(Complaint, complaints, "complaints")
        dept, contractor_user = self.users.get("dept"), self.users.get("contractor")
        events, alerts, orders, visits, reports = [], [], [], [], []
        for c, story in self.rows:
            agent, supervisor = self.front_line(c.project)
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
                event(
                    ComplaintEvent.Kind.DISPATCHED, at["dispatched"], "", supervisor, department=c.department
                )
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
                order = self._work_order(c, story, supervisor, dept, contractor_user, done=has("done"))
                orders.append(order)
                event(
                    ComplaintEvent.Kind.WORK_ORDER,
                    at["work"],
                    order.description,
                    handler,
                    work_order=order.number,
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
                        emailed_at=when,
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

    def _work_order(self, c, story, supervisor, dept, contractor_user, *, done: bool) -> WorkOrder:
        at = story["at"]
        contractor = None
        if story["contractor"]:
            if c.category.code == "leak":
                name = CONTRACTORS[2][0]  # the waterproofing specialist
            else:
                name = CONTRACTORS[0][0] if c.department == Department.ENGINEERING else CONTRACTORS[1][0]
            contractor = self.contractor_on(name, c.project_id)
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


def _demo_number(received: datetime.datetime, marker: str, index: int) -> str:
    return f"TS-{timezone.localtime(received):%Y%m}-{marker}{index:05d}"


def seed_complaints(cmd, plan, *, count: int, seed: int) -> None:
    """~count complaints over the last 12 months, one group case and improvement items."""
    seeder = _Seeder(cmd, plan, seed)
    if not seeder.owners or not seeder.leaves:
        return
    have = {
        number.rsplit("-", 1)[1]
        for number in Complaint.objects.filter(number__regex=r"-[DG][0-9]{5}$").values_list(
            "number", flat=True
        )
    }
    for index in range(count):
        status, age = EVERY_STATUS[index] if index < len(EVERY_STATUS) else (None, None)
        before = len(seeder.rows)
        complaint = seeder.build("", status=status, age_days=age)
        complaint.number = _demo_number(complaint.received_at, "D", index)
        if f"D{index:05d}" in have:
            seeder.rows.pop(before)

    # 群诉: five owners of one building, one garage leak, all this week.
    group_rows_from = len(seeder.rows)
    leak = next((c for c in seeder.leaves if c.code == "leak"), seeder.leaves[0])
    showcase = [pair for pair in seeder.focus if pair[0].project.code == "sjhc"] or seeder.owners
    building = showcase[0][0].building_id
    neighbours = [pair for pair in showcase if pair[0].building_id == building][:5] or showcase[:5]
    for index, pair in enumerate(neighbours):
        complaint = seeder.build(
            "",
            status=(
                Status.RECEIVED,
                Status.DISPATCHED,
                Status.DISPATCHED,
                Status.PLAN_AGREED,
                Status.RECEIVED,
            )[index % 5],
            age_days=0.5 + index * 0.7,
            pair=pair,
            category=leak,
            severity=Severity.GROUP,
            title="地下车库B2层持续漏水",
        )
        complaint.number = _demo_number(complaint.received_at, "G", index)
        if f"G{index:05d}" in have:
            seeder.rows.pop()
    group_members = [c for c, _story in seeder.rows[group_rows_from:]]

    seeder.write(cmd._bulk)

    if group_members and not GroupCase.objects.filter(number=GROUP_CASE_NUMBER).exists():
        first = group_members[0]
        case = GroupCase.objects.create(
            number=GROUP_CASE_NUMBER,
            title="四季花城地下车库渗漏群诉",
            project=first.project,
            building=first.unit.building if first.unit_id else None,
            category=leak,
            handler=seeder.users.get("supervisor"),
            notes="多位业主反映同一车库顶板渗漏，统一排查、统一答复",
        )
        Complaint.objects.filter(pk__in=[c.pk for c in group_members]).update(group_case=case)
        ComplaintEvent.objects.bulk_create(
            [
                ComplaintEvent(
                    complaint=c,
                    kind=ComplaintEvent.Kind.GROUPED,
                    note=case.title,
                    data={"group_case": case.number},
                )
                for c in group_members
            ]
        )
        cmd.created["group cases"] += 1

    _seed_improvements(cmd, seeder)


def _seed_improvements(cmd, seeder: _Seeder) -> None:
    author = seeder.users.get("admin")
    if author is None:
        return
    existing = set(ImprovementItem.objects.values_list("title", flat=True))
    rng = seeder.rng
    today = timezone.localdate()
    for index, (title, department, root_cause) in enumerate(IMPROVEMENTS):
        if title in existing:
            continue
        sources = list(
            Complaint.objects.filter(
                status=Status.CLOSED, root_cause=root_cause, number__regex=r"-D[0-9]{5}$"
            )
            .order_by("pk")
            .values_list("pk", "project_id")[:5]
        )
        status = (
            ImprovementItem.Status.DONE,
            ImprovementItem.Status.IN_PROGRESS,
            ImprovementItem.Status.OPEN,
        )[index % 3]
        item = ImprovementItem.objects.create(
            title=title,
            description="由投诉复盘提炼，反馈至责任部门跟踪落实（缺陷反馈）",
            department=department,
            root_cause=root_cause,
            project_id=sources[0][1] if len({p for _pk, p in sources}) == 1 else None,
            status=status,
            due_on=today + datetime.timedelta(days=rng.randint(-30, 90)),
            done_at=timezone.now() if status == ImprovementItem.Status.DONE else None,
            created_by=author,
        )
        item.complaints.set([pk for pk, _project in sources])
        cmd.created["improvement items"] += 1


def seed_sla_demo(cmd) -> Complaint | None:
    """A 3-minute policy and one complaint on it, received now: the running worker warns and escalates it."""
    parent = Category.objects.filter(code="property-service").first()
    if parent is None:
        return None
    category, created = Category.objects.get_or_create(
        code=SLA_DEMO_CATEGORY,
        defaults={
            "name": "演示 SLA demo",
            "parent": parent,
            "default_department": "property",
            "sort_order": 99,
        },
    )
    cmd.created["categories"] += int(created)
    policy, created = SlaPolicy.objects.get_or_create(
        name=SLA_DEMO_POLICY,
        defaults={
            "category": category,
            "first_response_minutes": 3,
            "plan_minutes": 6,
            "resolution_minutes": 10,
            "escalation_2_after_minutes": 2,
            "escalation_3_after_minutes": 4,
            "time_basis": "clock",
        },
    )
    cmd.created["SLA policies"] += int(created)
    # Still counting down from an earlier run a moment ago: keep it (a rerun creates nothing).
    pending = (
        Complaint.objects.open()
        .filter(sla_policy=policy, sla_warned=False, escalation_level=0, sla_next_check_at__gt=timezone.now())
        .order_by("-pk")
        .first()
    )
    if pending is not None:
        return pending
    agent = User.objects.filter(username="agent").first()
    phone = CustomerPhone.objects.filter(number="13812345678").select_related("customer").first()
    if agent is None or phone is None:
        return None
    unit = Unit.objects.filter(project__code="sjhc", code="3-1-502").first()
    complaint = complaint_create(
        by=agent,
        customer=phone.customer,
        unit=unit,
        project=unit.project if unit else phone.customer.registered_project,
        category=category,
        complaint_type=ComplaintType.COMPLAINT,
        channel=Channel.HOTLINE,
        title="【演示】单元门禁失灵，业主无法进出",
        description="演示用投诉：3 分钟内须首次响应。无人处理时，系统会自动预警并逐级升级。",
    )
    cmd.created["demo SLA complaint"] += 1
    return complaint


__all__ = ["CONTRACTORS", "SLA_DEMO_POLICY", "seed_complaints", "seed_sla_demo"]
