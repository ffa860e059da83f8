from django.urls import path

from . import views

app_name = "complaints"

urlpatterns = [
    path("", views.sla_board, name="board"),
    path("assign/", views.bulk_assign, name="bulk-assign"),
    path("hotline/", views.hotline, name="hotline"),
    path("new/", views.complaint_create, name="create"),
    path("new/duplicates/", views.duplicates, name="duplicates"),
    path("<int:pk>/", views.complaint_detail, name="detail"),
    path("<int:pk>/<slug:action>/", views.complaint_action, name="action"),
    path("work-orders/", views.work_order_list, name="work-orders"),
    path("work-orders/<int:pk>/", views.work_order_detail, name="work-order"),
    path("work-orders/<int:pk>/<slug:action>/", views.work_order_action, name="work-order-action"),
    path("supervisor/", views.supervisor, name="supervisor"),
    path("group-cases/new/", views.group_case_create, name="group-case-create"),
    path("improvements/", views.improvements, name="improvements"),
    path("improvements/from-selection/", views.improvement_from_selection, name="improvement-from-selection"),
    path("improvements/<int:pk>/status/", views.improvement_status, name="improvement-status"),
]
