from django.urls import path

from .views import follow_ups

app_name = "surveys"

urlpatterns = [
    path("follow-ups/", follow_ups.follow_up_list_view, name="follow_ups"),
    path("follow-ups/<int:pk>/", follow_ups.follow_up_detail_view, name="follow_up"),
    path("follow-ups/<int:pk>/record/", follow_ups.follow_up_record_view, name="follow_up_record"),
    path(
        "follow-ups/<int:pk>/raise-complaint/",
        follow_ups.follow_up_raise_complaint_view,
        name="follow_up_raise_complaint",
    ),
]
