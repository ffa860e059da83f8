from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardsConfig(AppConfig):
    """The home page (each role's work queue) and the dashboards: read from every app, owned by none."""

    name = "dashboards"
    verbose_name = _("Dashboards")

    def ready(self) -> None:
        from .measures import complaints

        complaints.register()

        from .measures import club, delivery, surveys, touchpoints

        delivery.register()
        surveys.register()
        club.register()
        touchpoints.register()
