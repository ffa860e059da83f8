from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """seed_demo and bench_data: the only code that imports every app, to fill them with data."""

    name = "demo"
    verbose_name = _("Demo and bench data")
