from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "customers"
    verbose_name = _("Customers")

    def ready(self) -> None:
        # Register the Celery tasks in every process, web included: import_jobs enqueues them by name.
        from . import tasks  # noqa: F401
