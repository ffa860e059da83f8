"""Intake: one demo complaint and its story, as the desk would have written it.

ComplaintSeeder.build draws a complaint (type, channel, category, severity, owner and home), the
times of each of its steps up to its status, and sets what the services would have set by now:
the handler, the plan and resolution, the SLA policy and clock, and the warnings and escalations
the sweep would already have fired. Nothing is written here; follow_up writes the rows.
"""

from __future__ import annotations

import datetime
import random

from django.utils import timezone

from accounts.models import Contractor, User
from complaints import sla
from complaints.models import (
    Category,
    Channel,
    Complaint,
    ComplaintType,
    RootCause,
    Severity,
    SlaPolicy,
    Status,
    WorkOrder,
)
from customers.models import HouseholdRole

from .sla_demo import SLA_DEMO_CATEGORY

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
# A few open complaints are breached, by hours or days: the rest are drawn again, younger (build).
BREACHED_SHARE = 0.04
MAX_BREACH = datetime.timedelta(days=5)
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


class ComplaintSeeder:
    """The run's complaints, built in memory: `rows` holds each (complaint, story), the story being
    the times of its steps and what happened at each, for follow_up to write."""

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
        """One complaint and the times of its steps; every random draw happens even when the row exists.

        A real centre keeps most open complaints within their clocks: one whose current target would be
        breached is drawn again, younger, unless it is one of the few (BREACHED_SHARE) left breached,
        and then by hours or days (under MAX_BREACH), never by months."""
        rng = self.rng
        if age_days is None:
            age_days = 365 * rng.random() ** 1.4  # more complaints recently
        if status is None:
            status = _pick(rng, next(w for limit, w in STATUS_BY_AGE if age_days < limit))
        may_breach = rng.random() < BREACHED_SHARE
        for _attempt in range(8):
            complaint, story = self._draw(
                number, status, age_days, pair=pair, category=category, severity=severity, title=title
            )
            overdue = self.now - complaint.current_due_at if complaint.current_due_at else None
            if overdue is None or overdue <= datetime.timedelta(0) or (may_breach and overdue < MAX_BREACH):
                break
            age_days *= 0.5
        self._apply_story(complaint, story)
        self.rows.append((complaint, story))
        return complaint

    def _draw(self, number: str, status, age_days, *, pair, category, severity, title):
        """The complaint and its story (the times of its steps), its SLA clock started; not yet kept."""
        rng = self.rng
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
        self._set_clock(complaint, story)
        return complaint, story

    def _set_clock(self, c: Complaint, story: dict) -> None:
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

    def _apply_story(self, c: Complaint, story: dict) -> None:
        story["alerts"] = self._fire_due_steps(c)

    def _fire_due_steps(self, c: Complaint) -> list[tuple[int, datetime.datetime]]:
        """What the sweep would have fired by now: (level, fired at). 0 is the warning."""
        if c.sla_next_check_at is None or c.sla_next_check_at > self.now:
            return []
        policy = sla.effective_policy(c)
        due = c.current_due_at
        fired = []
        if not c.sla_warned and c.escalation_level == 0:  # the warning, at its moment (before the due time)
            fired.append((0, c.sla_next_check_at))
            c.sla_warned = True
        if self.now < due:
            c.sla_next_check_at = due
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
