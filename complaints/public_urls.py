"""The public complaint pages, mounted at /public/ (no login)."""

from django.urls import path

from . import public_views

app_name = "public"

urlpatterns = [
    path("", public_views.complaint_submit, name="submit"),
    path("code/", public_views.code_request, name="code"),
    path("submitted/", public_views.complaint_submitted, name="submitted"),
    path("track/", public_views.complaint_track, name="track"),
]
