"""The owners' representatives' four-year page, included at the site root: /four-year/<token>/ (no
login; its prefix is in settings.PUBLIC_PATH_PREFIXES)."""

from django.urls import path

from . import public_views

app_name = "lifecycle_public"

urlpatterns = [
    path("four-year/<str:token>/", public_views.representative_page, name="representative"),
]
