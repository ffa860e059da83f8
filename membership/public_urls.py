"""The club's public pages, without a login (namespace `club_public`); their path prefixes are in
settings.PUBLIC_PATH_PREFIXES (the smaller request size limit)."""

from django.urls import path

from .views import public

app_name = "club_public"

urlpatterns = [
    path("join/", public.join, name="join"),
    path("join/thanks/", public.joined, name="joined"),
    path("unsubscribe/<str:token>/", public.unsubscribe, name="unsubscribe"),
]
