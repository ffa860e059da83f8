from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardsConfig(AppConfig):
    """The home page (each role's work queue) and the dashboards: read from every app, owned by none."""

    name = "dashboards"
    verbose_name = _("Dashboards")

    def ready(self) -> None:
        from . import tasks  # noqa: F401 - registers the Celery tasks (the recount button queues one by name)
        from .measures import club, complaints, delivery, estate, surveys, touchpoints
        from .reports import tasks as report_tasks  # noqa: F401 - Celery finds the weekly report's task

        # The panels, in their sources' `order`: each registers the measures it computes.
        for source in (complaints, delivery, surveys, club, touchpoints, estate):
            source.register()
