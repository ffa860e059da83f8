from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = _("Surveys")

    def ready(self) -> None:
        from core.escalation import register_sweep_task

        from . import signals, tasks  # noqa: F401 - tasks: registered in every process
        from .services import follow_ups

        # The closed loop: a completed survey with a low answer opens a follow-up, on a clock.
        signals.response_completed.connect(
            follow_ups.on_response_completed, dispatch_uid="surveys.follow_up_open"
        )
        register_sweep_task("surveys.tasks.sweep_follow_up_deadlines")
