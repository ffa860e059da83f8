"""The printable report as a PDF, made with reportlab (no browser, no system fonts).

A4 portrait: a title block, then each panel on its own page(s): its figures (value, previous, change),
each figure's trend chart (reportlab.graphics, the same drawing as the print page's), the side-by-side
table and the breakdowns. Text is set in reportlab's built-in CID font STSong-Light (UnicodeCIDFont):
the PDF names the font and a reader supplies its glyphs (Adobe's Asian font packs, pdf.js, poppler…),
so Chinese needs no font file of ours and the file stays small.
"""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import (
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from dashboards.measures.base import Level, Panel

from .charts import trend_drawing
from .formatting import change_direction, format_change, format_value, unit_label
from .selectors import DashboardReport
from .workbook import breakdown_table, workbook_file_name

FONT = "STSong-Light"
MARGIN = 15 * mm
CONTENT_WIDTH = A4[0] - 2 * MARGIN
CHART_WIDTH = (CONTENT_WIDTH - 6 * mm) / 2
CHART_HEIGHT = 42 * mm
GOOD, BAD = colors.HexColor("#1a7f37"), colors.HexColor("#b42318")
HEADER_BACKGROUND = colors.HexColor("#e9eef5")
RULE = colors.HexColor("#c8d0da")


def _register_font() -> None:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=FONT, fontSize=9, leading=12)
    return {
        "title": ParagraphStyle("title", parent=base, fontSize=18, leading=24, spaceAfter=4),
        "subtitle": ParagraphStyle(
            "subtitle", parent=base, fontSize=10, textColor=colors.HexColor("#52606d")
        ),
        "panel": ParagraphStyle("panel", parent=base, fontSize=14, leading=18, spaceBefore=2, spaceAfter=6),
        "section": ParagraphStyle(
            "section", parent=base, fontSize=10.5, leading=14, spaceBefore=8, spaceAfter=4
        ),
        "body": base,
        "cell": ParagraphStyle("cell", parent=base, fontSize=8, leading=10),
        "head": ParagraphStyle("head", parent=base, fontSize=8, leading=10),
        "caption": ParagraphStyle("caption", parent=base, fontSize=8.5, leading=11),
        "muted": ParagraphStyle("muted", parent=base, fontSize=8, textColor=colors.HexColor("#52606d")),
    }


def _p(text, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(str(text)), style)


def _grid(rows: list[list], widths: list[float] | None = None, *, numeric_from: int = 1) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), FONT),
                ("FONTSIZE", (0, 0), (-1, -1), 8),
                ("BACKGROUND", (0, 0), (-1, 0), HEADER_BACKGROUND),
                ("LINEBELOW", (0, 0), (-1, 0), 0.6, RULE),
                ("LINEBELOW", (0, 1), (-1, -1), 0.25, RULE),
                ("ALIGN", (numeric_from, 1), (-1, -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


def _figures_table(panel: Panel, styles) -> Table:
    headings = (_("Measure"), _("Value"), _("Previous"), pgettext("figure", "Change"))
    rows = [[_p(heading, styles["head"]) for heading in headings]]
    colours = []
    for index, figure in enumerate(panel.figures, start=1):
        rows.append(
            [
                _p(figure.measure.label, styles["cell"]),
                format_value(figure.measure, figure.value),
                format_value(figure.measure, figure.previous) if not figure.measure.snapshot else _("now"),
                format_change(figure),
            ]
        )
        direction = change_direction(figure)
        if direction:
            colours.append(("TEXTCOLOR", (3, index), (3, index), GOOD if direction == "good" else BAD))
    table = _grid(rows, [CONTENT_WIDTH * share for share in (0.46, 0.18, 0.18, 0.18)])
    table.setStyle(TableStyle(colours))
    return table


def _charts(panel: Panel, report: DashboardReport, styles) -> list:
    cells = []
    for figure in panel.figures:
        if not figure.trend:
            continue
        caption = f"{figure.measure.label} ({unit_label(figure.measure)})"
        drawing = trend_drawing(figure, report.period, width=CHART_WIDTH, height=CHART_HEIGHT)
        cells.append([_p(caption, styles["caption"]), drawing])
    if not cells:
        return []
    rows = [cells[index : index + 2] for index in range(0, len(cells), 2)]
    flowables = [_p(_("Trend"), styles["section"])]
    for pair in rows:
        row = [pair[0][0], pair[1][0] if len(pair) > 1 else ""]
        charts = [pair[0][1], pair[1][1] if len(pair) > 1 else ""]
        table = Table([row, charts], colWidths=[CHART_WIDTH + 3 * mm] * 2, hAlign="LEFT")
        table.setStyle(
            TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)])
        )
        flowables.append(KeepTogether(table))
    return flowables


