"""How a figure is written in a report: as text (email, print page, PDF) and as an Excel number format.

A percent figure is a value out of 100 on the page; in Excel it is stored as a fraction (0.873) with a
percent format, so that sorting, sums and charts in the workbook treat it as a number, and its change
is in percentage points.
"""

from __future__ import annotations

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from dashboards.measures.base import Figure, Measure, Unit


def unit_label(measure: Measure) -> str:
    """What the number counts, for the unit column: "%", "per 1,000 units", "h"…"""
    if measure.unit == Unit.PERCENT:
        return "%"
    if measure.suffix:
        return str(measure.suffix)  # a translated suffix is lazy: openpyxl writes only plain values
    if measure.unit == Unit.RATE:
        return _("per %(scale)s") % {"scale": number_format(measure.scale, 0, force_grouping=True)}
    if measure.unit == Unit.COUNT:
        return _("count")
    return ""


def format_value(measure: Measure, value: float | None) -> str:
    """The value as the page prints it: grouped digits, the measure's decimals, its unit."""
    if value is None:
        return "–"
    text = number_format(value, measure.decimals, force_grouping=True)
    if measure.unit == Unit.PERCENT:
        return f"{text}%"
    return f"{text} {measure.suffix}".rstrip()


def format_change(figure: Figure) -> str:
    """+2.5 (percentage points for a percent), or "–" without a previous value."""
    change = figure.change
    if change is None:
        return "–"
    text = number_format(abs(change), figure.measure.decimals, force_grouping=True)
    sign = "+" if change > 0 else ("−" if change < 0 else "±")
    if figure.measure.unit == Unit.PERCENT:
        return _("%(sign)s%(points)s pp") % {"sign": sign, "points": text}
    return f"{sign}{text}"


def change_direction(figure: Figure) -> str:
    """ "good", "bad" or "" (no change, or a figure with no better direction): how a report colours it."""
    good = figure.change_is_good
    return "" if good is None else ("good" if good else "bad")


def _decimals_format(decimals: int) -> str:
    return "#,##0" + ("." + "0" * decimals if decimals > 0 else "")


def excel_value(measure: Measure, value: float | None) -> float | None:
    """The value as stored in a cell: a percent as its fraction."""
    if value is None:
        return None
    return value / 100 if measure.unit == Unit.PERCENT else value


def excel_format(measure: Measure) -> str:
    """The cell's number format for the measure's values."""
    if measure.unit == Unit.PERCENT:
        return ("0." + "0" * measure.decimals if measure.decimals > 0 else "0") + "%"
    return _decimals_format(measure.decimals)


def excel_change_format(measure: Measure) -> str:
    """A signed number format for changes; percentage points for a percent."""
    plain = _decimals_format(measure.decimals)
    if measure.unit == Unit.PERCENT:
        return f'+{plain}" pp";-{plain}" pp";{plain}" pp"'
    return f"+{plain};-{plain};{plain}"
