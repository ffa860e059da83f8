from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LifecycleConfig(AppConfig):
    name = "lifecycle"
    verbose_name = _("Owner lifecycle (6+2)")

    def ready(self) -> None:
        from core.escalation import register_sweep_task
        from core.menu import register_menu_entry
        from customers.panels import register_customer_panel

        from . import menu, tasks  # noqa: F401 - tasks: registered with Celery
        from .customer_panel import customer_timeline_panel
        from .timeline_sources import register_builtin_sources

        register_sweep_task("lifecycle.tasks.sweep_touchpoint_deadlines")
        register_menu_entry(order=47, entry=menu.lifecycle_menu)
        # The owner timeline: the sources of the desks below, and its section on the 360 page.
        register_builtin_sources()
        register_customer_panel(order=15, panel=customer_timeline_panel)
