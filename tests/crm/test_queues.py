"""Every task of the project runs on a named queue (crm/queues.py), and something consumes each queue."""

import re
from pathlib import Path

import pytest
import yaml
from django.conf import settings

from crm.celery import app as celery_app
from crm.queues import DEFAULT, QUEUES, TASK_QUEUES

ROOT = Path(__file__).resolve().parents[2]


def _project_tasks() -> set[str]:
    celery_app.loader.import_default_modules()  # autodiscovery: every app's tasks module
    return {name for name in celery_app.tasks if not name.startswith("celery.")}


def _queue_of(task_name: str) -> str:
    return celery_app.amqp.router.route({}, task_name)["queue"].name


def test_every_registered_task_has_an_explicit_route():
    tasks = _project_tasks()

    assert len(tasks) > 20  # autodiscovery found the apps' tasks modules
    unrouted = sorted(tasks - TASK_QUEUES.keys())
    assert not unrouted, f"add these tasks to crm/queues.py TASK_QUEUES: {unrouted}"
    assert all(_queue_of(name) in QUEUES for name in tasks)


def test_every_route_names_a_registered_task():
    # A renamed task leaves its old route behind: the new name would go to the default queue.
    assert not sorted(TASK_QUEUES.keys() - _project_tasks())


@pytest.mark.parametrize(
    ("task_name", "queue"),
    [
        ("core.tasks.sweep_deadlines", "sweeps"),
        ("complaints.tasks.sweep_sla", "sweeps"),
        ("delivery.tasks.sweep_defect_deadlines", "sweeps"),
        ("core.tasks.drain_outbox", "messages"),
        ("surveys.tasks.send_campaign", "bulk"),
        ("membership.tasks.send_event_invitations", "bulk"),
        ("lifecycle.tasks.send_construction_news", "bulk"),
        ("customers.tasks.run_import_job", "bulk"),
        ("core.tasks.run_export_job", "bulk"),
        ("lifecycle.tasks.generate_touchpoints", "bulk"),
        ("dashboards.tasks.refresh_complaint_figures", "reports"),
        ("dashboards.reports.tasks.send_weekly_dashboard_reports", "reports"),
        ("core.tasks.deliver_webhooks", "reports"),
    ],
)
def test_key_tasks_run_on_their_class_queue(task_name, queue):
    assert _queue_of(task_name) == queue


def test_a_task_sent_by_name_goes_to_its_queue():
    # Beat and current_app.signature(name) send by name: the route applies there too.
    assert _queue_of("surveys.tasks.sweep_follow_up_deadlines") == "sweeps"
    assert _queue_of("not.a.routed.task") == DEFAULT


def test_every_periodic_task_is_routed():
    assert {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()} <= TASK_QUEUES.keys()


def test_the_demo_worker_consumes_every_queue():
    source = (ROOT / "run.py").read_text(encoding="utf-8")
    consumed = set(re.search(r'"--queues=([a-z,]+)"', source).group(1).split(","))

    assert consumed == {*QUEUES, DEFAULT}


def test_the_compose_file_runs_a_worker_per_queue_and_one_beat():
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))["services"]
    consumed: dict[str, str] = {}
    for name, service in services.items():
        command = service.get("command") or []
        if command[:4] == ["celery", "-A", "crm", "worker"]:
            queues = next(arg for arg in command if arg.startswith("--queues="))
            for queue in queues.removeprefix("--queues=").split(","):
                consumed[queue] = name

    assert {queue: consumed.get(queue) for queue in QUEUES} == {queue: f"worker-{queue}" for queue in QUEUES}
    assert DEFAULT in consumed
    beats = [name for name, service in services.items() if (service.get("command") or [])[3:4] == ["beat"]]
    assert beats == ["beat"]
