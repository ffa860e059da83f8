from django.apps import AppConfig


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = "CRM"

    def ready(self) -> None:
        # Connects the receiver that clears the working-calendar cache when a CalendarDay changes.
        from crm import workcalendar  # noqa: F401
