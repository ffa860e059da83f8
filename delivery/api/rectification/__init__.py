"""REST API v1 of defects and rectification: /api/v1/defects, /api/v1/rectification-orders.

- Scope: `Defect.objects.visible_to(user)`; a contractor sees their company's defects and orders
  in the projects assigned to them only, everyone else those of their projects. Outside the
  scope → 404; references in a payload resolve within the scope only.
- Roles: each action names its entry in `services.rectification.ACTION_ROLES`; a role that may
  not is a 403 before the payload is read, and the service checks again.
- Recording: `POST /defects/` (multipart with `photos`, or JSON) goes through `defect_record`;
  send a `client_uuid` so that a retried upload returns the defect already made (200) instead
  of a second one (201).
- Concurrency: state changes (`fixed`, `verify`, `reject`, `owner-accept`, `owner-reject`,
  `cancel`, `correct`) must say which version they acted on, in the body (`"version": 3`) or as
  `If-Match: "3"` (the ETag of the retrieve). Missing → 428; stale → 409. `photos` and
  `to-complaint` change no state: a version there is optional (checked when given).
- Transitions are the services'; an illegal one is a 400 on `status`.

One module per part: defects (list, detail, recording), path (the state changes, as actions of the
same viewset), orders; _common holds what they share. `register(router)` is below.
"""

from .defects import DefectViewSet
from .orders import RectificationOrderViewSet


def register(router) -> None:
    router.register("defects", DefectViewSet, basename="defect")
    router.register("rectification-orders", RectificationOrderViewSet, basename="rectification-order")
