"""core.excel: the one writer of spreadsheet rows (finding 10.4, formula injection)."""

import io

import pytest
from openpyxl import Workbook, load_workbook

from core.excel import append_row
from customers.importing import workbook_template


@pytest.mark.parametrize("write_only", [True, False])
def test_formula_like_text_is_written_as_text_finding_10_4(write_only):
    workbook = Workbook(write_only=write_only)
    sheet = workbook.create_sheet("x") if write_only else workbook.active
    risky = ["=cmd|' /C calc'!A0", "+86 138 1234 5678", "-1+1", "@SUM(1)", "\t=1", "\r=1"]
    append_row(sheet, [*risky, "张伟", 42, -3])
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)

    cells = list(load_workbook(buffer).worksheets[0][1])

    for cell, text in zip(cells, risky, strict=False):
        # XML reads a carriage return back as a line feed.
        assert (cell.value, cell.data_type, cell.quotePrefix) == (text.replace("\r", "\n"), "s", True)
    assert [cell.value for cell in cells[len(risky) :]] == ["张伟", 42, -3]
    assert not cells[len(risky)].quotePrefix  # ordinary text is left as it is


def test_the_import_template_writes_rows_through_the_safe_writer_finding_10_4():
    content = workbook_template([["sz", "=1+1"]])

    cell = load_workbook(io.BytesIO(content)).active["B2"]

    assert (cell.value, cell.data_type) == ("=1+1", "s")
