"""The Excel import pages: upload → the check runs as a job (progress bar) → its report → confirm → the
import runs as a job → its report. Nothing is written before the confirmation; no web request parses
a workbook (customers.import_jobs)."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import import_jobs, selectors
from .importing import ImportFileError, ImportResult, check_workbook_archive, workbook_template
from .models import ImportJob

_XLSX_MAGIC = b"PK\x03\x04"  # an .xlsx is a zip archive
# Room for the multipart envelope around the file itself.
_REQUEST_OVERHEAD_BYTES = 64 * 1024


class WorkbookUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Workbook (.xlsx)"),
        widget=forms.FileInput(
            attrs={
                "class": "form-control",
                "accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            }
        ),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".xlsx"):
            raise forms.ValidationError(_("Upload an Excel workbook (.xlsx)."), code="extension")
        if upload.size > settings.IMPORT_MAX_BYTES:
            raise forms.ValidationError(_too_large_message(), code="size")
        head = upload.read(4)
        upload.seek(0)
        if head != _XLSX_MAGIC:
            raise forms.ValidationError(_("This file is not an Excel workbook (.xlsx)."), code="format")
        try:
            # The zip's directory only: a zip bomb is refused before any job parses it.
            check_workbook_archive(upload.file, max_bytes=settings.IMPORT_MAX_BYTES)
        except ImportFileError as error:
            raise forms.ValidationError(error.messages, code="archive") from None
        return upload


def _too_large_message() -> str:
    return _("The file is larger than %(size)s MB.") % {
        "size": f"{settings.IMPORT_MAX_BYTES / 1024 / 1024:g}"
    }


def _require_importer(user) -> None:
    if not user.may_edit_customers():
        raise PermissionDenied(_("Your role may not import customers."))


def _page(request: HttpRequest, form: WorkbookUploadForm, status: int = 200, page_errors=()) -> HttpResponse:
    context = {"form": form, "max_rows": settings.IMPORT_MAX_ROWS, "page_errors": page_errors}
    return render(request, "customers/import.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def customer_import(request: HttpRequest) -> HttpResponse:
    _require_importer(request.user)
    if request.method == "GET" and request.GET.get("template"):
        response = HttpResponse(
            workbook_template(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = 'attachment; filename="customer-import-template.xlsx"'
        return response
    if request.method == "GET":
        return _page(request, WorkbookUploadForm())
    declared = int(request.META.get("CONTENT_LENGTH") or 0)
    if declared > settings.IMPORT_MAX_BYTES + _REQUEST_OVERHEAD_BYTES:
        # Refused on the declared length, before the body is read.
        return _page(request, WorkbookUploadForm(), status=413, page_errors=[_too_large_message()])
    form = WorkbookUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, form)
    job = import_jobs.import_job_start(
        by=request.user, upload=form.cleaned_data["file"], language=get_language()
    )
    return redirect("customers:import-job", pk=job.pk)


def _job_or_404(request: HttpRequest, pk: int) -> ImportJob:
    _require_importer(request.user)
    try:
        return selectors.import_job_for(user=request.user, pk=pk)
    except ImportJob.DoesNotExist:
        raise Http404(_("No such import.")) from None


@login_required
@require_GET
def import_job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job_or_404(request, pk)
    # The bar starts where the job is, also mid-transaction (shown only, never saved).
    job.progress_done, job.progress_total, _percent = import_jobs.import_job_progress(job)
    report = job.report or {}
    result = ImportResult.from_report(report) if "rows" in report else None
    context = {
        "job": job,
        "result": result,
        "page_errors": report.get("file_errors", []),
        "max_rows": settings.IMPORT_MAX_ROWS,
    }
    return render(request, "customers/import_job.html", context)


@login_required
@require_GET
def import_job_status(request: HttpRequest, pk: int) -> JsonResponse:
    """What the job page polls while the job runs."""
    job = _job_or_404(request, pk)
    done, total, percent = import_jobs.import_job_progress(job)
    response = JsonResponse(
        {
            "status": job.status,
            "status_label": job.get_status_display(),
            "running": job.is_running,
            "done": done,
            "total": total,
            "percent": percent,
        }
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def import_job_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job_or_404(request, pk)
    try:
        import_jobs.import_job_confirm(job=job, by=request.user)
    except ValidationError as error:
        context = {
            "job": job,
            "result": None,
            "page_errors": error.messages,
            "max_rows": settings.IMPORT_MAX_ROWS,
        }
        return render(request, "customers/import_job.html", context, status=400)
    return redirect("customers:import-job", pk=job.pk)


@login_required
@require_POST
def import_job_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job_or_404(request, pk)
    import_jobs.import_job_cancel(job=job, by=request.user)
    messages.info(request, _("The upload was dropped; nothing was imported."))
    return redirect("customers:import")
