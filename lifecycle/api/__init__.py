"""REST API of the lifecycle: registered on the shared router by crm/api_urls.py (`register(router)`),
plus plain paths (`urlpatterns`) for what is not a viewset."""

from __future__ import annotations

from django.urls import path

from .timeline import CustomerTimelineView


def register(router) -> None:
    """The lifecycle's viewsets on the shared router (the other lifecycle helpers add theirs here)."""


urlpatterns = [
    path("customers/<int:pk>/timeline/", CustomerTimelineView.as_view(), name="customer-timeline"),
]
