"""What the dashboards page shows, shaped for its template: the period switcher's links, the breadcrumb,
each panel's cards (value, change, trend) and side-by-side rows, the charts' data and the freshness
line. The figures themselves come from `dashboard_panels` (the same as the exports, reports and API);
nothing here queries the database."""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass, field

from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from .measures.base import (
    Breakdown,
    DashboardScope,
    Figure,
    Measure,
    Panel,
    Period,
    PeriodKind,
    Source,
    Unit,
)

# The switcher's words: "Day" alone is a date elsewhere in the CRM (日期); here it is a period (日).
SWITCHER_LABELS = {
    PeriodKind.DAY: pgettext_lazy("dashboard period", "Day"),
    PeriodKind.WEEK: pgettext_lazy("dashboard period", "Week"),
    PeriodKind.MONTH: pgettext_lazy("dashboard period", "Month"),
    PeriodKind.QUARTER: pgettext_lazy("dashboard period", "Quarter"),
    PeriodKind.YEAR: pgettext_lazy("dashboard period", "Year"),
}


def page_url(scope: DashboardScope, period: Period | None = None, **extra: str) -> str:
    """The dashboards page of a scope for a period (the default period when None)."""
    query = {**scope.query(), **(period.query() if period else {}), **extra}
    return reverse("dashboards") + ("?" + urlencode(query) if query else "")


def format_value(measure: Measure, value: float | None) -> str:
    if value is None:
        return "–"
    decimals = 0 if measure.unit == Unit.COUNT and measure.decimals == 0 else measure.decimals
    text = number_format(round(value, decimals), decimal_pos=decimals, use_l10n=True, force_grouping=True)
    if measure.unit == Unit.PERCENT:
        return f"{text}%"
    return f"{text}{measure.suffix}"


def format_change(measure: Measure, change: float | None) -> str:
    """ "+1.2 pp" for a percentage (points, not a percent of a percent), "+3" for a count."""
    if change is None:
        return ""
    decimals = measure.decimals
    if round(change, decimals) == 0:
        return "±0"
    text = number_format(
        abs(round(change, decimals)), decimal_pos=decimals, use_l10n=True, force_grouping=True
    )
    sign = "+" if change > 0 else "−"
    if measure.unit == Unit.PERCENT:
        return _("%(sign)s%(value)s pp") % {"sign": sign, "value": text}
    return f"{sign}{text}{measure.suffix}"


@dataclass
class Card:
    figure: Figure
    chart_id: str
    value_text: str
    previous_text: str
    change_text: str
    change_class: str  # "good", "bad" or "neutral"
    ratio_text: str  # "12 / 40" under a percentage

    @property
    def measure(self) -> Measure:
        return self.figure.measure


def _card(figure: Figure, chart_id: str) -> Card:
    good = figure.change_is_good
    measure = figure.measure
    ratio_text = ""
    if measure.unit == Unit.PERCENT and figure.ratio.denominator:
        numerator = number_format(figure.ratio.numerator, force_grouping=True)
        ratio_text = f"{numerator} / {number_format(figure.ratio.denominator, force_grouping=True)}"
    return Card(
        figure=figure,
        chart_id=chart_id,
        value_text=format_value(measure, figure.value),
        previous_text="" if measure.snapshot else format_value(measure, figure.previous),
        change_text=format_change(measure, figure.change),
        change_class="neutral" if good is None else ("good" if good else "bad"),
        ratio_text=ratio_text,
    )


@dataclass
class Cell:
    text: str
    drill_url: str | None


@dataclass
class ChildRow:
    scope: DashboardScope
    url: str  # the child's own dashboard, one level down
    cells: list[Cell]


@dataclass
class BreakdownTable:
    breakdown: Breakdown
    label_heading: str
    value_headings: tuple[str, ...]
    rows: list[tuple[str, list[str], str | None]]  # label, values, drill-down


