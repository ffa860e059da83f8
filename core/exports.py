"""Excel exports of list pages, with the page's filters: small ones download at once, big ones run as a
Celery job with progress and a download link (no request is held open for minutes).

The kernel knows no app: each app registers its exporters from its AppConfig.ready()
(`register_exporter("work-orders", Exporter(...))`). An exporter says who may use it, which rows the
user's filters select (scoped: a `visible_to(user)` queryset), the header row, and how rows are
written. Personal data is always masked in a file: a workbook leaves the desk and the reveal log
(accounts) cannot follow it, so even a role that may reveal a phone on screen exports it masked. The
exporters mask the fields they know; every text cell is also scanned here for a mobile or ID number typed
into free text (a complaint's description, a note) and masked (core.masking.mask_personal_numbers).
"""

from __future__ import annotations

import datetime
import logging
import secrets
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from celery import current_app
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import QuerySet
from django.http import FileResponse, QueryDict
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from .excel import append_row
from .masking import mask_personal_numbers
from .models import ExportJob
from .replica import reading_replica
from .storage import stored_files_older_than

logger = logging.getLogger(__name__)

Status = ExportJob.Status
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Paging and form plumbing that travel with a page's query string but select nothing.
IGNORED_PARAMS = frozenset({"cursor", "after", "before", "csrfmiddlewaretoken", "page"})
PROGRESS_EVERY_SECONDS = 0.5
RUNNING_GIVE_UP = timedelta(hours=1)
RUN_TASK = "core.tasks.run_export_job"  # by name: core.tasks imports this module


@dataclass(frozen=True)
class Exporter:
    """One exportable list. `queryset(user, params)` is what the page shows under those filters, in
    the user's scope, ordered; `rows(queryset)` yields one list of cells per row, in the order of
    `headers()`, reading the queryset in chunks (a bounded number of queries per chunk)."""

    title: Callable[[], str]  # the sheet and file name
    may_export: Callable[[Any], bool]
    queryset: Callable[[Any, QueryDict], QuerySet]
    headers: Callable[[], list[str]]
    rows: Callable[[QuerySet], Iterator[list[Any]]]
    # Columns that depend on what is exported (a survey's questions): given the queryset, they
    # replace `headers()`.
    headers_for: Callable[[QuerySet], list[str]] | None = None


EXPORTERS: dict[str, Exporter] = {}


def register_exporter(name: str, exporter: Exporter) -> None:
    existing = EXPORTERS.get(name)
    if existing is not None and existing is not exporter:
        raise ImproperlyConfigured(f"Exporter {name!r} is registered twice.")
    EXPORTERS[name] = exporter


def exporter_for(*, user, name: str) -> Exporter:
    """The exporter `name` if the user may use it; LookupError if there is none, PermissionDenied."""
    exporter = EXPORTERS[name]
    if not exporter.may_export(user):
        raise PermissionDenied(_("Your role may not export this list."))
    return exporter


def export_params(data: QueryDict) -> dict[str, list[str]]:
    """The filters of a page's query string or form, as JSON (paging and CSRF dropped)."""
    return {key: data.getlist(key) for key in data if key not in IGNORED_PARAMS}


def _query_dict(params: dict[str, list[str]]) -> QueryDict:
    data = QueryDict(mutable=True)
    for key, values in params.items():
        data.setlist(key, list(values))
    return data


def export_file_name(exporter: Exporter, now: datetime.datetime | None = None) -> str:
    moment = timezone.localtime(now or timezone.now())
    return f"{exporter.title()}-{moment:%Y%m%d-%H%M}.xlsx"


def local_time(moment: datetime.datetime | None):
    """Excel has no time zones: a moment is written as local (Asia/Shanghai) wall time."""
    return timezone.localtime(moment).replace(tzinfo=None) if moment else None


