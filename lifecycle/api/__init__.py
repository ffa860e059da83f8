"""The lifecycle's API, registered on the shared router (crm/api_urls.py), plus plain paths
(`urlpatterns`, included there too) for what is not a viewset."""

from __future__ import annotations

from django.urls import path

from .timeline import CustomerTimelineView
from .touchpoints import TouchpointPlanViewSet, TouchpointViewSet


def register(router) -> None:
    router.register("touchpoint-plans", TouchpointPlanViewSet, basename="touchpoint-plan")
    router.register("touchpoints", TouchpointViewSet, basename="touchpoint")


urlpatterns = [
    path("customers/<int:pk>/timeline/", CustomerTimelineView.as_view(), name="customer-timeline"),
]

__all__ = ["register", "urlpatterns"]
