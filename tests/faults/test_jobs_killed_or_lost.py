"""Issue 18, the Excel jobs: an import or an export whose worker is killed mid-job (a SystemExit, which
the job's own `except Exception` does not catch, as a SIGKILL would not let it) writes nothing half, is
failed by the shared sweep within minutes, and the user's rerun completes exactly once; a job whose
start was lost (the broker down when it was queued, a worker killed before its claim) is queued again
by the shared sweep a few minutes later, once however many sweeps run, and runs once."""

import datetime
import io

import pytest
import time_machine
from django.core.files.storage import default_storage
from django.http import QueryDict
from django.utils import timezone
from openpyxl import load_workbook

from core import exports
from core.models import ExportJob
from core.tasks import sweep_deadlines
from customers import import_jobs
from customers.importing import writing
from customers.models import Contract, Customer, ImportJob
from properties.models import Unit
from tests.customers.test_import import valid_rows, workbook
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

SECOND = datetime.timedelta(seconds=1)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def _upload():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("units.xlsx", workbook(valid_rows()).getvalue())


def _checked_import(importer, capture) -> ImportJob:
    with capture(execute=True):  # the check runs on commit (eager Celery)
        job = import_jobs.import_job_start(by=importer, upload=_upload(), language="en")
    assert ImportJob.objects.get(pk=job.pk).status == ImportJob.Status.CHECKED
    return job


def _import_counts() -> tuple[int, int, int]:
    return Unit.objects.count(), Customer.objects.count(), Contract.objects.count()


# --- the import ------------------------------------------------------------------------------------------


