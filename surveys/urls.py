"""Surveys' staff pages, mounted at /surveys/."""

from django.urls import path

from .views import interview

app_name = "surveys"

urlpatterns = [
    path("invitations/<int:pk>/interview/", interview.interview, name="interview"),
]
