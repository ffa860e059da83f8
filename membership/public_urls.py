"""The club's public pages, without a login (namespace `club_public`); their path prefixes are in
settings.PUBLIC_PATH_PREFIXES (the smaller request size limit)."""

from django.urls import path

from .views import public, public_growth

app_name = "club_public"

urlpatterns = [
    path("intent/<int:project_pk>/", public_growth.intent, name="intent"),
    path("intent/<int:project_pk>/thanks/", public_growth.intent_done, name="intent_done"),
    path("e/<str:token>/", public_growth.invite, name="invite"),
    path("r/<str:token>/", public_growth.registration, name="registration"),
    path("join/", public.join, name="join"),
    path("join/thanks/", public.joined, name="joined"),
    path("unsubscribe/<str:token>/", public.unsubscribe, name="unsubscribe"),
]