def _side_by_side(panel: Panel, styles) -> list:
    if not panel.rows:
        return []
    level = panel.rows[0][0].level
    first = _("City company") if level == Level.CITY else _("Project")
    head = [_p(first, styles["head"])] + [
        _p(f"{figure.measure.label} ({unit_label(figure.measure)})", styles["head"])
        for figure in panel.figures
    ]
    rows = [head] + [
        [_p(child.label, styles["cell"])] + [format_value(figure.measure, figure.value) for figure in figures]
        for child, figures in panel.rows
    ]
    label_width = CONTENT_WIDTH * 0.28
    other = (CONTENT_WIDTH - label_width) / max(len(panel.figures), 1)
    title = _("By city company") if level == Level.CITY else _("By project")
    return [_p(title, styles["section"]), _grid(rows, [label_width] + [other] * len(panel.figures))]


def _breakdowns(panel: Panel, styles) -> list:
    flowables = []
    for breakdown in panel.breakdowns:
        headers, rows = breakdown_table(breakdown)
        body = [[_p(heading, styles["head"]) for heading in headers]] + [
            [_p(row[0], styles["cell"])] + ["–" if value is None else f"{value:,}" for value in row[1:]]
            for row in rows
        ]
        if len(body) == 1:
            body.append([_p(_("Nothing in this period."), styles["cell"])] + [""] * (len(headers) - 1))
        flowables += [_p(breakdown.title, styles["section"]), _grid(body)]
    return flowables


def dashboard_pdf(report: DashboardReport) -> bytes:
    _register_font()
    styles = _styles()
    stream = io.BytesIO()
    title = _("Dashboard report")
    heading = f"{report.scope.label} · {report.period.label}"
    document = SimpleDocTemplate(
        stream,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + 4 * mm,
        title=f"{title} {heading}",
        author="客户关系中心",
    )
    counted = timezone.localtime(report.counted_at).strftime("%Y-%m-%d %H:%M")
    story: list = [
        _p(title, styles["title"]),
        _p(heading, styles["subtitle"]),
        _p(
            _("%(start)s to %(end)s (inclusive) · counted at %(time)s")
            % {"start": report.period.start, "end": report.period.last_day, "time": counted},
            styles["muted"],
        ),
        Spacer(1, 6 * mm),
    ]
    for number, panel in enumerate(report.panels):
        if number:
            story.append(PageBreak())
        story.append(_p(panel.source.panel_label, styles["panel"]))
        if not panel.recording:
            story.append(_p(_("Not recording yet: nothing of this kind has been recorded."), styles["body"]))
            continue
        story.append(_figures_table(panel, styles))
        story += _charts(panel, report, styles)
        story += _side_by_side(panel, styles)
        story += _breakdowns(panel, styles)

    def footer(canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 7.5)
        canvas.setFillColor(colors.HexColor("#52606d"))
        canvas.drawString(MARGIN, MARGIN / 2, f"{title} · {heading}")
        canvas.drawRightString(A4[0] - MARGIN, MARGIN / 2, str(doc.page))
        canvas.restoreState()

    document.build(story, onFirstPage=footer, onLaterPages=footer)
    return stream.getvalue()


def pdf_file_name(report: DashboardReport) -> str:
    return (
        workbook_file_name(report).replace("dashboard-", "dashboard-report-").removesuffix(".xlsx") + ".pdf"
    )
