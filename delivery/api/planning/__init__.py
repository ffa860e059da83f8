"""REST API of handover planning: /api/v1/handover-batches, readiness-items, appointment-slots,
appointments and handovers (read only here).

- Scope: every list and lookup goes through the user's projects; outside them a row is a 404 and a
  reference in a payload reads like an unknown id.
- Roles: planners (group admin, city head, CS supervisor, delivery engineer) plan batches, readiness
  and slots; they and CS agents book and run the queue; read-only managers read; contractors and
  department staff get 403 everywhere here.
- Concurrency: batches, readiness items and appointments carry `version`; updates and actions must
  name it (body `version` or `If-Match: "3"`). Missing → 428, stale → 409.
- Transitions are the services' (delivery.services.planning); an illegal one is a 400 on `status`.
- Personal data: the owner's phone leaves the server masked.

One module per part: batches (batches, readiness items, handovers), appointments (slots and
appointments); _common holds what they share. `register(router)` is below.
"""

from .appointments import AppointmentSlotViewSet, AppointmentViewSet
from .batches import HandoverBatchViewSet, HandoverViewSet, ReadinessItemViewSet


def register(router) -> None:
    router.register("handover-batches", HandoverBatchViewSet, basename="handover-batch")
    router.register("readiness-items", ReadinessItemViewSet, basename="readiness-item")
    router.register("appointment-slots", AppointmentSlotViewSet, basename="appointment-slot")
    router.register("appointments", AppointmentViewSet, basename="appointment")
    router.register("handovers", HandoverViewSet, basename="handover")
