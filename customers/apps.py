from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "customers"
    verbose_name = _("Customers")

    def ready(self) -> None:
        from core.escalation import register_sweep_task
        from core.exports import register_exporter
        from core.menu import register_menu_entry

        # tasks: registers the Celery tasks in every process, web included (import_jobs enqueues by name).
        from . import anonymise, audit, exports, menu, privacy_views, subject_export, tasks  # noqa: F401
        from .panels import register_customer_panel

        register_menu_entry(order=10, entry=menu.customers_menu)
        audit.register()
        register_menu_entry(order=50, entry=menu.property_menu)
        register_exporter("customers", exports.CUSTOMER_EXPORTER)
        # The person's rights (PIPL): customers' own parts first; higher apps add theirs in their ready().
        subject_export.register_customer_parts()
        anonymise.register_customer_privacy()
        register_customer_panel(order=90, panel=privacy_views.customer_privacy_panel)
        # Import steps whose start was lost (the broker down, a worker killed before its claim).
        register_sweep_task("customers.tasks.requeue_lost_imports")
