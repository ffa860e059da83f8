"""REST API v1 of complaints and service requests: /api/v1/complaints, work-orders, complaint-categories,
sla-policies, notifications, improvement-items, group-cases.

- Scope: complaints go through `Complaint.objects.visible_to(user)` (contractors: the complaints of
  their company's work orders in their projects; department staff: their department's in their
  projects), work orders through `WorkOrder.objects.visible_to(user)`. Outside the scope → 404;
  references in a payload resolve within the scope only.
- Roles: every write names its action in `services.ACTION_ROLES`; `services.may()` refuses it
  with a 403 before the payload is read, and the service checks again.
- Concurrency: complaints and work orders carry `version`. Every action must say which version
  it acted on, in the body (`"version": 3`) or as `If-Match: "3"` (the ETag of the retrieve).
  Missing → 428 Precondition Required; stale → 409 Conflict.
- Transitions are the services' (complaints.services); an illegal one is a 400 on `status`.
- Personal data: the customer's phone leaves the server masked.

One module per concept: complaints (the complaint endpoint and how a complaint reads), path (what
intake and each action take in), work_orders, group_cases (and improvement items), reference
(categories, SLA policies), notifications; _common holds the permission and the version rules.
"""

from .complaints import ComplaintViewSet
from .group_cases import GroupCaseViewSet, ImprovementItemViewSet
from .notifications import NotificationViewSet
from .reference import CategoryViewSet, SlaPolicyViewSet
from .work_orders import WorkOrderViewSet


def register(router) -> None:
    router.register("complaint-categories", CategoryViewSet, basename="complaint-category")
    router.register("sla-policies", SlaPolicyViewSet, basename="sla-policy")
    router.register("complaints", ComplaintViewSet, basename="complaint")
    router.register("work-orders", WorkOrderViewSet, basename="work-order")
    router.register("notifications", NotificationViewSet, basename="notification")
    router.register("improvement-items", ImprovementItemViewSet, basename="improvement-item")
    router.register("group-cases", GroupCaseViewSet, basename="group-case")
