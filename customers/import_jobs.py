"""The Excel import as background jobs: upload → check (a Celery job) → confirm → import (another job).

A web request only stores the upload and queues a job, so a large or hostile workbook never holds a
web worker. Each job claims its ImportJob row with a conditional UPDATE (a task delivered twice runs
once), reports its progress on the row, stores the report, and deletes the uploaded file unless the
file still waits for the user's confirmation. `import_jobs_expire_stale` (Celery beat, hourly)
deletes what was abandoned.
"""

from __future__ import annotations

import logging
import secrets
import time
from datetime import timedelta

from celery import current_app
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.storage import stored_files_older_than

from .importing import ImportFileError, customer_workbook_import
from .models import ImportJob

logger = logging.getLogger(__name__)

Status = ImportJob.Status
# A queued or running job not finished after this long lost its worker (killed at the time limit,
# a broker restart): it is marked failed and its file deleted. Nothing was written (one transaction).
RUNNING_GIVE_UP = timedelta(hours=1)
PROGRESS_EVERY_SECONDS = 0.5


# The task that runs a job's step, named rather than imported: customers.tasks imports this module (a
# task module imports the work it schedules, never the reverse). CustomersConfig.ready() registers it
# in every process, so the signature runs the task itself (its options; inline in eager mode).
RUN_TASK = "customers.tasks.run_import_job"


IMPORTS_FOLDER = "imports"


def import_job_file_name(job: ImportJob) -> str:
    """The upload's name in the default storage (a folder, or S3 shared by every machine: the web
    machine that stores it and the worker that reads it need not be the same)."""
    return f"{IMPORTS_FOLDER}/{job.token}.xlsx"


def import_job_start(*, by, upload, language: str) -> ImportJob:
    """Store an upload (already checked by WorkbookUploadForm) and queue its check."""
    if not by.may_edit_customers():
        raise PermissionDenied(_("Your role may not import customers."))
    job = ImportJob(
        created_by=by, file_name=upload.name[:255], token=secrets.token_hex(16), language=language
    )
    stored_name = default_storage.save(import_job_file_name(job), upload)
    if stored_name != import_job_file_name(job):  # the token names one file only; never seen
        default_storage.delete(stored_name)
        raise RuntimeError("An import's file name is taken.")
    try:
        job.save()
    except BaseException:
        _delete_file(job)
        raise
    _enqueue(job)
    return job


def import_job_confirm(*, job: ImportJob, by) -> ImportJob:
    """Queue the import of a checked upload (it is checked again: the data may have changed since)."""
    if job.created_by_id != by.pk:
        raise PermissionDenied(_("This import is someone else's."))
    claimed = ImportJob.objects.filter(pk=job.pk, status=Status.CHECKED).update(
        status=Status.IMPORT_QUEUED, progress_done=0, progress_total=0, updated_at=timezone.now()
    )
    if not claimed:
        raise ValidationError(_("This upload has expired or was already imported. Upload the file again."))
    job.refresh_from_db()
    _enqueue(job)
    return job


def import_job_cancel(*, job: ImportJob, by) -> ImportJob:
    """Drop a checked upload that will not be imported: its file goes at once."""
    if job.created_by_id != by.pk:
        raise PermissionDenied(_("This import is someone else's."))
    now = timezone.now()
    if ImportJob.objects.filter(pk=job.pk, status=Status.CHECKED).update(
        status=Status.CANCELLED, finished_at=now, updated_at=now
    ):
        _delete_file(job)
    job.refresh_from_db()
    return job


def _enqueue(job: ImportJob) -> None:
    # Robust: with the broker down the upload still stands (logged); the job waits queued.
    transaction.on_commit(current_app.signature(RUN_TASK, args=(job.pk,)).delay, robust=True)


