from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LifecycleConfig(AppConfig):
    name = "lifecycle"
    verbose_name = _("Owner lifecycle (6+2)")

    def ready(self) -> None:
        from core.escalation import register_sweep_task
        from core.menu import register_menu_entry

        from . import menu, tasks  # noqa: F401 - tasks: registered with Celery

        register_sweep_task("lifecycle.tasks.sweep_touchpoint_deadlines")
        register_menu_entry(order=47, entry=menu.lifecycle_menu)
