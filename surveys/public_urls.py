"""The owner's survey pages, included at the site root: /s/<token>/ (no login)."""

from django.urls import path

from . import public_views

app_name = "survey_public"

urlpatterns = [
    path("s/<str:token>/", public_views.answer, name="answer"),
    path("s/<str:token>/save/", public_views.save, name="save"),
    path("s/<str:token>/thanks/", public_views.thanks, name="thanks"),
    path("s/<str:token>/opt-out/", public_views.opt_out, name="opt_out"),
]
