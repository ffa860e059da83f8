from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = _("Surveys")

    def ready(self) -> None:
        from core.exports import register_exporter
        from customers.panels import register_customer_panel

        from . import customer_panel, exports, signals, tallies

        register_exporter("survey-results", exports.RESULTS_EXPORTER)
        register_exporter("survey-answers", exports.ANSWERS_EXPORTER)
        register_customer_panel(order=20, panel=customer_panel.customer_surveys)
        signals.response_completed.connect(tallies.on_response_completed, dispatch_uid="surveys.tallies")
