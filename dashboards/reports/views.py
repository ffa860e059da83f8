"""The reports' pages: the dashboard's Excel workbook, the printable report and its PDF.

The same access rules as the dashboards page: a role that reads dashboards, a city company or project
inside the user's scope (403 otherwise), a readable period (400 with the field's message otherwise).
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode

from core.exports import XLSX_TYPE
from dashboards.measures.base import Period, PeriodKind

from .charts import trend_svg
from .display import panel_views
from .pdf import dashboard_pdf, pdf_file_name
from .selectors import dashboard_report, last_full_month
from .workbook import dashboard_workbook, workbook_file_name

# TODO(dashapi): wrap these views in core.replica.reading_replica() once core/replica.py is merged.


def _bad_request_as_400(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except ValidationError as error:
            return render(request, "400.html", {"message": " ".join(error.messages)}, status=400)

    return login_required(wrapper)


def _download(content: bytes, content_type: str, file_name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{file_name}"'
    response["Cache-Control"] = "private, no-store"
    return response


@_bad_request_as_400
def export(request):
    """The dashboard of ?period=…&city=…|project=… as an .xlsx, downloaded at once."""
    report = dashboard_report(user=request.user, params=request.GET, fresh=request.GET.get("fresh") == "1")
    return _download(dashboard_workbook(report), XLSX_TYPE, workbook_file_name(report))


def _report_query(report) -> str:
    return urlencode({**report.period.query(), **report.scope.query()})


@_bad_request_as_400
def report(request):
    """The printable report: last month unless the query chooses a period; A4 when printed."""
    report = dashboard_report(user=request.user, params=request.GET, default_period=last_full_month())
    query = _report_query(report)
    charts = {
        figure.measure.key: trend_svg(figure, report.period)
        for panel in report.recording_panels
        for figure in panel.figures
        if figure.trend
    }
    period, scope_query = report.period, report.scope.query()
    earlier = period.previous()
    later = None if period.kind == PeriodKind.CUSTOM else Period.containing(period.kind, period.end)
    return render(
        request,
        "dashboards/report.html",
        {
            "report": report,
            "panels": panel_views(report, charts=charts),
            "previous_url": "?" + urlencode({**earlier.query(), **scope_query}),
            "next_url": "?" + urlencode({**later.query(), **scope_query}) if later else None,
            "pdf_url": f"{reverse('dashboards:report-pdf')}?{query}",
            "export_url": f"{reverse('dashboards:export')}?{query}",
            "dashboard_url": f"{reverse('dashboards')}?{query}",
        },
    )


@_bad_request_as_400
def report_pdf(request):
    """The same report as a PDF file (reportlab: no browser, its own CID font for Chinese)."""
    report = dashboard_report(user=request.user, params=request.GET, default_period=last_full_month())
    return _download(dashboard_pdf(report), "application/pdf", pdf_file_name(report))
