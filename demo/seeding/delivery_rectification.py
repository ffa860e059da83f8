"""The rectification part of `manage.py seed_demo`: orders, fixes, re-inspections, escalations.

Runs after the inspection seed, on the defects it recorded (without any, it records a few on units
that have a handover). Everything goes through the services, so the demo holds only states the
app itself can reach:

- every open defect with a contractor is issued in rectification orders (one per project and
  contractor), as the delivery engineer;
- the defects then move along: one with a progress report, some fixed, verified and accepted at
  the owner's re-inspection (复验), one rejected by the owner and back with the contractor;
- the moved ones are then dated back as they happened: found at the inspection days ago, issued
  hours later, fixed days after that (so the average rectification time is a real figure);
- two are overdue: found and issued weeks ago, their clock past due; the sweep runs at
  each of their steps' moments, so the warning and the escalations are spread in time as the
  bell, the lists and the defect pages show them;
- a unit already handed over gets a defect reported by the owner within the warranty, turned
  into a repair request (报修) on the complaint desk.

Idempotent: the orders are made once (none may exist yet), the warranty defect once.
"""

from __future__ import annotations

import datetime
import struct
import zlib

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import Role, User
from delivery import deadlines
from delivery.models import Defect, DefectEvent, Handover, RectificationOrder
from delivery.services import rectification as services
from delivery.services.defects import defect_record

from .delivery_inspection import contractor_on

GENERAL, MAINTENANCE = "中建三局第一分公司", "万科物业维保中心"
FALLBACK_DEFECTS = [
    ("living", "civil", "normal", "客厅东墙", "墙面细裂缝约40cm，需批嵌修补", GENERAL),
    ("kitchen", "plumbing_electrical", "major", "厨房水槽下", "下水管接口渗水", MAINTENANCE),
    ("bedroom", "doors_windows", "minor", "主卧窗户", "窗扇限位器缺失", GENERAL),
]
OWNER_REJECTION = "业主复验时发现地面仍有积水，不接受整改结果"
WARRANTY_DEFECT = (
    "bathroom",
    "waterproofing",
    "normal",
    "主卫顶棚",
    "入住后楼上卫生间渗水，顶棚出现水渍并起皮",
)


def photo_png(shade: int = 180, width: int = 64, height: int = 48) -> bytes:
    """A small grey PNG standing in for a site photo, made without an imaging library."""
    rows = b"".join(b"\x00" + bytes((shade + x + y) % 256 for x in range(width)) for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


def _photo(name: str, shade: int) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, photo_png(shade), content_type="image/png")


def _user(username: str, project_id: int) -> User | None:
    """The demo login when it works on the project, else the group administrator."""
    user = User.objects.filter(username=username, is_active=True).first()
    if user is not None and (user.scope.is_unrestricted or project_id in user.scope.project_ids):
        return user
    return User.objects.filter(role=Role.GROUP_ADMIN, is_active=True).order_by("id").first()


def _fixer(defect: Defect) -> User | None:
    """The contractor's demo login for its company's defects in its projects, else the engineer."""
    crew = User.objects.filter(username="contractor", is_active=True).first()
    if crew and crew.scope.is_firm_work(contractor_id=defect.contractor_id, project_id=defect.project_id):
        return crew
    return _user("engineer", defect.project_id)


def _fallback_defects(cmd) -> int:
    made = 0
    handovers = (
        Handover.objects.exclude(status=Handover.Status.HANDED_OVER).select_related("unit").order_by("id")[:2]
    )
    for index, handover in enumerate(handovers):
        engineer = _user("engineer", handover.project_id)
        if engineer is None:
            return made
        for room, trade, severity, location, description, contractor in FALLBACK_DEFECTS[index:]:
            defect_record(
                by=engineer,
                unit=handover.unit,
                room=room,
                trade=trade,
                severity=severity,
                location=location,
                description=description,
                contractor=contractor_on(contractor, handover.project_id),
                photos=[_photo("found.png", 90)],
            )
            made += 1
    cmd.created["defects"] += made
    return made


