"""The inspection part of `manage.py seed_demo`: walks with the owner, their defects, two sign-offs.

Runs after the planning seed, on the handovers it made (nothing to do without them). Everything goes
through the services (inspection_start, check_record, defect_record, inspection_complete,
handover_sign_off), so the demo holds only states the app itself can reach:

- owners in today's queue (the planning seed's appointments) get the walk their place says: an
  inspection in progress on the tablet (inspecting), a clean inspection waiting for the signature
  (signing), a clean inspection and the sign-off (交房) by the delivery engineer (done);
- one other unit signed off by the supervisor over an open critical defect, with the reason;
- up to four more pre-inspected (预验收) with two or three defects each, now being fixed.

Idempotent: the units are picked in a fixed order, and a unit that already has an inspection (or is
handed over) is left alone.
"""

from __future__ import annotations

import struct
import zlib
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Q

from accounts.models import Contractor, Role, User
from delivery.models import Appointment, ChecklistItem, Handover, Inspection, InspectionCheck
from delivery.services.defects import defect_record
from delivery.services.inspection import (
    HandoverDocument,
    check_record,
    handover_sign_off,
    inspection_complete,
    inspection_start,
)

SHOWCASE_PROJECT, SHOWCASE_UNIT = "sjhc", ("3", "1", "502")  # left for the live demo of the whole flow
WATERPROOFING, GENERAL, MAINTENANCE = "深圳市固特防水工程有限公司", "中建三局第一分公司", "万科物业维保中心"

# (room, area, severity, location, description, contractor): matched to the checklist line of that room
# and area; the line is answered "defect".
DEFECTS = [
    (
        "living",
        "walls",
        "normal",
        "客厅东墙电视背景墙",
        "墙面两条约30cm细裂缝，需批嵌修补后重新涂刷",
        GENERAL,
    ),
    ("kitchen", "water", "major", "厨房水槽下方", "下水管接口渗水，柜体底板已泡胀", MAINTENANCE),
    ("bedroom", "doors_windows", "minor", "主卧窗户", "窗扇限位器缺失，开启后无法固定", GENERAL),
    ("bathroom", "floors", "normal", "主卫淋浴区", "地面找坡不足，淋浴后靠门处积水约1m²", GENERAL),
    ("entrance", "doors_windows", "minor", "入户门", "门框右下角漆面划伤约5cm", GENERAL),
    ("balcony", "water", "normal", "生活阳台地漏", "地漏排水缓慢，疑似施工垃圾堵塞", MAINTENANCE),
    ("living", "floors", "normal", "客厅靠阳台门处", "地砖敲击有空鼓声，约3块", GENERAL),
    ("kitchen", "electricity", "minor", "厨房灶台右侧", "插座面板松动，未固定到位", MAINTENANCE),
    ("bedroom", "walls", "minor", "次卧北墙", "墙面涂料色差明显，约0.5m²", GENERAL),
    ("bathroom", "fittings", "normal", "客卫洗手盆", "龙头出水时底座渗水", MAINTENANCE),
]
CRITICAL_LEAK = (
    "bathroom",
    "water",
    "critical",
    "主卫",
    "闭水试验后楼下顶棚出现水渍，防水层失效",
    WATERPROOFING,
)
OVERRIDE_REASON = "业主急于装修，要求先收房；防水整改已与施工单位约定3个工作日内完成并复验，业主签字确认。"
ALL_DOCUMENTS = [
    HandoverDocument.QUALITY_GUARANTEE,
    HandoverDocument.USER_MANUAL,
    HandoverDocument.COMPLETION_FILING,
    HandoverDocument.AREA_SURVEY,
    HandoverDocument.OWNERS_RULES,
    HandoverDocument.PROPERTY_CONTRACT,
    HandoverDocument.HANDOVER_FORM,
    HandoverDocument.KEY_RECEIPT,
]


def signature_png(width: int = 360, height: int = 120) -> bytes:
    """A small grey-scale PNG of a hand-written-looking stroke, made without an imaging library."""
    import math

    ink = set()
    for step in range(900):
        t = step / 900
        x = int(20 + t * (width - 40))
        y = int(height / 2 + 28 * math.sin(t * 11) * (1 - t * 0.6) + 10 * math.sin(t * 37))
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                ink.add((x + dx, y + dy))
    rows = b"".join(b"\x00" + bytes(0 if (x, y) in ink else 255 for x in range(width)) for y in range(height))

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


def _user(username: str, project_id: int) -> User | None:
    user = User.objects.filter(username=username, is_active=True).first()
    if user is not None and (user.scope.is_unrestricted or project_id in user.scope.project_ids):
        return user
    return User.objects.filter(role=Role.GROUP_ADMIN, is_active=True).order_by("id").first()


