"""A report's panels as text rows, for the printable page and the weekly email (templates only print)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from dashboards.measures.base import Level, Panel

from .formatting import change_direction, format_change, format_value, unit_label
from .selectors import DashboardReport
from .workbook import breakdown_table


@dataclass(frozen=True)
class FigureLine:
    key: str
    label: str
    unit: str
    value: str
    previous: str
    change: str
    direction: str  # "good", "bad" or ""
    snapshot: bool
    drill_url: str | None
    chart: str | None = None  # a data: URL of the trend chart (the printable page)


@dataclass(frozen=True)
class TableView:
    title: str
    headers: list[str]
    rows: list[list[str]]


@dataclass
class PanelView:
    label: str
    recording: bool
    note: str = ""
    lines: list[FigureLine] = field(default_factory=list)
    tables: list[TableView] = field(default_factory=list)


def _side_by_side(panel: Panel) -> TableView | None:
    if not panel.rows:
        return None
    level = panel.rows[0][0].level
    headers = [_("City company") if level == Level.CITY else _("Project")] + [
        f"{figure.measure.label} ({unit_label(figure.measure)})" for figure in panel.figures
    ]
    rows = [
        [str(child.label)] + [format_value(figure.measure, figure.value) for figure in figures]
        for child, figures in panel.rows
    ]
    return TableView(_("By city company") if level == Level.CITY else _("By project"), headers, rows)


def panel_views(report: DashboardReport, *, charts: dict[str, str] | None = None) -> list[PanelView]:
    views = []
    for panel in report.panels:
        view = PanelView(
            label=str(panel.source.panel_label), recording=panel.recording, note=panel.source.note
        )
        views.append(view)
        if not panel.recording:
            continue
        for figure in panel.figures:
            measure = figure.measure
            view.lines.append(
                FigureLine(
                    key=measure.key,
                    label=str(measure.label),
                    unit=unit_label(measure),
                    value=format_value(measure, figure.value),
                    previous="" if measure.snapshot else format_value(measure, figure.previous),
                    change="" if measure.snapshot else format_change(figure),
                    direction=change_direction(figure),
                    snapshot=measure.snapshot,
                    drill_url=figure.drill_url,
                    chart=(charts or {}).get(measure.key),
                )
            )
        side_by_side = _side_by_side(panel)
        if side_by_side is not None:
            view.tables.append(side_by_side)
        for breakdown in panel.breakdowns:
            headers, rows = breakdown_table(breakdown)
            view.tables.append(
                TableView(
                    str(breakdown.title),
                    headers,
                    [
                        [str(row[0])] + ["–" if value is None else f"{value:,}" for value in row[1:]]
                        for row in rows
                    ],
                )
            )
    return views