def _fix(defect: Defect, shade: int) -> Defect:
    return services.defect_mark_fixed(
        by=_fixer(defect), defect=defect, photos=[_photo("fixed.png", shade)], note="已按要求整改完成"
    )


def _verify(defect: Defect) -> Defect:
    return services.defect_verify(by=_user("engineer", defect.project_id), defect=defect, note="现场复核合格")


def _issue_and_move(cmd) -> None:
    candidates = Defect.objects.filter(
        status=Defect.Status.OPEN, order__isnull=True, contractor__isnull=False, after_handover=False
    ).order_by("id")
    if not candidates.exists() and not _fallback_defects(cmd):
        return
    by_project: dict[int, list[Defect]] = {}
    for defect in candidates:
        by_project.setdefault(defect.project_id, []).append(defect)
    for project_id, defects in sorted(by_project.items()):
        engineer = _user("engineer", project_id)
        if engineer is None:
            return
        orders = services.rectification_orders_issue(by=engineer, defects=defects)
        cmd.created["rectification orders"] += len(orders)

    issued = list(Defect.objects.filter(status=Defect.Status.FIXING).order_by("id"))
    # The demo contractor's defects first: their home page should show every state.
    issued.sort(key=lambda d: (0 if d.contractor.name == GENERAL else 1, d.pk))
    plan = iter(issued)
    moved = 0

    defect = next(plan, None)
    if defect is not None:  # a progress report, still being fixed
        services.defect_progress(
            by=_fixer(defect),
            defect=defect,
            note="已凿除空鼓部位，待养护后修补",
            photos=[_photo("work.png", 140)],
        )
        moved += 1
    defect = next(plan, None)
    if defect is not None:  # fixed, waiting for the engineer
        _fix(defect, 200)
        moved += 1
    defect = next(plan, None)
    if defect is not None:  # verified, waiting for the owner's re-inspection
        _verify(_fix(defect, 210))
        moved += 1
    for _accepted in range(2):
        defect = next(plan, None)
        if defect is not None:  # accepted by the owner
            defect = _verify(_fix(defect, 220))
            services.defect_owner_accept(
                by=_user("agent", defect.project_id), defect=defect, note="业主确认满意"
            )
            moved += 1
    defect = next(plan, None)
    if defect is not None:  # rejected by the owner at the re-inspection: back with the contractor
        defect = _verify(_fix(defect, 230))
        services.defect_owner_reject(
            by=_user("agent", defect.project_id), defect=defect, reason=OWNER_REJECTION
        )
        moved += 1
    now = timezone.now()
    for index, defect in enumerate(issued[:moved]):  # as it happened: found, issued, fixed days ago
        _date_back(defect, found=now - datetime.timedelta(days=6 + 2 * index, hours=3), now=now)
    overdue = [d for d in (next(plan, None), next(plan, None)) if d is not None]
    for index, defect in enumerate(overdue):  # found and issued weeks ago: now past due
        # Twice the policy's working days in calendar days (plus a margin), so that the due time has
        # passed whatever today is (a Monday, or just after a week of public holidays).
        working_days = deadlines.policy_for(defect.severity).working_days
        found = now - datetime.timedelta(days=2 * working_days + 5 + 3 * index, hours=5)
        _date_back(defect, found=found, now=now)
        defect.refresh_from_db()
        fields = deadlines.start_clock(defect, start=found + ISSUED_AFTER)
        defect.save(update_fields=fields)
        moved += 1
    cmd.created["defects moved along"] += moved
    if overdue:
        cmd.created["rectification escalations"] += _sweep_at_each_moment(overdue, now)


ISSUED_AFTER = datetime.timedelta(hours=4)  # from the inspection to the rectification order