def _handovers_by_queue_state() -> tuple[dict[str, list[Handover]], list[Handover]]:
    """The batches' handovers, in a fixed order: those whose owner is on site today (or was, by their
    appointment's status: inspecting, signing, done) by that status, and the rest, units without an
    appointment first."""
    showcase = Q(
        project__code=SHOWCASE_PROJECT,
        unit__building__number=SHOWCASE_UNIT[0],
        unit__entrance=SHOWCASE_UNIT[1],
        unit__number=SHOWCASE_UNIT[2],
    )
    handovers = list(
        Handover.objects.exclude(showcase)
        .select_related("unit", "project", "batch")
        .order_by("batch__starts_on", "batch_id", "id")
    )
    latest: dict[int, str] = {}
    for handover_id, status in (
        Appointment.objects.filter(handover__in=handovers).order_by("id").values_list("handover_id", "status")
    ):
        latest[handover_id] = status
    on_site = (Appointment.Status.INSPECTING, Appointment.Status.SIGNING, Appointment.Status.DONE)
    by_state: dict[str, list[Handover]] = {status: [] for status in on_site}
    others = []
    for handover in handovers:
        state = latest.get(handover.pk)
        if state in by_state:
            by_state[state].append(handover)
        elif state != Appointment.Status.CHECKED_IN:
            others.append(handover)
    others.sort(key=lambda h: h.pk in latest)  # stable: units without an appointment first
    return by_state, others


def _answer_all(inspection: Inspection, by: User, failing: set[int], limit: int | None = None) -> None:
    lines = list(ChecklistItem.objects.filter(template_id=inspection.template_id).order_by("position", "id"))
    for item in lines[:limit] if limit is not None else lines:
        if item.pk in failing:
            result = InspectionCheck.Result.FAIL
        elif item.room_type == "whole_unit" and item.area == "fittings" and inspection.kind != "handover":
            result = InspectionCheck.Result.NOT_APPLICABLE  # keys and documents come at the handover
        else:
            result = InspectionCheck.Result.PASS
        check_record(by=by, inspection=inspection, item=item, result=result)


def contractor_on(name: str, project_id: int) -> Contractor | None:
    """The named company when it works on the project; else the defect waits for one."""
    return Contractor.objects.working_on(project_id).filter(name=name).first()


def _record(cmd, inspection: Inspection, by: User, spec) -> int | None:
    room, area, severity, location, description, contractor_name = spec
    item = (
        ChecklistItem.objects.filter(template_id=inspection.template_id, room_type=room, area=area)
        .order_by("position", "id")
        .first()
    )
    defect_record(
        by=by,
        unit=inspection.handover.unit,
        inspection=inspection,
        checklist_item=item,
        room=room,
        trade=item.trade if item else "other",
        severity=severity,
        description=description,
        location=location,
        contractor=contractor_on(contractor_name, inspection.handover.project_id),
    )
    cmd.created["defects"] += 1
    return item.pk if item else None


def _sign(cmd, handover: Handover, by: User, *, override_reason: str = "") -> None:
    contract = handover.unit.contracts.filter(status="active").select_related("primary_buyer").first()
    handover_sign_off(
        by=by,
        handover=handover,
        documents_handed=ALL_DOCUMENTS,
        water_meter=Decimal("3.20") + handover.pk % 7,
        electricity_meter=Decimal("12.50") + handover.pk % 11,
        gas_meter=Decimal("0.80"),
        keys_handed=4,
        signature=SimpleUploadedFile("signature.png", signature_png(), content_type="image/png"),
        signed_by_name=contract.primary_buyer.name if contract else "业主",
        override_reason=override_reason,
    )
    cmd.created["handovers signed off"] += 1


def _fresh(handover: Handover) -> bool:
    return handover.status != Handover.Status.HANDED_OVER and not handover.inspections.exists()


def seed(cmd) -> None:
    by_state, others = _handovers_by_queue_state()
    if not (others or any(by_state.values())):
        return

    def walk(handover: Handover, kind: str, defects=(), limit: int | None = None) -> Inspection | None:
        engineer = _user("engineer", handover.project_id)
        if engineer is None:
            return None
        inspection = inspection_start(by=engineer, handover=handover, kind=kind)
        failing = {_record(cmd, inspection, engineer, spec) for spec in defects}
        _answer_all(inspection, engineer, failing, limit=limit)
        if limit is None:
            inspection_complete(by=engineer, inspection=inspection)
        cmd.created["inspections"] += 1
        return inspection

    # The owners on site: the walk matches where the queue says they are.
    for handover in by_state[Appointment.Status.DONE][:2]:
        if _fresh(handover) and walk(handover, Inspection.Kind.HANDOVER):
            _sign(cmd, handover, _user("engineer", handover.project_id))
    for handover in by_state[Appointment.Status.SIGNING][:2]:
        if _fresh(handover):
            walk(handover, Inspection.Kind.HANDOVER)  # inspected; the signature is the live demo's
    for handover in by_state[Appointment.Status.INSPECTING][:2]:
        if _fresh(handover):
            walk(handover, Inspection.Kind.HANDOVER, defects=[DEFECTS[0]], limit=10)

    # The supervisor's override first (the demo needs one however few units there are), then
    # pre-inspections (预验收) with defects.
    catalogue = DEFECTS * 2
    for index, handover in enumerate(others[:5]):
        if not _fresh(handover):
            continue
        if index == 0:
            if walk(handover, Inspection.Kind.HANDOVER, defects=[CRITICAL_LEAK]):
                _sign(
                    cmd, handover, _user("supervisor", handover.project_id), override_reason=OVERRIDE_REASON
                )
        else:
            first = (index - 1) * 3
            walk(handover, Inspection.Kind.PRE_INSPECTION, defects=catalogue[first : first + 2 + index % 2])
