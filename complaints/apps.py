from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ComplaintsConfig(AppConfig):
    name = "complaints"
    verbose_name = _("Complaints")

    def ready(self) -> None:
        from core.media import register_upload_folder

        from . import uploads

        register_upload_folder(
            "complaints",
            uploads.may_read_complaint_attachment,
            original_name=uploads.complaint_attachment_original_name,
        )
        register_upload_folder("work_orders", uploads.may_read_work_order_photo)
