from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardsConfig(AppConfig):
    """The home page now, the manager dashboards next: figures read from every app, owned by none."""

    name = "dashboards"
    verbose_name = _("Dashboards")
