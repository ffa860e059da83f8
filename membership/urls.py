"""Staff pages of the club (namespace `club`, under /club/)."""

from django.urls import path

from .views import benefits, care

app_name = "club"

urlpatterns = [
    # The ledger helper's: benefits, redemptions, points adjustments, care tasks.
    path("benefits/", benefits.benefit_list, name="benefits"),
    path("benefits/new/", benefits.benefit_edit, name="benefit_create"),
    path("benefits/redeem/", benefits.benefit_redeem_view, name="benefit_redeem"),
    path("benefits/<int:pk>/", benefits.benefit_detail, name="benefit"),
    path("benefits/<int:pk>/edit/", benefits.benefit_edit, name="benefit_edit"),
    path("members/<int:pk>/points/adjust/", benefits.points_adjust_view, name="points_adjust"),
    path("care/", care.care_task_list, name="care_tasks"),
    path("care/<int:pk>/<slug:outcome>/", care.care_task_close_view, name="care_task_close"),
]
