from django.urls import path

from . import access_log_views

app_name = "accounts"

urlpatterns = [
    path("", access_log_views.access_log, name="access-log"),
]
