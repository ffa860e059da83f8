from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LifecycleConfig(AppConfig):
    name = "lifecycle"
    verbose_name = _("Owner lifecycle (6+2)")

    def ready(self):
        from customers.panels import register_customer_panel

        from .customer_panel import customer_timeline_panel
        from .timeline_sources import register_builtin_sources

        # The owner timeline: the sources of the desks below, and its section on the 360 page.
        register_builtin_sources()
        register_customer_panel(order=15, panel=customer_timeline_panel)
