"""A year of complaints: ~count of them over the last 12 months in every status, one group case
(群诉) of neighbours with the same garage leak, and the improvement items drawn from closed ones.

Idempotent: demo complaints are numbered TS-<month>-D<index> (the group's G<index>) and only
missing indices are written; every random draw happens even for a row that exists, so the rest
of the year comes out the same.
"""

from __future__ import annotations

import datetime
import functools

from django.utils import timezone

from accounts.models import Department
from complaints.models import (
    Complaint,
    ComplaintEvent,
    GroupCase,
    ImprovementItem,
    RootCause,
    Severity,
    Status,
)

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