def test_an_import_killed_mid_write_leaves_nothing_is_failed_within_minutes_and_a_rerun_imports_once(
    city_head, project, media, monkeypatch, django_capture_on_commit_callbacks
):
    job = _checked_import(city_head, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks() as start:
        import_jobs.import_job_confirm(job=job, by=city_head)
    real = writing._bulk_create

    def killed_at_the_customers(model, objects):
        if model is Customer:  # projects, buildings and units are written by now
            raise SystemExit("worker killed")
        real(model, objects)

    monkeypatch.setattr(writing, "_bulk_create", killed_at_the_customers)
    killed_at = timezone.now()
    with pytest.raises(SystemExit):
        start[0]()
    monkeypatch.undo()

    job.refresh_from_db()
    assert job.status == ImportJob.Status.IMPORTING  # claimed, and nobody left to finish it
    assert _import_counts() == (0, 0, 0)  # one transaction: the units written before the kill rolled back
    # The shared sweep: not while the worker might still run (its hard limit is 300 s), then failed.
    assert import_jobs.import_jobs_requeue_lost(now=killed_at + import_jobs.RUNNING_DEAD - SECOND) == {
        "requeued": 0,
        "failed": 0,
    }
    assert datetime.timedelta(minutes=10) >= import_jobs.RUNNING_DEAD
    after = killed_at + import_jobs.RUNNING_DEAD + SECOND
    assert import_jobs.import_jobs_requeue_lost(now=after) == {"requeued": 0, "failed": 1}
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and "Upload the file again" in job.report["file_errors"][0]
    assert not default_storage.exists(import_jobs.import_job_file_name(job))
    assert import_jobs.import_job_run(job_id=job.pk) is None  # the broker's late redelivery does nothing

    # The user uploads the file again: everything is imported once.
    rerun = _checked_import(city_head, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        import_jobs.import_job_confirm(job=rerun, by=city_head)
    rerun.refresh_from_db()
    assert rerun.status == ImportJob.Status.DONE
    counts = _import_counts()
    assert counts[0] == rerun.report["created"]["units"] == 2
    assert counts[2] == rerun.report["created"]["contracts"] == 2
    assert counts[1] == rerun.report["created"]["customers"] > 0
    assert Customer.objects.values("name").distinct().count() == counts[1]  # nobody twice

    # And once more (a user unsure it worked): the rows are recognised, nothing is written twice.
    again = _checked_import(city_head, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        import_jobs.import_job_confirm(job=again, by=city_head)
    assert ImportJob.objects.get(pk=again.pk).status == ImportJob.Status.DONE
    assert _import_counts() == counts


def test_an_import_whose_start_was_lost_is_queued_again_by_the_sweep_and_runs_once(
    city_head, project, media, django_capture_on_commit_callbacks
):
    start = timezone.now()
    with django_capture_on_commit_callbacks():  # the start is lost: the broker was down
        job = import_jobs.import_job_start(by=city_head, upload=_upload(), language="en")
    assert job.status == ImportJob.Status.CHECK_QUEUED

    with (
        django_capture_on_commit_callbacks(execute=True) as sent,
        time_machine.travel(start + import_jobs.LOST_START - SECOND, tick=False),
    ):
        sweep_deadlines()  # beat's shared sweep
    assert len(sent) == 0
    assert ImportJob.objects.get(pk=job.pk).status == ImportJob.Status.CHECK_QUEUED
    assert datetime.timedelta(minutes=5) >= import_jobs.LOST_START
    with (
        django_capture_on_commit_callbacks(execute=True) as sent,
        time_machine.travel(start + import_jobs.LOST_START + SECOND, tick=False),
    ):
        sweep_deadlines()
    assert len(sent) == 1  # its start, sent again
    job.refresh_from_db()
    assert job.status == ImportJob.Status.CHECKED

    # The import step's start is lost too: queued again, and a second start sent meanwhile runs nothing.
    with django_capture_on_commit_callbacks():
        import_jobs.import_job_confirm(job=job, by=city_head)
    confirmed = ImportJob.objects.get(pk=job.pk).updated_at
    later = confirmed + import_jobs.LOST_START + SECOND
    with django_capture_on_commit_callbacks(execute=True) as sent:
        assert import_jobs.import_jobs_requeue_lost(now=later) == {"requeued": 1, "failed": 0}
        assert import_jobs.import_jobs_requeue_lost(now=later) == {
            "requeued": 0,
            "failed": 0,
        }  # a second sweep
    assert len(sent) == 1
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE and _import_counts()[0] == 2
    assert import_jobs.import_job_run(job_id=job.pk) is None  # the lost start delivered after all: nothing


def test_a_queued_import_is_sent_again_every_few_minutes_until_a_worker_claims_it(
    city_head, project, media, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks():
        job = import_jobs.import_job_start(by=city_head, upload=_upload(), language="en")
    first = ImportJob.objects.get(pk=job.pk).updated_at + import_jobs.LOST_START + SECOND
    with django_capture_on_commit_callbacks() as sent:  # sent again, and lost again
        assert import_jobs.import_jobs_requeue_lost(now=first)["requeued"] == 1
        assert import_jobs.import_jobs_requeue_lost(now=first + import_jobs.LOST_START)["requeued"] == 0
        assert (
            import_jobs.import_jobs_requeue_lost(now=first + import_jobs.LOST_START + SECOND)["requeued"] == 1
        )
    assert len(sent) == 2
    assert ImportJob.objects.get(pk=job.pk).status == ImportJob.Status.CHECK_QUEUED  # not given up


# --- the export ------------------------------------------------------------------------------------------


def _big_export(settings, city_head, project, rows: int = 5) -> ExportJob:
    settings.EXPORT_INLINE_ROWS = 0
    for n in range(rows):
        CustomerFactory(city_company=project.city_company, name=f"客户{n}")
    # export_start enqueues on commit: the test's transaction never commits, so the start waits here.
    return exports.export_start(user=city_head, name="customers", data=QueryDict(), language="en")


def _sheet_names(job: ExportJob) -> list[str]:
    with default_storage.open(exports.export_job_file_name(job), "rb") as stored:
        sheet = load_workbook(io.BytesIO(stored.read()), read_only=True).active
        return [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]


def test_an_export_killed_mid_write_leaves_no_file_is_failed_within_minutes_and_a_rerun_writes_each_row_once(
    settings, city_head, project, media, monkeypatch
):
    job = _big_export(settings, city_head, project)
    real, calls = exports.append_row, []

    def killed_after_three_rows(sheet, cells, **kwargs):
        calls.append(cells)
        if len(calls) == 5:  # the header and three rows written
            raise SystemExit("worker killed")
        real(sheet, cells, **kwargs)

    monkeypatch.setattr(exports, "append_row", killed_after_three_rows)
    killed_at = timezone.now()
    with pytest.raises(SystemExit):
        exports.export_job_run(job_id=job.pk)
    monkeypatch.undo()

    job.refresh_from_db()
    assert job.status == ExportJob.Status.RUNNING
    assert not (media / "exports").exists() or not any((media / "exports").iterdir())  # no half file
    assert exports.exports_requeue_lost(now=killed_at + exports.RUNNING_DEAD - SECOND) == {
        "requeued": 0,
        "failed": 0,
    }
    assert datetime.timedelta(minutes=20) >= exports.RUNNING_DEAD
    assert exports.exports_requeue_lost(now=killed_at + exports.RUNNING_DEAD + SECOND) == {
        "requeued": 0,
        "failed": 1,
    }
    job.refresh_from_db()
    assert job.status == ExportJob.Status.FAILED and "Export again" in job.error and job.params == {}
    assert exports.export_job_run(job_id=job.pk) is None  # the broker's late redelivery does nothing

    rerun = exports.export_start(user=city_head, name="customers", data=QueryDict(), language="en")
    assert exports.export_job_run(job_id=rerun.pk) == ExportJob.Status.DONE
    names = _sheet_names(rerun)
    assert sorted(names) == [f"客户{n}" for n in range(5)]  # each row once, none missing
    assert [path.name for path in (media / "exports").iterdir()] == [f"{rerun.token}.xlsx"]


def test_an_export_whose_start_was_lost_is_queued_again_by_the_sweep_and_runs_once(
    settings, city_head, project, media, django_capture_on_commit_callbacks
):
    job = _big_export(settings, city_head, project, rows=3)
    queued = ExportJob.objects.get(pk=job.pk).updated_at

    with (
        django_capture_on_commit_callbacks(execute=True) as sent,
        time_machine.travel(queued + exports.LOST_START - SECOND, tick=False),
    ):
        sweep_deadlines()
    assert len(sent) == 0
    assert ExportJob.objects.get(pk=job.pk).status == ExportJob.Status.QUEUED
    assert datetime.timedelta(minutes=5) >= exports.LOST_START
    with (
        django_capture_on_commit_callbacks(execute=True) as sent,
        time_machine.travel(queued + exports.LOST_START + SECOND, tick=False),
    ):
        sweep_deadlines()
        sweep_deadlines()  # a second beat, or the next minute's run before the worker got to it
    assert len(sent) == 1
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE and sorted(_sheet_names(job)) == ["客户0", "客户1", "客户2"]
    assert exports.export_job_run(job_id=job.pk) is None  # the lost start delivered after all: nothing
