"""The club's public pages (no login), mounted at /club/ (namespace `club_public`); their path
prefixes are in settings.PUBLIC_PATH_PREFIXES."""

from django.urls import path

from .views import public_growth

app_name = "club_public"

urlpatterns = [
    path("intent/<int:project_pk>/", public_growth.intent, name="intent"),
    path("intent/<int:project_pk>/thanks/", public_growth.intent_done, name="intent_done"),
    path("e/<str:token>/", public_growth.invite, name="invite"),
    path("r/<str:token>/", public_growth.registration, name="registration"),
]
