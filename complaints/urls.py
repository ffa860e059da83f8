from django.urls import path

from . import views

app_name = "complaints"

urlpatterns = [
    path("", views.sla_board, name="board"),
    path("<int:pk>/", views.complaint_detail, name="detail"),
]
