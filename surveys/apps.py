from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = _("Surveys")

    def ready(self) -> None:
        from complaints.signals import complaint_closed
        from core.escalation import register_sweep_task
        from core.exports import register_exporter
        from core.menu import register_menu_entry
        from customers.panels import register_customer_panel
        from delivery.signals import handover_signed

        from . import (  # noqa: F401 - tasks: registered
            audit,
            customer_panel,
            day_tallies,
            exports,
            menu,
            privacy,
            signals,
            tallies,
            tasks,
            webhooks,
        )
        from .services import follow_ups

        register_sweep_task("surveys.tasks.sweep_surveys")
        audit.register()
        webhooks.register()
        signals.response_completed.connect(
            webhooks.on_response_completed, dispatch_uid="surveys.webhook_answered"
        )
        register_sweep_task("surveys.tasks.sweep_follow_up_deadlines")
        register_menu_entry(order=45, entry=menu.surveys_menu)
        privacy.register()
        register_exporter("survey-results", exports.RESULTS_EXPORTER)
        register_exporter("survey-answers", exports.ANSWERS_EXPORTER)
        register_customer_panel(order=20, panel=customer_panel.customer_surveys)
        complaint_closed.connect(signals.on_complaint_closed, dispatch_uid="surveys.complaint_closed")
        handover_signed.connect(signals.on_handover_signed, dispatch_uid="surveys.handover_signed")
        # Inside the submit's transaction: the results' tallies, the dashboards' day tallies, and the closed loop (a low answer opens
        # a follow-up on a clock) commit or roll back with the answers.
        signals.response_completed.connect(tallies.on_response_completed, dispatch_uid="surveys.tallies")
        signals.response_completed.connect(
            day_tallies.on_response_completed, dispatch_uid="surveys.day_tallies"
        )
        signals.response_completed.connect(
            follow_ups.on_response_completed, dispatch_uid="surveys.follow_up_open"
        )
