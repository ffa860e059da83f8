"""Each figure's trend as a chart drawn with reportlab.graphics: the same drawing goes into the PDF and,
as SVG, onto the printable page, so both show one chart.

Counts are bars (how many per period); rates, percentages and averages are lines, with a gap where a
period has no value (nothing to divide by). Labels are dates and numbers only, in Helvetica: the
chart's title is the page's text beside it.
"""

from __future__ import annotations

import base64

from reportlab.graphics import renderSVG
from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.linecharts import HorizontalLineChart
from reportlab.graphics.shapes import Drawing
from reportlab.graphics.widgets.markers import makeMarker
from reportlab.lib import colors

from dashboards.measures.base import Figure, Period, Unit

WIDTH, HEIGHT = 250, 120
INK = colors.HexColor("#1f5f99")
GRID = colors.HexColor("#dde3ea")
LABEL_SIZE = 6.5


def _axis_labels(periods: list[Period]) -> list[str]:
    """Every other period's label (twelve dates do not fit under a small chart), the current one always."""
    last = len(periods) - 1
    return [period.short_label if (last - index) % 2 == 0 else "" for index, period in enumerate(periods)]


def trend_drawing(figure: Figure, period: Period, *, width: float = WIDTH, height: float = HEIGHT) -> Drawing:
    """The figure's trend over `period.trend()`, the current period last."""
    periods = period.trend()
    values = list(figure.trend) or [None] * len(periods)
    drawing = Drawing(width, height)
    if figure.measure.unit == Unit.COUNT:
        chart = VerticalBarChart()
        chart.data = [[value or 0 for value in values]]
        chart.bars[0].fillColor = INK
        chart.bars[0].strokeColor = None
        chart.barSpacing = 1
    else:
        chart = HorizontalLineChart()
        chart.data = [values]
        chart.lines[0].strokeColor = INK
        chart.lines[0].strokeWidth = 1.5
        chart.lines[0].symbol = makeMarker("FilledCircle", size=2.5, fillColor=INK, strokeColor=INK)
        # No value in any period: no line at all (reportlab refuses to join zero points).
        chart.joinedLines = int(any(value is not None for value in values))
    chart.x, chart.y = 34, 18
    chart.width, chart.height = width - 42, height - 26
    chart.categoryAxis.categoryNames = _axis_labels(periods)
    chart.categoryAxis.labels.fontName = "Helvetica"
    chart.categoryAxis.labels.fontSize = LABEL_SIZE
    chart.categoryAxis.labels.dy = -2
    chart.categoryAxis.strokeColor = GRID
    chart.valueAxis.labels.fontName = "Helvetica"
    chart.valueAxis.labels.fontSize = LABEL_SIZE
    chart.valueAxis.strokeColor = GRID
    chart.valueAxis.gridStrokeColor = GRID
    chart.valueAxis.visibleGrid = 1
    chart.valueAxis.forceZero = 1
    chart.valueAxis.avoidBoundFrac = 0.1
    present = [value for value in values if value is not None]
    if not present or max(present) == 0:
        chart.valueAxis.valueMin, chart.valueAxis.valueMax = 0, 1  # a flat zero line, not an error
    if figure.measure.unit == Unit.PERCENT and present and max(present) <= 100:
        chart.valueAxis.valueMax = 100
    drawing.add(chart)
    return drawing


def trend_svg(figure: Figure, period: Period) -> str:
    """The chart as a data: URL of an SVG image (the page's CSP allows data: images, not inline styles)."""
    svg = renderSVG.drawToString(trend_drawing(figure, period))
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
