"""The public complaint pages, mounted at /public/ (no login)."""

from django.urls import path

from .views import public

app_name = "public"

urlpatterns = [
    path("", public.complaint_submit, name="submit"),
    path("code/", public.code_request, name="code"),
    path("submitted/", public.complaint_submitted, name="submitted"),
    path("track/", public.complaint_track, name="track"),
]
