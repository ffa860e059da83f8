"""REST API v1 of the 6+2 lifecycle.

Touchpoints: /api/v1/touchpoint-plans/, /api/v1/touchpoints/ (with complete). Registers: /api/v1/commitments/ (with settle), /api/v1/red-line-items/, /api/v1/disclosures/ (publish;
acknowledge), /api/v1/risk-checkpoints/ (with actions). The owner timeline: /api/v1/customers/{id}/timeline/ (a plain path, `urlpatterns`).

- Scope: every list goes through the model's `visible_to(user)`; outside the scope → 404.
- Roles: lifecycle.permissions (supervisors, city heads and the group admin write; agents, engineers
  and read-only managers read; engineers also record acknowledgements); a refused write is a 403.
- Concurrency: edits carry `version` (body field or If-Match); stale → 409, missing → 428.
- Paging: cursor (keyset on the id), never a count.
"""

from django.urls import path

from .commitments import CommitmentViewSet
from .news import ConstructionNewsViewSet
from .red_line import DisclosureViewSet, RedLineItemViewSet
from .risk import RiskCheckpointViewSet
from .timeline import CustomerTimelineView
from .touchpoints import TouchpointPlanViewSet, TouchpointViewSet


def register(router) -> None:
    # --- touchpoints ---
    router.register("touchpoint-plans", TouchpointPlanViewSet, basename="touchpoint-plan")
    router.register("touchpoints", TouchpointViewSet, basename="touchpoint")
    # --- registers ---
    router.register("commitments", CommitmentViewSet, basename="commitment")
    router.register("red-line-items", RedLineItemViewSet, basename="red-line-item")
    router.register("disclosures", DisclosureViewSet, basename="disclosure")
    router.register("risk-checkpoints", RiskCheckpointViewSet, basename="risk-checkpoint")
    # --- construction news (read-only) ---
    router.register("construction-news", ConstructionNewsViewSet, basename="construction-news")


# --- the owner timeline: not a viewset; crm/api_urls.py includes these paths ---
urlpatterns = [
    path("customers/<int:pk>/timeline/", CustomerTimelineView.as_view(), name="customer-timeline"),
]

__all__ = ["register", "urlpatterns"]
