"""The Excel workbook of a dashboard: every table the page shows, formatted for reading and reuse.

Sheets: the headline figures (panel, measure, value, previous, change, unit, key), each figure's trend,
each panel's side-by-side table (city companies or projects × the panel's measures), each breakdown,
and what the workbook covers. Bold header rows, frozen under the header (and beside the row labels),
number formats by the measure's unit (percent, decimals, thousands), columns as wide as their text.
Every cell goes through core.excel (a project or category name that looks like a formula stays text).

A dashboard is a few hundred cells: the workbook is built in memory and downloaded at once, no job.
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from core.excel import append_row
from core.exports import local_time
from dashboards.measures.base import Breakdown, Level, Panel

from .formatting import excel_change_format, excel_format, excel_value, unit_label
from .selectors import DashboardReport

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="E9EEF5")
SHEET_NAME_MAX = 31
SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
MIN_WIDTH, MAX_WIDTH = 8, 60
BREAKDOWN_INT_FORMAT = "#,##0"
BREAKDOWN_FLOAT_FORMAT = "#,##0.0"


def _text_width(value: Any) -> int:
    """Columns a value takes on screen: wide (CJK) characters count twice."""
    text = value if isinstance(value, str) else ("" if value is None else f"{value:,}")
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


class _Sheets:
    """Sheet names Excel accepts: at most 31 characters, none of []:*?/\\, unique whatever the case."""

    def __init__(self, workbook: Workbook):
        self.workbook = workbook
        self.taken: set[str] = set()

    def create(self, title: str):
        base = SHEET_NAME_FORBIDDEN.sub(" ", str(title)).strip().strip("'") or _("Sheet")
        name, number = base[:SHEET_NAME_MAX], 1
        while name.casefold() in self.taken:
            number += 1
            tail = f" ({number})"
            name = base[: SHEET_NAME_MAX - len(tail)] + tail
        self.taken.add(name.casefold())
        return self.workbook.create_sheet(name)


def _table(sheet, headers: Sequence[str], rows: Iterable[Sequence[Any]], *, formats=(), freeze="A2") -> None:
    """A header row (bold, shaded, frozen) and the rows; `formats[i]` (or a per-cell callable) is
    column i's number format."""
    append_row(sheet, [str(header) for header in headers], font=HEADER_FONT)
    for cell in sheet[1]:
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(vertical="center", wrap_text=False)
    widths = [_text_width(str(header)) for header in headers]
    for row in rows:
        append_row(sheet, list(row))
        for index, cell in enumerate(sheet[sheet.max_row]):
            number_format = formats[index] if index < len(formats) else None
            if callable(number_format):
                number_format = number_format(cell.value)
            if number_format and cell.value is not None and not isinstance(cell.value, str):
                cell.number_format = number_format
            shown = cell.value
            if isinstance(shown, float):
                shown = round(shown, 2)
            widths[index] = max(widths[index], _text_width(shown))
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(max(width + 2, MIN_WIDTH), MAX_WIDTH)
    sheet.freeze_panes = freeze


def _figures_sheet(sheets: _Sheets, panels: list[Panel]) -> None:
    sheet = sheets.create(_("Figures"))
    headers = [
        _("Panel"),
        _("Measure"),
        _("Value"),
        _("Previous"),
        pgettext("figure", "Change"),
        pgettext("measure", "Unit"),
        _("Key"),
    ]
    rows, formats = [], []
    for panel in panels:
        for figure in panel.figures:
            measure = figure.measure
            change = figure.change
            rows.append(
                [
                    str(panel.source.panel_label),
                    str(measure.label),
                    excel_value(measure, figure.value),
                    excel_value(measure, figure.previous),
                    change,
                    unit_label(measure),
                    measure.key,
                ]
            )
            formats.append((excel_format(measure), excel_change_format(measure)))
    per_row = iter(formats)
    # Number formats differ per row here (each row is a measure): set them after writing.
    _table(sheet, headers, rows)
    for row_cells in sheet.iter_rows(min_row=2):
        value_format, change_format = next(per_row)
        for cell in (row_cells[2], row_cells[3]):
            cell.number_format = value_format
        row_cells[4].number_format = change_format