def chunked(queryset: QuerySet, size: int = 2000) -> Iterator[list]:
    """The queryset's rows in lists of `size`, read with a server-side cursor (prefetches per chunk)."""
    chunk: list = []
    for item in queryset.iterator(chunk_size=size):
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def write_workbook(
    exporter: Exporter,
    queryset: QuerySet,
    stream,
    *,
    limit: int,
    progress: Callable[[int], None] | None = None,
) -> tuple[int, bool]:
    """Write up to `limit` rows as an .xlsx (write-only: rows go to disk as they are made).
    Returns (rows written, whether rows were left out). Every cell goes through `append_row`: text
    typed by owners and staff that looks like a formula stays text."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(str(exporter.title())[:31])
    sheet.freeze_panes = "A2"
    headers = exporter.headers_for(queryset) if exporter.headers_for else exporter.headers()
    append_row(sheet, [str(header) for header in headers], font=Font(bold=True))
    written, truncated = 0, False
    for row in exporter.rows(queryset):
        if written >= limit:
            truncated = True
            break
        append_row(sheet, [mask_personal_numbers(cell) if isinstance(cell, str) else cell for cell in row])
        written += 1
        if progress is not None:
            progress(written)
    workbook.save(stream)
    return written, truncated


def _rows_up_to(queryset: QuerySet, limit: int) -> int:
    """How many rows, counting no further than `limit` (never a full COUNT(*) over a big table)."""
    return queryset.order_by().values("pk")[:limit].count()


def export_start(*, user, name: str, data: QueryDict, language: str) -> FileResponse | ExportJob:
    """A small export as a download now; a big one as a queued job (its page shows the progress)."""
    exporter = exporter_for(user=user, name=name)
    params = export_params(data)
    inline_limit = settings.EXPORT_INLINE_ROWS
    with reading_replica():  # the rows read the replica when there is one; the job row, the primary
        queryset = exporter.queryset(user, _query_dict(params))
        inline = _rows_up_to(queryset, inline_limit + 1) <= inline_limit
        if inline:
            spool = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it when the download ends
            write_workbook(exporter, queryset, spool, limit=inline_limit)
    if inline:
        spool.seek(0)
        return FileResponse(
            spool, as_attachment=True, filename=export_file_name(exporter), content_type=XLSX_TYPE
        )
    job = ExportJob.objects.create(
        created_by=user,
        exporter=name,
        params=params,
        file_name=export_file_name(exporter),
        token=secrets.token_hex(16),
        language=language,
    )
    # Robust: with the broker down the job still stands (logged) and waits queued.
    transaction.on_commit(current_app.signature(RUN_TASK, args=(job.pk,)).delay, robust=True)
    return job


EXPORTS_FOLDER = "exports"


def export_job_file_name(job: ExportJob) -> str:
    """The workbook's name in the default storage (STORAGES: a folder, or S3 shared by every machine:
    the worker that writes it and the web machine that serves it need not be the same)."""
    return f"{EXPORTS_FOLDER}/{job.token}.xlsx"


def export_job_run(*, job_id: int) -> str | None:
    """The body of the Celery task: claim a queued job, write its workbook, record the outcome.
    A second delivery finds the job claimed and does nothing."""
    job = ExportJob.objects.select_related("created_by").filter(pk=job_id, status=Status.QUEUED).first()
    if job is None:
        return None
    now = timezone.now()
    if not ExportJob.objects.filter(pk=job.pk, status=Status.QUEUED).update(
        status=Status.RUNNING, updated_at=now
    ):
        return None
    file_name = export_job_file_name(job)
    fields: dict[str, Any]
    try:
        with translation.override(job.language):
            # The rights of now, not of when the job was queued: a role changed since stops it.
            exporter = exporter_for(user=job.created_by, name=job.exporter)
            # The rows read the replica when there is one (the job's own rows: the primary, always).
            with reading_replica():
                queryset = exporter.queryset(job.created_by, _query_dict(job.params))
                limit = settings.EXPORT_MAX_ROWS
                total = _rows_up_to(queryset, limit)
                ExportJob.objects.filter(pk=job.pk).update(progress_total=total, updated_at=timezone.now())
                with tempfile.TemporaryFile() as stream:
                    written, truncated = write_workbook(
                        exporter, queryset, stream, limit=limit, progress=_progress_writer(job.pk, total)
                    )
                    stream.seek(0)
                    default_storage.delete(file_name)  # a rerun's: save() would pick another name
                    default_storage.save(file_name, File(stream))
    except Exception as error:  # a bug, a lost right, the soft time limit: the job says so
        logger.exception("export job %s failed", job.pk)
        default_storage.delete(file_name)
        with translation.override(job.language):
            message = (
                str(error)
                if isinstance(error, PermissionDenied)
                else _("The export stopped unexpectedly. Try again or ask support.")
            )
        fields = {"status": Status.FAILED, "error": message}
    else:
        fields = {
            "status": Status.DONE,
            "progress_done": written,
            "progress_total": written,
            "truncated": truncated,
        }
    finished = timezone.now()
    ExportJob.objects.filter(pk=job.pk, status=Status.RUNNING).update(
        params={}, finished_at=finished, updated_at=finished, **fields
    )
    return fields["status"]


def _progress_writer(job_id: int, total: int):
    last = 0.0

    def write(done: int) -> None:
        nonlocal last
        moment = time.monotonic()
        if done < total and moment - last < PROGRESS_EVERY_SECONDS:
            return
        last = moment
        ExportJob.objects.filter(pk=job_id).update(progress_done=done, updated_at=timezone.now())

    return write


def export_job_for(*, user, pk: int) -> ExportJob:
    """The user's own export job (anyone else's is DoesNotExist: a 404, as if it did not exist)."""
    return ExportJob.objects.get(pk=pk, created_by=user)


def exports_expire(*, now=None) -> int:
    """Files of finished exports older than EXPORT_KEEP_HOURS deleted, jobs whose worker died marked
    failed, and any file no live job holds removed. Idempotent (Celery beat, hourly)."""
    now = now or timezone.now()
    keep = timedelta(hours=settings.EXPORT_KEEP_HOURS)
    closed = 0
    stale: Iterable[tuple[tuple[str, ...], datetime.datetime, str]] = (
        ((Status.DONE,), now - keep, Status.EXPIRED),
        (Status.running(), now - RUNNING_GIVE_UP, Status.FAILED),
    )
    for statuses, since, new_status in stale:
        for job in ExportJob.objects.filter(status__in=statuses, updated_at__lt=since):
            if ExportJob.objects.filter(pk=job.pk, status=job.status, updated_at=job.updated_at).update(
                status=new_status, params={}, finished_at=job.finished_at or now, updated_at=now
            ):
                default_storage.delete(export_job_file_name(job))
                closed += 1
    live = set(
        ExportJob.objects.filter(status__in=(*Status.running(), Status.DONE)).values_list("token", flat=True)
    )
    for name in stored_files_older_than(EXPORTS_FOLDER, now - keep, keep_stems=live):
        default_storage.delete(name)
    return closed
