"""The lifecycle's API, registered on the shared router (crm/api_urls.py)."""

from __future__ import annotations

from .touchpoints import TouchpointPlanViewSet, TouchpointViewSet


def register(router) -> None:
    router.register("touchpoint-plans", TouchpointPlanViewSet, basename="touchpoint-plan")
    router.register("touchpoints", TouchpointViewSet, basename="touchpoint")


__all__ = ["register"]
