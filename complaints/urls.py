from django.urls import path

from .views import board, cases, detail, group_cases, intake, work_orders

app_name = "complaints"

urlpatterns = [
    path("", board.sla_board, name="board"),
    path("assign/", board.bulk_assign, name="bulk-assign"),
    path("hotline/", intake.hotline, name="hotline"),
    path("new/", intake.complaint_create, name="create"),
    path("new/duplicates/", intake.duplicates, name="duplicates"),
    path("<int:pk>/", detail.complaint_detail, name="detail"),
    path("<int:pk>/<slug:action>/", detail.complaint_action, name="action"),
    path("work-orders/", work_orders.work_order_list, name="work-orders"),
    path("work-orders/<int:pk>/", work_orders.work_order_detail, name="work-order"),
    path("work-orders/<int:pk>/<slug:action>/", work_orders.work_order_action, name="work-order-action"),
    path("supervisor/", group_cases.supervisor, name="supervisor"),
    path("group-cases/", cases.group_case_list, name="group-cases"),
    path("group-cases/new/", group_cases.group_case_create, name="group-case-create"),
    path("group-cases/<int:pk>/", cases.group_case_detail, name="group-case"),
    path("group-cases/<int:pk>/<slug:action>/", cases.group_case_action, name="group-case-action"),
    path("improvements/", group_cases.improvements, name="improvements"),
    path("improvements/from-selection/", board.improvement_from_selection, name="improvement-from-selection"),
    path("improvements/<int:pk>/status/", group_cases.improvement_status, name="improvement-status"),
]
