"""Issue 18: two beats started by mistake double nothing. On PostgreSQL, each periodic task run twice at
the same moment from two threads (two beats sending the same schedule to two workers) does its work
once: one email per person for the complaint digest and the weekly dashboard report, one new start per
lost import or export job for the shared sweep's re-queueing."""

import threading

import pytest
from django.core import mail
from django.db import connection
from django.http import QueryDict

from complaints import tasks as complaint_tasks
from core import exports
from core import tasks as core_tasks
from core.models import ExportJob, OutboxMessage
from core.outbox import outbox_drain
from dashboards.reports import tasks as report_tasks
from dashboards.reports import weekly
from tests.complaints.test_digest import clock, day_of_complaints, file_complaint, recipients  # noqa: F401
from tests.dashboards.test_reports_weekly import MONDAY_MORNING, desk, managers  # noqa: F401
from tests.factories import CustomerFactory

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: SQLite serialises writers and has no row locks",
    ),
    pytest.mark.django_db(transaction=True),
]


def twice_at_once(task) -> list:
    """Run `task` in two threads released together; each thread's result, or the error it raised."""
    start, results = threading.Barrier(2), []

    def run():
        try:
            start.wait()
            results.append(task())
        except Exception as error:  # pragma: no cover - reported by the assertions
            results.append(error)
        finally:
            connection.close()  # each thread has its own connection

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(results) == 2 and not [r for r in results if isinstance(r, Exception)], results
    return results


def test_two_digest_runs_at_once_email_each_person_once(day_of_complaints, recipients):  # noqa: F811
    twice_at_once(complaint_tasks.send_complaint_digests)

    keys = list(
        OutboxMessage.objects.filter(kind="complaint_digest").values_list("idempotency_key", flat=True)
    )
    assert len(keys) == len(set(keys)) == 3
    outbox_drain(channel="email")  # the senders started on commit sent them already (eager Celery)
    assert sorted(message.to[0] for message in mail.outbox) == [
        "cs@sz.example.com",
        "head@sz.example.com",
        "head@wh.example.com",
    ]


def test_two_weekly_report_runs_at_once_email_each_manager_once(desk, managers):  # noqa: F811
    import time_machine

    with time_machine.travel(MONDAY_MORNING, tick=False):
        twice_at_once(report_tasks.send_weekly_dashboard_reports)
        assert report_tasks.send_weekly_dashboard_reports() == 0  # and a third run finds it all done

    rows = list(OutboxMessage.objects.filter(kind=weekly.MESSAGE_KIND).values_list("recipient", flat=True))
    assert sorted(rows) == ["csm@sz.example.com", "head@sz.example.com", "head@wh.example.com"]
    outbox_drain(channel="email")  # the senders started on commit sent them already (eager Celery)
    assert sorted(message.to[0] for message in mail.outbox) == sorted(rows)  # one email each


def test_two_sweeps_at_once_send_a_lost_export_start_once(settings, city_head, project, monkeypatch):
    import datetime

    from django.utils import timezone

    settings.EXPORT_INLINE_ROWS = 0
    CustomerFactory(city_company=project.city_company)
    starts = []
    monkeypatch.setattr(exports, "_enqueue", starts.append)  # record the starts; none is run
    jobs = [
        exports.export_start(user=city_head, name="customers", data=QueryDict(), language="en")
        for _ in range(3)
    ]
    assert len(starts) == 3
    starts.clear()  # ... and lost: the broker was down
    later = timezone.now() + exports.LOST_START + datetime.timedelta(seconds=1)

    results = twice_at_once(lambda: exports.exports_requeue_lost(now=later))

    assert sum(result["requeued"] for result in results) == 3
    assert sorted(starts) == sorted(job.pk for job in jobs)  # each once
    assert set(ExportJob.objects.values_list("status", flat=True)) == {"queued"}
    assert core_tasks.requeue_lost_exports() == {"requeued": 0, "failed": 0}  # a minute later: not yet again
