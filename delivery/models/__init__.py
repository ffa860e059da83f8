"""Handover (交付, step 4 of the 6+2 path 恭迎乔迁): from the month before handover to the last fixed defect.

Planning: a HandoverBatch groups units of a project (phase/building) with dates, a site and a team;
its ReadinessItems (扫楼排雷, 答客问, documents) must be done before it opens. AppointmentSlots hold
owners' Appointments, which carry the day's arrival queue (checked in → inspecting → signing → done).

Each unit in a batch has one Handover: its inspections (预验收, formal inspection, 复验), its
defects, and the sign-off (documents, meter readings, keys, the owner's signature).

Defects are grouped per contractor into RectificationOrders; each defect has a due time from
its severity's RectificationPolicy and escalates through core.escalation, the same sweep that
runs complaint SLAs (DefectAlert is its exactly-once record).

One module per part, as in services/, views/ and api/: planning, inspection, rectification.
Everything is re-exported here: `from delivery.models import Defect`.
"""

from .inspection import (
    ChecklistItem,
    ChecklistTemplate,
    FloorPlan,
    FloorPlanQuerySet,
    Handover,
    HandoverQuerySet,
    Inspection,
    InspectionArea,
    InspectionCheck,
)
from .planning import Appointment, AppointmentSlot, HandoverBatch, ReadinessItem
from .rectification import (
    BLOCKING_SEVERITIES,
    Defect,
    DefectAlert,
    DefectEvent,
    DefectPhoto,
    DefectQuerySet,
    DefectSeverity,
    RectificationOrder,
    RectificationOrderQuerySet,
    RectificationPolicy,
    RoomType,
    Trade,
)

__all__ = [
    "BLOCKING_SEVERITIES",
    "Appointment",
    "AppointmentSlot",
    "ChecklistItem",
    "ChecklistTemplate",
    "Defect",
    "DefectAlert",
    "DefectEvent",
    "DefectPhoto",
    "DefectQuerySet",
    "DefectSeverity",
    "FloorPlan",
    "FloorPlanQuerySet",
    "Handover",
    "HandoverBatch",
    "HandoverQuerySet",
    "Inspection",
    "InspectionArea",
    "InspectionCheck",
    "ReadinessItem",
    "RectificationOrder",
    "RectificationOrderQuerySet",
    "RectificationPolicy",
    "RoomType",
    "Trade",
]