def import_job_run(*, job_id: int) -> str | None:
    """The body of the Celery task: run the queued step of a job once. Returns the status it ended in,
    or None when there was nothing to do (the job is gone, or another delivery ran it)."""
    job = ImportJob.objects.select_related("created_by").filter(pk=job_id).first()
    if job is None:
        return None
    steps = {Status.CHECK_QUEUED: Status.CHECKING, Status.IMPORT_QUEUED: Status.IMPORTING}
    if job.status not in steps:
        return None
    now = timezone.now()
    running = steps[Status(job.status)]
    claimed = ImportJob.objects.filter(pk=job.pk, status=job.status).update(
        status=running, started_at=now, updated_at=now
    )
    if not claimed:
        return None
    cache.delete(_progress_key(job.pk))  # the check's, when the import starts
    dry_run = running == Status.CHECKING
    report: dict
    try:
        with (
            translation.override(job.language),
            default_storage.open(import_job_file_name(job), "rb") as source,
        ):
            result = customer_workbook_import(
                by=job.created_by,
                source=source,
                dry_run=dry_run,
                progress=_progress_writer(job.pk),
                max_rows=settings.IMPORT_MAX_ROWS,
                max_bytes=settings.IMPORT_MAX_BYTES,
            )
    except (ImportFileError, PermissionDenied) as error:
        status, report = Status.FAILED, {"file_errors": getattr(error, "messages", None) or [str(error)]}
    except FileNotFoundError:
        status, report = Status.FAILED, {"file_errors": [_("The uploaded file is gone. Upload it again.")]}
    except Exception:  # a bug or the soft time limit: the job says so; nothing was written
        logger.exception("import job %s failed", job.pk)
        with translation.override(job.language):
            message = _("The import stopped unexpectedly; nothing was written. Try again or ask support.")
        status, report = Status.FAILED, {"file_errors": [message]}
    else:
        report = result.to_report()
        status = Status.REJECTED if result.errors else Status.CHECKED if dry_run else Status.DONE
    finished = timezone.now()
    ImportJob.objects.filter(pk=job.pk, status=running).update(
        status=status, report=report, finished_at=finished, updated_at=finished
    )
    cache.delete(_progress_key(job.pk))
    if status != Status.CHECKED:
        _delete_file(job)
    return status


def _progress_key(job_id: int) -> str:
    return f"import-job-progress:{job_id}"


def _progress_writer(job_id: int):
    """Progress goes to the row and to the cache. The import writes in one transaction, and the row's
    progress written inside it stays invisible to the page polling it until the commit: the cache
    (Redis, shared by the workers and the web) shows it meanwhile."""
    last = 0.0

    def write(done: int, total: int) -> None:
        nonlocal last
        moment = time.monotonic()
        if done < total and moment - last < PROGRESS_EVERY_SECONDS:
            return
        last = moment
        cache.set(_progress_key(job_id), (done, total), timeout=int(RUNNING_GIVE_UP.total_seconds()))
        ImportJob.objects.filter(pk=job_id).update(
            progress_done=done, progress_total=total, updated_at=timezone.now()
        )

    return write


def import_job_progress(job: ImportJob) -> tuple[int, int, int]:
    """(done, total, percent) of a job, the furthest of what its row and the cache say."""
    done, total = job.progress_done, job.progress_total
    cached = cache.get(_progress_key(job.pk)) if job.is_running else None
    if cached and cached[0] * max(total, 1) >= done * cached[1]:  # the cache is as far or further
        done, total = cached
    percent = min(100, 100 * done // total) if total else 0
    return done, total, percent


def import_jobs_expire_stale(*, now=None) -> int:
    """Checked uploads never confirmed, and jobs whose worker died: closed, their files deleted; then
    any file in the imports folder that no live job holds (older than the stale age). Idempotent."""
    now = now or timezone.now()
    stale_after = timedelta(hours=settings.IMPORT_STALE_HOURS)
    closed = 0
    for status, since, new_status in (
        ((Status.CHECKED,), now - stale_after, Status.EXPIRED),
        (Status.running(), now - RUNNING_GIVE_UP, Status.FAILED),
    ):
        for job in ImportJob.objects.filter(status__in=status, updated_at__lt=since):
            report = job.report
            if new_status == Status.FAILED:
                with translation.override(job.language):
                    message = _(
                        "The job stopped before it finished. Upload the file again: rows already"
                        " imported are recognised and not written twice."
                    )
                report = {"file_errors": [message]}
            if ImportJob.objects.filter(pk=job.pk, status=job.status, updated_at=job.updated_at).update(
                status=new_status, report=report, finished_at=now, updated_at=now
            ):
                _delete_file(job)
                closed += 1
    live = set(ImportJob.objects.filter(status__in=Status.holding_file()).values_list("token", flat=True))
    for name in stored_files_older_than(IMPORTS_FOLDER, now - stale_after, keep_stems=live):
        default_storage.delete(name)
    return closed


def _delete_file(job: ImportJob) -> None:
    default_storage.delete(import_job_file_name(job))
