from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeliveryConfig(AppConfig):
    name = "delivery"
    verbose_name = _("Handover")

    def ready(self) -> None:
        from core.escalation import register_sweep_task
        from core.media import register_upload_folder
        from core.menu import register_menu_entry
        from core.search import register_search_provider

        from . import audit, menu, privacy, search, tasks, uploads, webhooks  # noqa: F401 - tasks: registered in every process
        from .signals import handover_signed

        register_sweep_task("delivery.tasks.sweep_defect_deadlines")
        audit.register()
        webhooks.register()
        handover_signed.connect(webhooks.on_handover_signed, dispatch_uid="delivery.webhook_handover_signed")
        register_menu_entry(order=40, entry=menu.delivery_menu)
        privacy.register()
        register_search_provider("delivery", order=20, find_number=search.defect_number_url)

        register_upload_folder("defects", uploads.may_read_defect_photo)
        register_upload_folder("handover_signatures", uploads.may_read_signature)
        register_upload_folder("floor_plans", uploads.may_read_floor_plan)
