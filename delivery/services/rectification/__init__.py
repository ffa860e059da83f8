"""Rectification (整改): defects go to their contractors in rectification orders, come back fixed,
are verified by the engineer and accepted by the owner at the re-inspection (复验).

    open ──issue──▶ fixing ──fixed──▶ fixed ──verify──▶ verified ──owner accepts──▶ accepted
                      ▲                 │                   │
                      └──── reject ─────┘◀── owner rejects ─┘        (any open one → cancelled)

Every change locks the defect (SELECT … FOR UPDATE), compares the caller's version when one is
given, checks the status on the fresh row, writes a DefectEvent, moves the rectification clock
(delivery.deadlines) and notifies whoever must act next. An order completes when all its defects
are fixed (or further along) and closes when the owner accepted them all.

After handover the owner may report a defect within the warranty; such a defect can become a
repair request (报修) in the complaints desk, linked both ways.

One module per part: orders (issue, complete, close), path (each defect's way from fixing to the
owner's acceptance, cancelling and correcting), reports (after handover: warranty defects, repair
requests, improvement items); _common holds what they share. Every name is re-exported here:
`from delivery.services import rectification as services; services.defect_verify(...)`.
"""

from ._common import (
    ACTION_ROLES,
    CONTRACTOR_PHOTO_STAGES,
    ENGINEERS,
    FRONT_LINE,
    STAFF_PHOTO_STAGES,
    SUPERVISORS,
    TRANSITIONS,
    allowed_actions,
    contractor_user_ids,
    engineer_ids,
    may,
    may_see,
)
from .orders import DONE_BY_CONTRACTOR, order_refresh, rectification_orders_issue
from .path import (
    CORRECTABLE,
    defect_cancel,
    defect_correct,
    defect_mark_fixed,
    defect_owner_accept,
    defect_owner_reject,
    defect_photos_add,
    defect_progress,
    defect_reject,
    defect_verify,
)
from .reports import (
    TRADE_CATEGORIES,
    WARRANTY,
    defect_report_after_handover,
    defect_to_complaint,
    improvement_item_from_stats,
    takes_warranty_defects,
    unit_owner,
    warranty_ends,
)

__all__ = [
    "ACTION_ROLES",
    "CONTRACTOR_PHOTO_STAGES",
    "CORRECTABLE",
    "DONE_BY_CONTRACTOR",
    "ENGINEERS",
    "FRONT_LINE",
    "STAFF_PHOTO_STAGES",
    "SUPERVISORS",
    "TRADE_CATEGORIES",
    "TRANSITIONS",
    "WARRANTY",
    "allowed_actions",
    "contractor_user_ids",
    "defect_cancel",
    "defect_correct",
    "defect_mark_fixed",
    "defect_owner_accept",
    "defect_owner_reject",
    "defect_photos_add",
    "defect_progress",
    "defect_reject",
    "defect_report_after_handover",
    "defect_to_complaint",
    "defect_verify",
    "engineer_ids",
    "improvement_item_from_stats",
    "may",
    "may_see",
    "order_refresh",
    "rectification_orders_issue",
    "takes_warranty_defects",
    "unit_owner",
    "warranty_ends",
]
