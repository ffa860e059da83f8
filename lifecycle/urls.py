"""The lifecycle's staff pages, under /lifecycle/ (namespace `lifecycle`)."""

from django.urls import path

from . import timeline_views

app_name = "lifecycle"

urlpatterns = [
    path(
        "customers/<int:pk>/timeline/",
        timeline_views.customer_timeline_page,
        name="customer_timeline",
    ),
]
