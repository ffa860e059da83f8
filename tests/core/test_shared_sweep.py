"""core.tasks.sweep_deadlines: beat's one sweep enqueues every clocked thing's sweep task."""

import pytest
from django.conf import settings

from core import escalation
from core.tasks import sweep_deadlines
from crm.celery import app as celery_app


def test_complaints_and_delivery_join_the_shared_sweep():
    assert {"complaints.tasks.sweep_sla", "delivery.tasks.sweep_defect_deadlines"} <= set(
        escalation.SWEEP_TASKS
    )
    # As a worker does at start: the apps' tasks modules are imported (the autodiscovery), so every
    # name the sweep enqueues is a task the worker knows (alone, this test has imported none of them).
    celery_app.loader.import_default_modules()
    assert all(name in celery_app.tasks for name in escalation.SWEEP_TASKS)
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "core.tasks.sweep_deadlines" in scheduled
    # A registered sweep is run through the shared one only, never twice a minute by its own entry.
    assert not scheduled & set(escalation.SWEEP_TASKS)


@pytest.mark.django_db  # the sweep records its heartbeat (core.models.Heartbeat)
def test_the_shared_sweep_runs_each_registered_task(monkeypatch):
    ran = []

    @celery_app.task(name="tests.core.recording_sweep")
    def recording_sweep():
        ran.append("recording")
        return 0

    monkeypatch.setattr(escalation, "SWEEP_TASKS", [])
    escalation.register_sweep_task("tests.core.recording_sweep")
    escalation.register_sweep_task("tests.core.recording_sweep")  # idempotent: ready() may run twice
    monkeypatch.setattr("core.tasks.SWEEP_TASKS", escalation.SWEEP_TASKS)

    assert sweep_deadlines() == ["tests.core.recording_sweep"]
    assert ran == ["recording"]
