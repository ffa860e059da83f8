"""Which Celery queue each task runs on: one queue per class of work, each served by its own workers
(docker-compose.yml's worker-sweeps, worker-messages, worker-bulk, worker-reports), so that an hour-long
campaign send never delays a deadline and a slow SMS gateway never delays a dashboard refresh.

Plain data, no Django: crm.settings builds CELERY_TASK_ROUTES from it and run.py's demo worker consumes
QUEUES. Every task of the project is named here (tests/crm/test_queues.py fails on one that is not:
it would go to Celery's default queue, which no worker of the compose file consumes; the metrics
endpoint shows that queue's length as `celery` so that an alert catches it in production too).
"""

# Short clocked work (under two minutes a run): the shared deadline sweep and what it starts, and the
# housekeeping beat runs every few minutes. Nothing here waits on a gateway or runs for long.
SWEEPS = "sweeps"
# Every message to a person leaves through the outbox's senders: they wait on gateways and on each
# channel's rate (OUTBOX_PER_SECOND).
MESSAGES = "messages"
# Long jobs over many rows: campaign and invitation sends, construction news, imports, exports, the
# nightly recomputations (points, tiers, customer value, care tasks, touchpoints, retention).
BULK = "bulk"
# Figures and reports: the dashboards' summary tables, the digests and weekly reports, the webhooks
# to integrations (a slow receiver waits here, not in front of a message or a deadline).
REPORTS = "reports"
# Celery's default queue: only what no route names (a bug the test catches) lands here.
DEFAULT = "celery"

QUEUES = (SWEEPS, MESSAGES, BULK, REPORTS)

TASK_QUEUES: dict[str, str] = {
    # --- sweeps -------------------------------------------------------------------------------
    "core.tasks.sweep_deadlines": SWEEPS,
    "complaints.tasks.sweep_sla": SWEEPS,
    "complaints.tasks.sweep_work_order_deadlines": SWEEPS,
    "delivery.tasks.sweep_defect_deadlines": SWEEPS,
    "surveys.tasks.sweep_surveys": SWEEPS,
    "surveys.tasks.sweep_follow_up_deadlines": SWEEPS,
    "lifecycle.tasks.sweep_touchpoint_deadlines": SWEEPS,
    "lifecycle.tasks.sweep_commitment_deadlines": SWEEPS,
    "lifecycle.tasks.restart_stalled_news_sends": SWEEPS,
    "membership.tasks.sweep_event_invitations": SWEEPS,
    "delivery.tasks.send_appointment_reminders": SWEEPS,  # clocked; its reminders leave via the outbox
    "accounts.tasks.deactivate_departed_staff": SWEEPS,
    "customers.tasks.expire_stale_imports": SWEEPS,
    "core.tasks.expire_exports": SWEEPS,
    # --- messages -----------------------------------------------------------------------------
    "core.tasks.drain_outbox": MESSAGES,
    # --- bulk ---------------------------------------------------------------------------------
    "surveys.tasks.send_campaign": BULK,
    "membership.tasks.send_event_invitations": BULK,
    "lifecycle.tasks.send_construction_news": BULK,
    "customers.tasks.run_import_job": BULK,
    "core.tasks.run_export_job": BULK,
    "lifecycle.tasks.generate_touchpoints": BULK,
    "membership.tasks.expire_points": BULK,
    "membership.tasks.recompute_tiers": BULK,
    "membership.tasks.recompute_customer_value": BULK,
    "membership.tasks.create_care_tasks": BULK,
    "customers.tasks.anonymise_retained_customers": BULK,
    # --- reports ------------------------------------------------------------------------------
    "dashboards.tasks.refresh_complaint_figures": REPORTS,
    "dashboards.tasks.recount_complaint_figures": REPORTS,
    "dashboards.reports.tasks.send_weekly_dashboard_reports": REPORTS,
    "complaints.tasks.send_complaint_digests": REPORTS,
    "core.tasks.deliver_webhooks": REPORTS,
}


def task_routes() -> dict[str, dict[str, str]]:
    """CELERY_TASK_ROUTES: each task by its exact name."""
    return {name: {"queue": queue} for name, queue in TASK_QUEUES.items()}
