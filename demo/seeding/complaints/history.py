"""A year of complaints: ~count of them over the last 12 months in every status, one group case
(群诉) of neighbours with the same garage leak (being handled: an owner, a plan, a message to the
owners, flagged as a crisis), and the improvement items drawn from closed ones.

Idempotent: demo complaints are numbered TS-<month>-D<index> (the group's G<index>) and only
missing indices are written; every random draw happens even for a row that exists, so the rest
of the year comes out the same.
"""

from __future__ import annotations

import datetime
import functools
import uuid

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Department, User
from complaints.models import (
    Complaint,
    ComplaintEvent,
    GroupCase,
    GroupCaseEvent,
    GroupCaseMessage,
    ImprovementItem,
    RootCause,
    Severity,
    Status,
)
from customers.messaging import owner_address
from notifications.models import Notification

from ..batches import bulk_write
from .follow_up import write_rows
from .intake import ComplaintSeeder

GROUP_CASE_NUMBER = "QS-D00001"
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


def _demo_number(received: datetime.datetime, marker: str, index: int) -> str:
    return f"TS-{timezone.localtime(received):%Y%m}-{marker}{index:05d}"


def seed_complaints(cmd, plan, *, count: int, seed: int) -> None:
    """~count complaints over the last 12 months, one group case and improvement items."""
    seeder = ComplaintSeeder(cmd, plan, seed)
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

    write_rows(seeder, functools.partial(bulk_write, cmd))

    if group_members and not GroupCase.objects.filter(number=GROUP_CASE_NUMBER).exists():
        _seed_group_case(seeder, group_members, leak)
        cmd.created["group cases"] += 1

    _seed_improvements(cmd, seeder)


GROUP_CASE_PLAN = (
    "1. 工程部联合总包今日起对B2层顶板渗漏点逐一排查，3日内出具原因报告；\n"
    "2. 一周内完成顶板防水修复，修复期间受影响车位免费调配至B1层；\n"
    "3. 车辆受损的业主由物业登记，按定损结果统一协商补偿；\n"
    "4. 客服主管每两天向全体业主统一通报进度。"
)
GROUP_CASE_MESSAGE = (
    "尊敬的业主：关于地下车库B2层渗漏，我们已组织工程部与总包逐点排查，"
    "修复期间可免费使用B1层临时车位，车辆受损请联系物业登记。进度将每两天通报。"
)


def _seed_group_case(seeder: ComplaintSeeder, members: list[Complaint], leak) -> None:
    """The showcase case as a supervisor would have run it this week: owned, planned, the owners
    written to, and flagged as a crisis when they planned to go to the press (the heads told)."""
    first, supervisor = members[0], seeder.users.get("supervisor")
    opened = max(c.received_at for c in members) + datetime.timedelta(minutes=20)

    def at(minutes: int) -> datetime.datetime:
        return opened + datetime.timedelta(minutes=minutes)

    case = GroupCase.objects.create(
        number=GROUP_CASE_NUMBER,
        title="四季花城地下车库渗漏群诉",
        project=first.project,
        building=first.unit.building if first.unit_id else None,
        category=leak,
        status=GroupCase.Status.HANDLING,
        owner=supervisor,
        notes="多位业主反映同一车库顶板渗漏，统一排查、统一答复",
        plan=GROUP_CASE_PLAN,
        plan_agreed_by=supervisor,
        plan_agreed_at=at(180),
        is_crisis=True,
        crisis_reason="业主在微信群组织维权，计划联系本地媒体曝光",
        crisis_flagged_at=at(60),
        version=5,
    )
    Complaint.objects.filter(pk__in=[c.pk for c in members]).update(group_case=case)
    ComplaintEvent.objects.bulk_create(
        ComplaintEvent(
            complaint=c, kind=ComplaintEvent.Kind.GROUPED, note=case.title, data={"group_case": case.number}
        )
        for c in members
    )
    # Who could be written to: each owner's preferred channel, as the desk's message found them.
    owners = {
        c.pk: c.customer
        for c in Complaint.objects.filter(group_case=case)
        .select_related("customer")
        .prefetch_related("customer__phones")
    }
    unreachable = [c.number for c in members if owners[c.pk] is None or owner_address(owners[c.pk]) is None]
    message = GroupCaseMessage.objects.create(
        case=case,
        key=uuid.uuid5(uuid.NAMESPACE_URL, f"demo:{GROUP_CASE_NUMBER}:message-1"),
        subject="地下车库B2层渗漏处理进展",
        text=GROUP_CASE_MESSAGE,
        sent_by=supervisor,
        created_at=at(210),
        queued=len({owners[c.pk].pk for c in members if c.number not in unreachable}),
        unreachable=unreachable,
    )
    Kind = GroupCaseEvent.Kind
    GroupCaseEvent.objects.bulk_create(
        GroupCaseEvent(case=case, actor=actor, kind=kind, note=note, data=data, created_at=at(minutes))
        for minutes, actor, kind, note, data in (
            (
                0,
                supervisor,
                Kind.CREATED,
                " ".join(c.number for c in members),
                {"complaints": [c.pk for c in members]},
            ),
            (
                10,
                supervisor,
                Kind.OWNER_ASSIGNED,
                str(supervisor or ""),
                {"owner": supervisor.pk if supervisor else None},
            ),
            (60, supervisor, Kind.CRISIS_FLAGGED, case.crisis_reason, {}),
            (180, supervisor, Kind.PLAN_AGREED, GROUP_CASE_PLAN, {}),
            (
                210,
                supervisor,
                Kind.MESSAGE_SENT,
                message.subject,
                {"message": message.pk, "queued": message.queued, "unreachable": unreachable},
            ),
        )
    )
    ComplaintEvent.objects.bulk_create(
        ComplaintEvent(
            complaint=c,
            actor=supervisor,
            kind=ComplaintEvent.Kind.GROUP_MESSAGE,
            note=message.subject,
            created_at=message.created_at,
            data={"group_case": case.number, "message": message.pk, "reached": c.number not in unreachable},
        )
        for c in members
    )
    heads = [seeder.users.get("admin"), *User.objects.filter(username="cityhead")]
    with translation.override(settings.LANGUAGE_CODE):
        title = _("Crisis: group case %(number)s %(title)s") % {"number": case.number, "title": case.title}
    Notification.objects.bulk_create(
        Notification(
            recipient=head,
            kind="group_case_crisis",
            title=title,
            body=case.crisis_reason,
            link=reverse("complaints:group-case", args=[case.pk]),
            created_at=case.crisis_flagged_at,
        )
        for head in heads
        if head is not None
    )


def _seed_improvements(cmd, seeder: ComplaintSeeder) -> None:
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
