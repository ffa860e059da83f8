from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "complaints"
    verbose_name = _("Complaints")

    def ready(self) -> None:
        from core.escalation import register_sweep_task
        from core.exports import register_exporter
        from core.media import register_upload_folder
        from core.menu import register_menu_entry
        from core.search import register_search_provider

        from . import audit, exports, menu, privacy, search, tasks, uploads, webhooks  # noqa: F401 - tasks: registered in every process
        from .signals import complaint_closed

        register_sweep_task("complaints.tasks.sweep_sla")
        audit.register()
        webhooks.register()
        complaint_closed.connect(webhooks.on_complaint_closed, dispatch_uid="complaints.webhook_closed")
        register_sweep_task("complaints.tasks.sweep_work_order_deadlines")
        register_menu_entry(order=30, entry=menu.complaints_menu)
        privacy.register()
        register_exporter("complaints-board", exports.BOARD_EXPORTER)
        register_exporter("work-orders", exports.WORK_ORDER_EXPORTER)
        register_exporter("supervisor", exports.SUPERVISOR_EXPORTER)
        register_exporter("improvements", exports.IMPROVEMENT_EXPORTER)
        register_search_provider(
            "complaints", order=10, find_number=search.number_url, search_words=search.search_words
        )

        register_upload_folder(
            "complaints",
            uploads.may_read_complaint_attachment,
            original_name=uploads.complaint_attachment_original_name,
        )
        register_upload_folder("work_orders", uploads.may_read_work_order_photo)
