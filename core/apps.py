from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """The ground floor every app stands on; it imports none of them (ARCHITECTURE.md)."""

    name = "core"
    verbose_name = _("Calendar and outbox")

    def ready(self) -> None:
        # workcalendar connects the receiver that clears the calendar's cache when a CalendarDay
        # changes; tasks registers the outbox's sender in every process, so that the on-commit call
        # by name (core.outbox.services.DRAIN_TASK) runs the task itself (its options, eager in tests).
        from core import tasks, workcalendar  # noqa: F401
        from core.escalation import register_sweep_task
        from core.outbox.providers import providers_check

        # A gateway chosen without its keys or templates stops every process at start, not at the
        # first message.
        providers_check()
        # Big exports whose start was lost (the broker down, a worker killed before its claim).
        register_sweep_task("core.tasks.requeue_lost_exports")

        # DRF's fields read JSON values of their own type only (core.api_input).
        from core.api_input import install

        install()