def _trend_sheet(sheets: _Sheets, report: DashboardReport) -> None:
    figures = [
        (panel, figure) for panel in report.recording_panels for figure in panel.figures if figure.trend
    ]
    if not figures:
        return
    sheet = sheets.create(_("Trend"))
    periods = report.period.trend()
    headers = [_("Measure"), pgettext("measure", "Unit"), *[period.short_label for period in periods]]
    _table(
        sheet,
        headers,
        (
            [str(figure.measure.label), unit_label(figure.measure)]
            + [excel_value(figure.measure, value) for value in figure.trend]
            for _panel, figure in figures
        ),
        freeze="C2",
    )
    for row_cells, (_panel, figure) in zip(sheet.iter_rows(min_row=2), figures, strict=True):
        for cell in row_cells[2:]:
            cell.number_format = excel_format(figure.measure)


def _side_by_side_sheet(sheets: _Sheets, panel: Panel) -> None:
    if not panel.rows:
        return
    level = panel.rows[0][0].level
    sheet = sheets.create(str(panel.source.panel_label))
    first = _("City company") if level == Level.CITY else _("Project")
    measures = [figure.measure for figure in panel.figures]
    headers = [first] + [f"{measure.label} ({unit_label(measure)})" for measure in measures]
    rows = (
        [child.label] + [excel_value(figure.measure, figure.value) for figure in figures]
        for child, figures in panel.rows
    )
    _table(
        sheet, headers, rows, formats=[None, *[excel_format(measure) for measure in measures]], freeze="B2"
    )


def breakdown_table(breakdown: Breakdown) -> tuple[list[str], list[list[Any]]]:
    """The header row and rows of a breakdown: its columns name the values, or the label column too."""
    width = max((len(row.values) for row in breakdown.rows), default=len(breakdown.columns))
    columns = [str(column) for column in breakdown.columns]
    headers = columns if len(columns) == width + 1 else ["", *columns]
    return headers, [[row.label, *row.values] for row in breakdown.rows]


def _breakdown_number_format(value: Any) -> str:
    return BREAKDOWN_INT_FORMAT if isinstance(value, int) else BREAKDOWN_FLOAT_FORMAT


def _breakdown_sheet(sheets: _Sheets, breakdown: Breakdown) -> None:
    sheet = sheets.create(str(breakdown.title))
    headers, rows = breakdown_table(breakdown)
    formats = [None] + [_breakdown_number_format] * (len(headers) - 1)
    _table(sheet, headers, rows, formats=formats, freeze="B2")


def _about_sheet(sheets: _Sheets, report: DashboardReport) -> None:
    sheet = sheets.create(_("About"))
    rows: list[list[Any]] = [
        [_("Scope"), str(report.scope.label)],
        [_("Period"), report.period.label],
        [_("From"), report.period.start],
        [_("To (inclusive)"), report.period.last_day],
        [_("Counted at"), local_time(report.counted_at)],
    ]
    for panel in report.panels:
        if not panel.recording:
            state = _("not recording yet")
        elif panel.source.freshness == "summary":
            refreshed = panel.source.refreshed_at()
            state = _("from summary tables, refreshed %(time)s") % {
                "time": timezone.localtime(refreshed).strftime("%Y-%m-%d %H:%M") if refreshed else "–"
            }
        else:
            state = _("counted live")
        rows.append([str(panel.source.panel_label), state])
    _table(sheet, [_("Item"), _("Value")], rows, formats=[None, _about_format])


def _about_format(value: Any) -> str | None:
    if hasattr(value, "hour"):
        return "yyyy-mm-dd hh:mm"
    if hasattr(value, "day"):
        return "yyyy-mm-dd"
    return None


def dashboard_workbook(report: DashboardReport) -> bytes:
    """The .xlsx of the report's dashboard."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    workbook.properties.title = f"{report.scope.label} {report.period.label}"
    sheets = _Sheets(workbook)
    recording = report.recording_panels
    _figures_sheet(sheets, recording)
    _trend_sheet(sheets, report)
    for panel in recording:
        _side_by_side_sheet(sheets, panel)
        for breakdown in panel.breakdowns:
            _breakdown_sheet(sheets, breakdown)
    _about_sheet(sheets, report)
    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue()


def workbook_file_name(report: DashboardReport) -> str:
    scope = report.scope
    where = {
        Level.GROUP: "group",
        Level.CITY: f"city{scope.city_company_id}",
        Level.PROJECT: f"project{scope.project_id}",
    }[scope.level]
    return f"dashboard-{where}-{report.period.kind.value}-{report.period.start:%Y%m%d}.xlsx"
