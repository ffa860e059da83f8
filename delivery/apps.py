from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeliveryConfig(AppConfig):
    name = "delivery"
    verbose_name = _("Handover")

    def ready(self) -> None:
        from core.media import register_upload_folder

        from . import uploads

        register_upload_folder("defects", uploads.may_read_defect_photo)
        register_upload_folder("handover_signatures", uploads.may_read_signature)
        register_upload_folder("floor_plans", uploads.may_read_floor_plan)
