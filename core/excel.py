"""Rows written into the spreadsheets users download: text stays text (no formula injection).

Text that starts with = + - @, a tab or a carriage return is what Excel (or LibreOffice, or the same
sheet saved as CSV) may take for a formula: "=cmd|' /C calc'!A0", "=HYPERLINK(…)". openpyxl writes a
string starting with "=" as a live formula. Every export writes its rows through `append_row`, which
stores such text as a string cell with Excel's quote prefix (what typing a leading apostrophe does):
Excel shows the original text, does not evaluate it, and keeps it text when the cell is edited.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.styles import Font

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_PREFIXES)


def text_safe_cell(sheet, value: Any, *, font: Font | None = None) -> Cell:
    """A cell of `sheet` (write-only or not) holding `value`; formula-like text is stored as text."""
    cell = WriteOnlyCell(sheet, value=value)
    if is_formula_like(value):
        cell.data_type = "s"
        cell.quotePrefix = True
    if font is not None:
        cell.font = font
    return cell


def append_row(sheet, values: Iterable[Any], *, font: Font | None = None) -> None:
    """`sheet.append(values)`, with every formula-like text written as text.

    Plain values pass through untouched (write-only sheets build their own cells fast); only the
    risky ones, or all of them when a font is given, become cells built here.
    """
    sheet.append(
        [
            text_safe_cell(sheet, value, font=font) if font is not None or is_formula_like(value) else value
            for value in values
        ]
    )
