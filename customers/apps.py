from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "customers"
    verbose_name = _("Customers")

    def ready(self) -> None:
        from core.exports import register_exporter
        from core.menu import register_menu_entry

        # tasks: registers the Celery tasks in every process, web included (import_jobs enqueues by name).
        from . import audit, exports, menu, tasks  # noqa: F401

        register_menu_entry(order=10, entry=menu.customers_menu)
        audit.register()
        register_menu_entry(order=50, entry=menu.property_menu)
        register_exporter("customers", exports.CUSTOMER_EXPORTER)
