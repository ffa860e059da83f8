from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = _("Surveys")

    def ready(self) -> None:
        from complaints.signals import complaint_closed
        from core.escalation import register_sweep_task
        from core.menu import register_menu_entry
        from delivery.signals import handover_signed

        from . import menu, signals, tasks  # noqa: F401 - tasks: registered in every process
        from .services import follow_ups

        register_sweep_task("surveys.tasks.sweep_surveys")
        register_sweep_task("surveys.tasks.sweep_follow_up_deadlines")
        register_menu_entry(order=45, entry=menu.surveys_menu)
        complaint_closed.connect(signals.on_complaint_closed, dispatch_uid="surveys.complaint_closed")
        handover_signed.connect(signals.on_handover_signed, dispatch_uid="surveys.handover_signed")
        # The closed loop: a completed survey with a low answer opens a follow-up, on a clock.
        signals.response_completed.connect(
            follow_ups.on_response_completed, dispatch_uid="surveys.follow_up_open"
        )
