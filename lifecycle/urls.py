"""Staff pages of the 6+2 lifecycle, under /lifecycle/ (namespace `lifecycle`)."""

from django.urls import path

from .views import timeline, touchpoints

app_name = "lifecycle"

urlpatterns = [
    path("touchpoints/", touchpoints.my_touchpoints_view, name="my_touchpoints"),
    path("touchpoints/<int:pk>/record/", touchpoints.touchpoint_record_view, name="touchpoint_record"),
    path("touchpoints/rates/", touchpoints.touchpoint_rates_view, name="touchpoint_rates"),
    path("customers/<int:pk>/timeline/", timeline.customer_timeline_page, name="customer_timeline"),
]
