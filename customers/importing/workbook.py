"""Reading a workbook within limits (size, unpacked size, rows, blank runs), the import, the template."""

from __future__ import annotations

import datetime
import os
import zipfile
from collections.abc import Callable, Iterable
from typing import IO, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl.reader.excel import ExcelReader
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from .matching import ImportPlan
from .report import ImportResult, RowError
from .rows import COLUMNS, HEADER_ALIASES, TEMPLATE_HEADERS, Row, cell_text, header_key
from .writing import plan_write

Progress = Callable[[int, int], None]
# Reading stops at this many blank rows in a row: Excel often carries thousands of formatted empty
# rows, and a crafted sheet millions (a 433 KB file of 3M blank rows once held a worker to its timeout).
MAX_BLANK_RUN = 1000
MAX_COLUMNS = 64  # the template has 22; cells further right are never read
MAX_ARCHIVE_MEMBERS = 500  # an .xlsx holds a dozen or so parts


class ImportFileError(ValidationError):
    """The upload is not a readable workbook; the caller shows it as a form error."""


def check_workbook_archive(source: str | IO[bytes], *, max_bytes: int | None = None) -> None:
    """Refuse, before anything is parsed, a file larger than `max_bytes` or an archive whose parts
    unpack to more than settings.IMPORT_MAX_UNPACKED_BYTES (a zip bomb). Reads only the zip's
    directory; zipfile never inflates a part beyond the size its directory declares."""
    from django.conf import settings

    size = _size_of(source)
    if max_bytes is not None and size > max_bytes:
        raise ImportFileError(
            _("The file is larger than %(size)s MB.") % {"size": _megabytes(max_bytes)}, code="size"
        )
    try:
        with zipfile.ZipFile(source) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        raise ImportFileError(_("This file is not an Excel workbook (.xlsx)."), code="format") from error
    finally:
        if not isinstance(source, str):
            source.seek(0)
    limit = settings.IMPORT_MAX_UNPACKED_BYTES
    if len(parts) > MAX_ARCHIVE_MEMBERS or sum(part.file_size for part in parts) > limit:
        raise ImportFileError(
            _("This workbook unpacks to more than %(size)s MB; split it into smaller files.")
            % {"size": _megabytes(limit)},
            code="unpacked_size",
        )


def _size_of(source: str | IO[bytes]) -> int:
    if isinstance(source, str):
        return os.path.getsize(source)
    position = source.seek(0, os.SEEK_END)
    source.seek(0)
    return position


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g}"


def customer_workbook_import(
    *,
    by,
    source: str | IO[bytes],
    dry_run: bool = True,
    progress: Progress | None = None,
    max_rows: int | None = None,
    max_bytes: int | None = None,
    today: datetime.date | None = None,
) -> ImportResult:
    """Check (and unless `dry_run`, write) a workbook of units and customers. Writes all rows or none.

    The file is streamed (openpyxl read-only, cached values, never a formula evaluated) and refused
    early: over `max_bytes`, unpacking to too much, past `max_rows` data rows; reading ends at a long
    run of blank rows."""
    if not by.may_edit_customers():
        raise PermissionDenied(_("Your role may not import customers."))
    check_workbook_archive(source, max_bytes=max_bytes)
    result = ImportResult(dry_run=dry_run)
    rows, headers = _read_rows(source, result, max_rows)
    result.rows = len(rows)
    total = len(rows) * (1 if dry_run else 2)
    report = progress or (lambda done, total: None)
    plan = ImportPlan(by=by, result=result, today=today or timezone.localdate())
    plan.resolve(rows, headers, lambda done: report(done, total))
    if result.errors or dry_run:
        result.errors.sort(key=lambda error: (error.row, error.column))
        report(total, total)
        return result
    try:
        with transaction.atomic():
            plan_write(plan, lambda fraction: report(len(rows) + int(len(rows) * fraction), total))
    except IntegrityError:
        # Someone wrote the same units or customers between the check and the write.
        result.errors.append(
            RowError(1, "", _("The data changed while importing; nothing was written. Try again."))
        )
        return result
    report(total, total)
    return result


class _StreamedSheet(ReadOnlyWorksheet):
    """openpyxl's read-only sheet, minus its size look-up: to find the <dimension> element openpyxl
    parses up to the end of <sheetData>, i.e. every row of a sheet that has none (a crafted file).
    The import needs no size (it reads at most MAX_COLUMNS columns and stops by itself) and does not
    trust one: a sheet claiming a million rows would be padded with a million empty ones."""

    def _get_size(self) -> None:
        return None


class _StreamingReader(ExcelReader):
    """openpyxl's read-only workbook reader, with _StreamedSheet for every worksheet."""

    def read_worksheets(self) -> None:
        for sheet, rel in self.parser.find_sheets():
            if rel.target not in self.valid_files or "chartsheet" in rel.Type:
                continue
            worksheet = _StreamedSheet(self.wb, sheet.name, rel.target, self.shared_strings)
            worksheet.sheet_state = sheet.state
            self.wb._sheets.append(worksheet)


def _open_workbook(source):
    """The workbook, read-only, with the values Excel last computed (data_only): no formula is
    ever evaluated, and a text cell such as '=1+1 reads as that text."""
    reader = _StreamingReader(source, read_only=True, data_only=True)
    reader.read()
    return reader.wb


def _read_rows(source, result: ImportResult, max_rows: int | None) -> tuple[list[Row], dict[str, str]]:
    try:
        workbook = _open_workbook(source)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError, TypeError) as error:
        raise ImportFileError(_("This file is not an Excel workbook (.xlsx).")) from error
    try:
        sheet = workbook.worksheets[0]
        lines = sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True)
        header_cells = next(lines, None) or ()
        headers: dict[str, str] = {}
        positions: dict[str, int] = {}
        for position, cell in enumerate(header_cells):
            column = HEADER_ALIASES.get(header_key(cell_text(cell)))
            if column and column.key not in positions:
                positions[column.key] = position
                headers[column.key] = cell_text(cell)
        missing = [str(c.label) for c in COLUMNS if c.required and c.key not in positions]
        if missing:
            result.errors.append(
                RowError(1, "", _("Missing columns: %(columns)s.") % {"columns": ", ".join(missing)})
            )
            return [], headers
        if "name" not in positions:
            result.errors.append(RowError(1, "", _("Missing columns: %(columns)s.") % {"columns": _("Name")}))
            return [], headers
        rows: list[Row] = []
        blank_run = 0
        for number, cells in enumerate(lines, start=2):
            if not any(cell_text(cell) for cell in cells):
                blank_run += 1
                if blank_run >= MAX_BLANK_RUN:
                    break
                continue
            blank_run = 0
            values = {key: cells[pos] if pos < len(cells) else None for key, pos in positions.items()}
            rows.append(Row(number, values, headers))
            if max_rows is not None and len(rows) > max_rows:
                result.errors.append(
                    RowError(number, "", _("The file has more than %(max)s rows.") % {"max": max_rows})
                )
                return [], headers
        if not rows:
            result.errors.append(RowError(2, "", _("The sheet has no data rows.")))
        return rows, headers
    finally:
        workbook.close()


def workbook_template(rows: Iterable[Iterable[Any]] = ()) -> bytes:
    """An .xlsx with the Chinese headers the import expects, and `rows` below them."""
    from io import BytesIO

    from openpyxl import Workbook

    from core.excel import append_row

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "房屋客户"
    append_row(sheet, TEMPLATE_HEADERS)
    for row in rows:
        append_row(sheet, row)
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
