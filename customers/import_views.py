"""The Excel import page: upload → dry-run report → confirm. Nothing is written before the confirmation."""

from __future__ import annotations

import re
import secrets
import time
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from .importing import ImportFileError, customer_workbook_import, workbook_template

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
SESSION_KEY = "customer_import"
STALE_AFTER_SECONDS = 24 * 3600
_TOKEN_RE = re.compile(r"^[0-9a-f]{32}$")
_XLSX_MAGIC = b"PK\x03\x04"  # an .xlsx is a zip archive


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
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(size)s MB.") % {"size": MAX_UPLOAD_BYTES // (1024 * 1024)},
                code="size",
            )
        head = upload.read(4)
        upload.seek(0)
        if head != _XLSX_MAGIC:
            raise forms.ValidationError(_("This file is not an Excel workbook (.xlsx)."), code="format")
        return upload


def _imports_dir() -> Path:
    directory = Path(settings.MEDIA_ROOT) / "imports"
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def _store(upload) -> str:
    directory = _imports_dir()
    cutoff = time.time() - STALE_AFTER_SECONDS
    for stale in directory.glob("*.xlsx"):  # uploads never confirmed
        if stale.stat().st_mtime < cutoff:
            stale.unlink(missing_ok=True)
    token = secrets.token_hex(16)
    with open(directory / f"{token}.xlsx", "wb") as stored:
        for chunk in upload.chunks():
            stored.write(chunk)
    return token


def _stored_path(token: str) -> Path:
    return _imports_dir() / f"{token}.xlsx"


def _forget(request: HttpRequest, token: str | None) -> None:
    request.session.pop(SESSION_KEY, None)
    if token and _TOKEN_RE.match(token):
        _stored_path(token).unlink(missing_ok=True)


@login_required
@require_http_methods(["GET", "POST"])
def customer_import(request: HttpRequest) -> HttpResponse:
    if not request.user.may_edit_customers():
        raise PermissionDenied(_("Your role may not import customers."))
    if request.method == "GET" and request.GET.get("template"):
        response = HttpResponse(
            workbook_template(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = 'attachment; filename="customer-import-template.xlsx"'
        return response
    if request.method == "POST" and "token" in request.POST:
        return _confirm(request)
    form = WorkbookUploadForm(request.POST or None, request.FILES or None)
    context: dict = {"form": form, "max_rows": MAX_ROWS}
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        _forget(request, (request.session.get(SESSION_KEY) or {}).get("token"))
        token = _store(upload)
        try:
            result = customer_workbook_import(
                by=request.user, source=str(_stored_path(token)), dry_run=True, max_rows=MAX_ROWS
            )
        except ImportFileError as error:
            _forget(request, token)
            form.add_error("file", error.messages)
            return render(request, "customers/import.html", context)
        if result.ok:
            request.session[SESSION_KEY] = {"token": token, "name": upload.name}
            context["token"] = token
        else:
            _forget(request, token)
        context.update(result=result, file_name=upload.name)
    return render(request, "customers/import.html", context)


def _confirm(request: HttpRequest) -> HttpResponse:
    """Second step: write the file checked in the first step (checked again: data may have changed since)."""
    token = request.POST.get("token", "")
    pending = request.session.get(SESSION_KEY) or {}
    context: dict = {"form": WorkbookUploadForm(), "max_rows": MAX_ROWS}
    if not _TOKEN_RE.match(token) or pending.get("token") != token or not _stored_path(token).exists():
        context["page_errors"] = [
            _("This upload has expired or was already imported. Upload the file again.")
        ]
        return render(request, "customers/import.html", context, status=400)
    try:
        result = customer_workbook_import(
            by=request.user, source=str(_stored_path(token)), dry_run=False, max_rows=MAX_ROWS
        )
    except ImportFileError as error:
        context["page_errors"] = error.messages
        result = None
    finally:
        _forget(request, token)
    context.update(result=result, file_name=pending.get("name", ""))
    return render(request, "customers/import.html", context)
