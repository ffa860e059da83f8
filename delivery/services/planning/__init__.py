"""Planning a handover (交付): batches and their units, the readiness checklist, appointment slots,
owners' appointments, reminders and the arrival queue on the day.

A batch is planned (units, readiness items, slots), opened once every readiness item is done or
not applicable, and closed when its days are over. Owners are booked into slots by agents or
book themselves through their unit's link; a slot's capacity is enforced under a row lock on the
slot, so two bookings at the same moment cannot both take its last place. On the day, an
appointment walks booked → checked in (queue number) → inspecting → signing → done.

Each write locks its row, compares the caller's `version` when one is given (ConcurrentEditError),
checks the state on the fresh row and bumps `version`. Illegal transitions raise ValidationError.

One module per part: batches (and readiness), appointments (slots and bookings), queue (the day's
arrival queue and reminders); _common holds what they share. Every name is re-exported here:
`from delivery.services import planning as services; services.batch_create(...)`.
"""

from ..defects import in_scope
from ._common import (
    ACTION_ROLES,
    BATCH_TRANSITIONS,
    BOOKERS,
    PLANNERS,
    READERS,
    batch_actions,
    batch_allows,
    may,
)
from .appointments import (
    MAX_GENERATED_DAYS,
    MAX_WINDOWS,
    appointment_book,
    appointment_cancel,
    appointment_movable,
    appointment_no_show,
    appointment_reschedule,
    handover_bookable,
    handover_booking_link_send,
    slot_create,
    slot_delete,
    slot_starts_at,
    slots_generate,
)
from .batches import (
    DEFAULT_READINESS,
    batch_close,
    batch_create,
    batch_open,
    batch_unit_remove,
    batch_units_add,
    batch_update,
    handover_move,
    readiness_item_add,
    readiness_item_update,
)
from .queue import (
    NEXT_STATUS,
    QUEUE_ORDER,
    QUEUE_TIMESTAMPS,
    REMINDER_AHEAD,
    appointment_advance,
    appointment_reminders_send,
)

__all__ = [
    "ACTION_ROLES",
    "BATCH_TRANSITIONS",
    "BOOKERS",
    "DEFAULT_READINESS",
    "MAX_GENERATED_DAYS",
    "MAX_WINDOWS",
    "NEXT_STATUS",
    "PLANNERS",
    "QUEUE_ORDER",
    "QUEUE_TIMESTAMPS",
    "READERS",
    "REMINDER_AHEAD",
    "appointment_advance",
    "appointment_book",
    "appointment_cancel",
    "appointment_movable",
    "appointment_no_show",
    "appointment_reminders_send",
    "appointment_reschedule",
    "batch_actions",
    "batch_allows",
    "batch_close",
    "batch_create",
    "batch_open",
    "batch_unit_remove",
    "batch_units_add",
    "batch_update",
    "handover_bookable",
    "handover_booking_link_send",
    "handover_move",
    "in_scope",
    "may",
    "readiness_item_add",
    "readiness_item_update",
    "slot_create",
    "slot_delete",
    "slot_starts_at",
    "slots_generate",
]
