from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LifecycleConfig(AppConfig):
    name = "lifecycle"
    verbose_name = _("Owner lifecycle (6+2)")

    def ready(self) -> None:
        from core.escalation import register_sweep_task
        from core.media import register_upload_folder
        from core.menu import register_menu_entry
        from customers.panels import register_contract_links, register_customer_panel, register_project_links
        from delivery.batch_checks import register_batch_check

        from . import batch_guard, links, menu, panels, privacy, tasks, uploads  # noqa: F401 - tasks: registered with Celery
        from .customer_panel import customer_timeline_panel
        from .timeline_registers import register_register_sources
        from .timeline_sources import register_builtin_sources

        # --- touchpoints ---
        register_sweep_task("lifecycle.tasks.sweep_touchpoint_deadlines")
        register_menu_entry(order=47, entry=menu.lifecycle_menu)
        privacy.register()
        # --- registers: commitments, red line, risk, renovation ---
        register_upload_folder("commitments", uploads.may_read_commitment_evidence)
        register_upload_folder("red_line", uploads.may_read_red_line_photo)
        register_upload_folder("red_line_signed", uploads.may_read_signed_acknowledgement)
        register_customer_panel(order=15, panel=panels.customer_commitments)
        register_batch_check(batch_guard.lifecycle_batch_checks)
        register_sweep_task("lifecycle.tasks.sweep_commitment_deadlines")
        register_project_links(links.project_register_links)
        register_contract_links(links.contract_register_links)
        # --- the owner timeline: the sources of the desks below, and its section on the 360 page ---
        register_builtin_sources()
        register_register_sources()
        register_customer_panel(order=40, panel=customer_timeline_panel)
        # --- construction news: its photos, and its entries on the owner timeline ---
        from . import news_hooks
        from .timeline import register_timeline_source

        register_upload_folder("construction_news", news_hooks.may_read_news_photo)
        register_timeline_source(news_hooks.TIMELINE_KIND, _("Construction news"), news_hooks.news_entries)
        register_sweep_task("lifecycle.tasks.restart_stalled_news_sends")
