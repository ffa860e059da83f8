from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """The ground floor every app stands on; it imports none of them (ARCHITECTURE.md)."""

    name = "core"
    verbose_name = _("Working calendar")

    def ready(self) -> None:
        # Connects the receiver that clears the working-calendar cache when a CalendarDay changes.
        from core import workcalendar  # noqa: F401
