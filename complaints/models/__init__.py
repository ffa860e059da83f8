"""Complaints and service requests (投诉、报修、咨询、建议、表扬) and their SLA clocks.

The path 接待 → 分派 → 方案 → 派单 → 关闭 is a state machine whose every transition is a
service in complaints.services. Deadlines live on the row (`*_due_at`); the SLA sweep
(complaints/sla.py) reads `sla_next_check_at`, the next moment anything should fire for
the complaint's current target, through a partial index over open complaints.

One module per concept: choices, categories (and SLA policies), complaints (with their timeline,
alerts, attachments, return visits and reports), work_orders, group_cases (their timeline, messages and reports, and improvement items),
public (phone codes), open_counts (the board's counters, kept by triggers). This package re-exports them all.
"""

from .categories import Category, SlaPolicy
from .choices import Channel, ComplaintType, RootCause, Severity, SlaTarget, Status
from .complaints import (
    IS_OPEN,
    Attachment,
    Complaint,
    ComplaintEvent,
    ComplaintQuerySet,
    MajorComplaintReport,
    ReturnVisit,
    SlaAlert,
    attachment_path,
    current_due_expression,
)
from .group_cases import (
    GroupCase,
    GroupCaseEvent,
    GroupCaseMessage,
    GroupCaseQuerySet,
    GroupCaseReport,
    ImprovementItem,
    ImprovementItemQuerySet,
)
from .open_counts import OpenComplaintCount
from .public import PublicPhoneCode
from .work_orders import WorkOrder, WorkOrderAlert, WorkOrderNote, WorkOrderQuerySet

__all__ = [
    "IS_OPEN",
    "Attachment",
    "Category",
    "Channel",
    "Complaint",
    "ComplaintEvent",
    "ComplaintQuerySet",
    "ComplaintType",
    "GroupCase",
    "GroupCaseEvent",
    "GroupCaseMessage",
    "GroupCaseQuerySet",
    "GroupCaseReport",
    "ImprovementItem",
    "ImprovementItemQuerySet",
    "MajorComplaintReport",
    "OpenComplaintCount",
    "PublicPhoneCode",
    "ReturnVisit",
    "RootCause",
    "Severity",
    "SlaAlert",
    "SlaPolicy",
    "SlaTarget",
    "Status",
    "WorkOrder",
    "WorkOrderAlert",
    "WorkOrderNote",
    "WorkOrderQuerySet",
    "attachment_path",
    "current_due_expression",
]
