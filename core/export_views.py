"""The export pages: start an export (a download, or a job), follow a job, download its workbook."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from . import exports
from .models import ExportJob


@login_required
@require_http_methods(["GET", "POST"])
def export_start(request: HttpRequest, name: str) -> HttpResponse:
    """The Export button of a list: GET carries the page's query string; a page whose filter form
    posts (the customer list: its search text may be a phone number) posts here the same form."""
    data = request.POST if request.method == "POST" else request.GET
    try:
        result = exports.export_start(user=request.user, name=name, data=data, language=get_language())
    except LookupError:
        raise Http404(_("No such export.")) from None
    if isinstance(result, ExportJob):
        return redirect("exports:job", pk=result.pk)
    return result


def _job_or_404(request: HttpRequest, pk: int) -> ExportJob:
    try:
        return exports.export_job_for(user=request.user, pk=pk)
    except ExportJob.DoesNotExist:
        raise Http404(_("No such export.")) from None


@login_required
@require_GET
def export_job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "exports/job.html", {"job": _job_or_404(request, pk)})


@login_required
@require_GET
def export_job_status(request: HttpRequest, pk: int) -> JsonResponse:
    """What the job page polls while the job runs."""
    job = _job_or_404(request, pk)
    response = JsonResponse(
        {
            "status": job.status,
            "status_label": job.get_status_display(),
            "running": job.is_running,
            "done": job.progress_done,
            "total": job.progress_total,
            "percent": job.percent,
        }
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def export_job_download(request: HttpRequest, pk: int) -> FileResponse:
    """The workbook, to the user who asked for it only (anyone else: 404)."""
    job = _job_or_404(request, pk)
    if job.status != ExportJob.Status.DONE:
        raise Http404(_("This export is not ready or has expired."))
    try:
        handle = default_storage.open(exports.export_job_file_name(job), "rb")
    except OSError as exc:
        raise Http404(_("This export is not ready or has expired.")) from exc
    response = FileResponse(
        handle, as_attachment=True, filename=job.file_name, content_type=exports.XLSX_TYPE
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