def _date_back(defect: Defect, *, found: datetime.datetime, now: datetime.datetime) -> None:
    """Move a defect's history, made just now by the services, back to when it would have happened:
    found at `found`, issued a few hours later, each later step a day or so after the one before."""
    issued = found + ISSUED_AFTER
    span = (now - issued) / 4  # fixed, verified and accepted spread over the time since the order
    moments = {
        "found_at": found,
        "clock_started_at": issued,
        "fixed_at": issued + span * 2,
        "verified_at": issued + span * 3,
        "accepted_at": issued + span * 3.5,
    }
    defect.refresh_from_db()
    changes = {field: at for field, at in moments.items() if getattr(defect, field) is not None}
    if defect.status in deadlines.CLOCKED_STATUSES:
        # Still with the contractor: its clock (the order's, or the rework's) keeps running from now.
        changes.pop("clock_started_at", None)
    elif defect.clock_started_at is not None:  # done: its due time was counted from the order
        deadlines.start_clock(defect, start=issued)
        changes["due_at"] = defect.due_at
    Defect.objects.filter(pk=defect.pk).update(**changes)
    Kind = DefectEvent.Kind
    by_kind = {
        Kind.CREATED: found,
        Kind.ASSIGNED: issued,
        Kind.PROGRESS: issued + span,
        Kind.FIXED: moments["fixed_at"],
        Kind.VERIFIED: moments["verified_at"],
        Kind.ACCEPTED: moments["accepted_at"],
        Kind.OWNER_REJECTED: moments["accepted_at"],
    }
    for kind, at in by_kind.items():
        DefectEvent.objects.filter(defect=defect, kind=kind).update(created_at=at)


def _sweep_at_each_moment(defects: list[Defect], now: datetime.datetime) -> int:
    """Run the sweep at each step's moment up to now: the warning and each level fire when they were
    due, as beat would have fired them, not all at the seed's minute."""
    moments = set()
    for defect in defects:
        policy = deadlines.policy_for(defect.severity)
        warn = deadlines.warning_at(defect, policy)
        moments.update(
            at
            for at in (warn, *(defect.due_at + delay for delay in deadlines.offsets(policy).values()))
            if at is not None and at <= now
        )
    fired = sum(
        deadlines.defect_escalation_sweep(now=at + datetime.timedelta(minutes=1)) for at in sorted(moments)
    )
    return fired + deadlines.defect_escalation_sweep(now=now)


def _warranty_repair(cmd) -> None:
    if Defect.objects.filter(after_handover=True).exists():
        return
    handed_over = Handover.objects.filter(
        status=Handover.Status.HANDED_OVER, signed_at__isnull=False
    ).select_related("unit")
    # Preferably a unit handed over clean: the owner's call comes months later, from a settled home.
    handover = (
        handed_over.exclude(defects__status__in=Defect.OPEN_STATUSES).order_by("id").first()
        or handed_over.order_by("id").first()
    )
    if handover is None:
        return
    agent = _user("agent", handover.project_id)
    if agent is None:
        return
    room, trade, severity, location, description = WARRANTY_DEFECT
    defect = services.defect_report_after_handover(
        by=agent,
        unit=handover.unit,
        room=room,
        trade=trade,
        severity=severity,
        location=location,
        description=description,
        contractor=contractor_on("深圳市固特防水工程有限公司", handover.project_id),
        photos=[_photo("ceiling.png", 60)],
    )
    try:
        services.defect_to_complaint(by=agent, defect=defect)
    except (ValidationError, PermissionDenied) as error:  # e.g. no owner on record: keep the defect
        cmd.stdout.write(f"  warranty defect {defect.number}: no repair request ({error})")
    else:
        cmd.created["repair requests from defects"] += 1
    cmd.created["warranty defects"] += 1


def seed(cmd) -> None:
    if not RectificationOrder.objects.exists():
        _issue_and_move(cmd)
    _warranty_repair(cmd)