def _breakdown_table(breakdown: Breakdown) -> BreakdownTable:
    """The columns may name the label column first, or only the values' columns."""
    width = max((len(row.values) for row in breakdown.rows), default=len(breakdown.columns))
    columns = tuple(str(c) for c in breakdown.columns)
    label_heading, value_headings = ("", columns) if len(columns) <= width else (columns[0], columns[1:])
    rows = [
        (
            str(row.label),
            ["–" if v is None else number_format(v, force_grouping=True) for v in row.values],
            row.drill_url,
        )
        for row in breakdown.rows
    ]
    return BreakdownTable(breakdown, label_heading, value_headings, rows)


@dataclass
class PanelView:
    panel: Panel
    cards: list[Card] = field(default_factory=list)
    children: list[ChildRow] = field(default_factory=list)
    tables: list[BreakdownTable] = field(default_factory=list)

    @property
    def source(self) -> Source:
        return self.panel.source


def panel_views(panels: list[Panel], period: Period) -> tuple[list[PanelView], dict]:
    """The panels for the template and the charts' data for `json_script` (labels and, per chart id,
    the trend's values)."""
    trend = period.trend()
    charts: dict = {"labels": [p.short_label for p in trend], "series": {}}
    views = []
    for panel_index, panel in enumerate(panels):
        view = PanelView(panel=panel)
        views.append(view)
        for index, figure in enumerate(panel.figures):
            chart_id = f"trend-{panel_index}-{index}"
            view.cards.append(_card(figure, chart_id))
            if figure.trend:
                charts["series"][chart_id] = [None if v is None else round(v, 4) for v in figure.trend]
        for child, figures in panel.rows:
            cells = [Cell(format_value(f.measure, f.value), f.drill_url) for f in figures]
            view.children.append(ChildRow(child, page_url(child, period), cells))
        view.tables = [_breakdown_table(b) for b in panel.breakdowns]
    return views, charts


@dataclass(frozen=True)
class PeriodLink:
    label: str
    url: str
    active: bool


@dataclass(frozen=True)
class PeriodNav:
    kinds: list[PeriodLink]
    previous_url: str
    next_url: str | None  # None: the next period has not begun
    custom_start: datetime.date
    custom_end: datetime.date


def _following(period: Period) -> Period:
    if period.kind == PeriodKind.CUSTOM:
        return Period(period.kind, period.end, period.end + datetime.timedelta(days=period.days))
    return Period.containing(period.kind, period.end)


def period_nav(scope: DashboardScope, period: Period, today: datetime.date) -> PeriodNav:
    """A link per calendar kind (the period of that kind holding the shown period's last day, or today),
    the previous and next period's links, and the custom range form's dates."""
    anchor = min(period.last_day, today)
    kinds = [
        PeriodLink(str(label), page_url(scope, Period.containing(kind, anchor)), kind == period.kind)
        for kind, label in SWITCHER_LABELS.items()
    ]
    following = _following(period)
    return PeriodNav(
        kinds=kinds,
        previous_url=page_url(scope, period.previous()),
        next_url=page_url(scope, following) if following.start <= today else None,
        custom_start=period.start,
        custom_end=period.last_day,
    )


@dataclass(frozen=True)
class Freshness:
    label: str
    live: bool
    refreshed_at: datetime.datetime | None
    minutes_old: int | None


def freshness_lines(panels: list[Panel], now: datetime.datetime | None = None) -> list[Freshness]:
    """Per recording source: live, or a summary with the time it was refreshed and how old it is now."""
    now = now or timezone.now()
    lines = []
    for panel in panels:
        source = panel.source
        if not panel.recording:
            continue
        if source.freshness != "summary":
            lines.append(Freshness(str(source.panel_label), True, None, None))
            continue
        at = source.refreshed_at()
        minutes = None if at is None else max(1, math.ceil((now - at).total_seconds() / 60))
        lines.append(Freshness(str(source.panel_label), False, at, minutes))
    return lines
