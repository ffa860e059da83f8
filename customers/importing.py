"""Excel import of units and their customers (one row per unit + customer), as the sales system exports them.

Two passes: every row is parsed and checked first, against the same validators and model `clean()`
methods the services use; only a file without a single error is written, in one transaction, with
`bulk_create` in batches. Existing rows are found by their natural keys (city company code or name,
project code or name, building number, unit code, customer ID-number hash), so importing the same
file twice writes nothing the second time.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import os
import re
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable
from decimal import Decimal, InvalidOperation
from typing import IO, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl.reader.excel import ExcelReader
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.worksheet._read_only import ReadOnlyWorksheet

from crm.masking import mask_id_number
from properties.models import Building, CityCompany, FinishStandard, Phase, Project, Unit

from .models import (
    Contract,
    Customer,
    CustomerPhone,
    Gender,
    HouseholdMember,
    HouseholdRole,
    IdType,
    pii_hash,
    pii_hash_candidates,
)
from .services import ID_NUMBER_UNAVAILABLE, customers_refresh_contract_dates
from .validators import normalize_mobile, validate_mobile

BATCH_SIZE = 500
Progress = Callable[[int, int], None]
# Reading stops at this many blank rows in a row: Excel often carries thousands of formatted empty
# rows, and a crafted sheet millions (a 433 KB file of 3M blank rows once held a worker to its timeout).
MAX_BLANK_RUN = 1000
MAX_COLUMNS = 64  # the template has 22; cells further right are never read
MAX_ARCHIVE_MEMBERS = 500  # an .xlsx holds a dozen or so parts
MAX_REPORTED_ERRORS = 1000


@dataclasses.dataclass(frozen=True)
class Column:
    key: str
    label: Any  # lazy translation: the header written by the template
    aliases: tuple[str, ...]
    required: bool = False


# Chinese headers first (the sales system's export), then English ones; matching ignores case,
# spaces, underscores and a trailing unit in brackets ("建筑面积(㎡)").
COLUMNS: tuple[Column, ...] = (
    Column(
        "city_company", gettext_lazy("City company"), ("城市公司", "city company", "city company code"), True
    ),
    Column(
        "project",
        gettext_lazy("Project"),
        ("项目", "项目名称", "项目编码", "楼盘", "project", "project name", "project code"),
        True,
    ),
    Column("phase", gettext_lazy("Phase"), ("期", "分期", "phase")),
    Column(
        "building", gettext_lazy("Building"), ("楼栋", "楼栋号", "楼号", "building", "building number"), True
    ),
    Column("entrance", gettext_lazy("Entrance"), ("单元", "entrance")),
    Column(
        "unit_number",
        gettext_lazy("Room number"),
        ("房号", "房间号", "room", "room number", "unit number"),
        True,
    ),
    Column("floor", gettext_lazy("Floor"), ("楼层", "floor")),
    Column("layout", gettext_lazy("Layout"), ("户型", "layout")),
    Column("floor_area", gettext_lazy("Floor area"), ("建筑面积", "面积", "floor area", "area"), True),
    Column("finish_standard", gettext_lazy("Finish standard"), ("装修标准", "finish standard", "finish")),
    Column("name", gettext_lazy("Name"), ("姓名", "客户姓名", "name", "customer name")),
    Column("gender", gettext_lazy("Gender"), ("性别", "gender")),
    Column(
        "phones",
        gettext_lazy("Mobile"),
        ("手机", "手机号", "手机号码", "mobile", "mobile phone", "mobile phones", "phone", "phones"),
    ),
    Column("id_type", gettext_lazy("ID type"), ("证件类型", "id type", "id document type")),
    Column("id_number", gettext_lazy("ID number"), ("证件号码", "身份证号", "身份证号码", "id number")),
    Column("role", gettext_lazy("Household role"), ("身份", "住户身份", "household role", "role")),
    Column("contract_number", gettext_lazy("Contract number"), ("合同编号", "合同号", "contract number")),
    Column("subscribed_on", gettext_lazy("Subscription date"), ("认购日期", "subscription date")),
    Column("signed_on", gettext_lazy("Signing date"), ("签约日期", "signing date")),
    Column("price", gettext_lazy("Price"), ("成交价", "成交价格", "成交总价", "price")),
    Column(
        "contractual_handover_on",
        gettext_lazy("Contractual handover date"),
        ("合同交付日期", "合同约定交付日期", "contractual handover date"),
    ),
    Column(
        "handed_over_on",
        gettext_lazy("Actual handover date"),
        ("实际交付日期", "交付日期", "actual handover date", "handover date"),
    ),
)
TEMPLATE_HEADERS = (
    "城市公司",
    "项目",
    "期",
    "楼栋",
    "单元",
    "房号",
    "楼层",
    "户型",
    "建筑面积",
    "装修标准",
    "姓名",
    "性别",
    "手机",
    "证件类型",
    "证件号码",
    "身份",
    "合同编号",
    "认购日期",
    "签约日期",
    "成交价",
    "合同交付日期",
    "实际交付日期",
)

_GENDERS = {"男": Gender.MALE, "m": Gender.MALE, "male": Gender.MALE, "女": Gender.FEMALE}
_GENDERS |= {"f": Gender.FEMALE, "female": Gender.FEMALE}
_ID_TYPES = {
    "身份证": IdType.RESIDENT_ID,
    "居民身份证": IdType.RESIDENT_ID,
    "resident id": IdType.RESIDENT_ID,
    "id card": IdType.RESIDENT_ID,
    "护照": IdType.PASSPORT,
    "passport": IdType.PASSPORT,
    "港澳居民来往内地通行证": IdType.HK_MACAO_PERMIT,
    "回乡证": IdType.HK_MACAO_PERMIT,
    "港澳通行证": IdType.HK_MACAO_PERMIT,
    "台湾居民来往大陆通行证": IdType.TAIWAN_PERMIT,
    "台胞证": IdType.TAIWAN_PERMIT,
    "外国人永久居留身份证": IdType.FOREIGN_PERMANENT,
    "外国人永久居留证": IdType.FOREIGN_PERMANENT,
}
_ROLES = {
    "业主": HouseholdRole.OWNER,
    "产权人": HouseholdRole.OWNER,
    "主业主": HouseholdRole.OWNER,
    "owner": HouseholdRole.OWNER,
    "共有人": HouseholdRole.CO_OWNER,
    "共同产权人": HouseholdRole.CO_OWNER,
    "co owner": HouseholdRole.CO_OWNER,
    "coowner": HouseholdRole.CO_OWNER,
    "家庭成员": HouseholdRole.FAMILY,
    "家属": HouseholdRole.FAMILY,
    "family": HouseholdRole.FAMILY,
    "family member": HouseholdRole.FAMILY,
    "租户": HouseholdRole.TENANT,
    "租客": HouseholdRole.TENANT,
    "tenant": HouseholdRole.TENANT,
}
_FINISHES = {
    "精装": FinishStandard.FURNISHED,
    "精装修": FinishStandard.FURNISHED,
    "全装修": FinishStandard.FURNISHED,
    "furnished": FinishStandard.FURNISHED,
    "fully finished": FinishStandard.FURNISHED,
    "毛坯": FinishStandard.SHELL,
    "毛坯房": FinishStandard.SHELL,
    "shell": FinishStandard.SHELL,
}
_DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日", "%Y%m%d")
_PHONE_SEPARATORS = re.compile(r"[,，;；/、\s]+")


# A number taken out of the user's scope: the same words whoever holds it, so nothing is told of them.
CONTRACT_NUMBER_UNAVAILABLE = gettext_lazy("This contract number is already in use; check it.")


class ImportFileError(ValidationError):
    """The upload is not a readable workbook; the caller shows it as a form error."""


@dataclasses.dataclass(frozen=True)
class RowError:
    row: int  # the Excel row number; the header is row 1
    column: str  # the header as written in the file, or "" for the whole row
    message: str

    def __str__(self) -> str:
        if self.column:
            return _("Row %(row)s, %(column)s: %(message)s") % {
                "row": self.row,
                "column": self.column,
                "message": self.message,
            }
        return _("Row %(row)s: %(message)s") % {"row": self.row, "message": self.message}


COUNTED = {
    "projects": gettext_lazy("projects"),
    "phases": gettext_lazy("phases"),
    "buildings": gettext_lazy("buildings"),
    "units": gettext_lazy("units"),
    "customers": gettext_lazy("customers"),
    "phones": gettext_lazy("phone numbers"),
    "household_members": gettext_lazy("household members"),
    "contracts": gettext_lazy("contracts"),
}


@dataclasses.dataclass
class ImportResult:
    dry_run: bool
    rows: int = 0
    created: Counter = dataclasses.field(default_factory=Counter)
    updated: Counter = dataclasses.field(default_factory=Counter)
    errors: list[RowError] = dataclasses.field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def written(self) -> bool:
        return self.ok and not self.dry_run

    errors_total: int | None = None  # when the report keeps only the first MAX_REPORTED_ERRORS

    def summary_rows(self) -> list[tuple[str, int, int]]:
        """(label, created, updated) per kind of row, in hierarchy order, for the report."""
        return [(str(label), self.created[key], self.updated[key]) for key, label in COUNTED.items()]

    @property
    def error_count(self) -> int:
        return self.errors_total if self.errors_total is not None else len(self.errors)

    def to_report(self) -> dict:
        """JSON for ImportJob.report (the first MAX_REPORTED_ERRORS errors, and their total)."""
        return {
            "dry_run": self.dry_run,
            "rows": self.rows,
            "created": dict(self.created),
            "updated": dict(self.updated),
            "errors": [[e.row, e.column, e.message] for e in self.errors[:MAX_REPORTED_ERRORS]],
            "errors_total": len(self.errors),
        }

    @classmethod
    def from_report(cls, report: dict) -> ImportResult:
        return cls(
            dry_run=report.get("dry_run", True),
            rows=report.get("rows", 0),
            created=Counter(report.get("created", {})),
            updated=Counter(report.get("updated", {})),
            errors=[RowError(row, column, message) for row, column, message in report.get("errors", [])],
            errors_total=report.get("errors_total"),
        )


# --- parsing cells -------------------------------------------------------------------------------


def _header_key(text: str) -> str:
    text = re.sub(r"[(（\[].*?[)）\]]\s*$", "", str(text or "")).strip().lower()
    return re.sub(r"[\s_\-]+", " ", text)


_ALIASES = {_header_key(alias): column for column in COLUMNS for alias in column.aliases}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime.datetime):
        value = value.date()
    return str(value).strip()


class _CellError(Exception):
    pass


def _date(value: Any) -> datetime.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, int | float):
        from openpyxl.utils.datetime import from_excel

        try:
            return from_excel(value).date()
        except (ValueError, OverflowError, AttributeError):
            raise _CellError(_("%(value)s is not a date.") % {"value": value}) from None
    text = _text(value)
    for fmt in _DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise _CellError(_("%(value)s is not a date (use 2024-03-15).") % {"value": text})


def _decimal(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    text = re.sub(r"[,，\s元㎡]|m²|m2", "", _text(value))
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise _CellError(_("%(value)s is not a number.") % {"value": _text(value)}) from None
    if not number.is_finite():
        raise _CellError(_("%(value)s is not a number.") % {"value": _text(value)})
    return number.quantize(Decimal("0.01"))


def _integer(value: Any) -> int | None:
    if value in (None, ""):
        return None
    text = re.sub(r"[层楼F\s]", "", _text(value), flags=re.IGNORECASE)
    try:
        return int(Decimal(text))
    except (InvalidOperation, ValueError):
        raise _CellError(_("%(value)s is not a whole number.") % {"value": _text(value)}) from None


def _choice(value: Any, mapping: dict, choices: type, default=None):
    text = _text(value)
    if not text:
        return default
    key = _header_key(text)
    if key in mapping:
        return mapping[key]
    for choice in choices:
        if key in (str(choice.value).lower().replace("_", " "), _header_key(str(choice.label))):
            return choice
    raise _CellError(_("“%(value)s” is not one of the known values.") % {"value": text})


def _building_number(text: str) -> str:
    return re.sub(r"(栋|幢|号楼|座)$", "", text)


def _floor_from_room(number: str) -> int | None:
    digits = re.match(r"^(\d+)\d\d$", number)
    return int(digits[1]) if digits else None


@dataclasses.dataclass
class _Row:
    number: int
    values: dict[str, Any]
    headers: dict[str, str]  # column key -> header as written

    def column(self, key: str) -> str:
        return self.headers.get(key) or str(next(c.label for c in COLUMNS if c.key == key))


# --- the import ------------------------------------------------------------------------------------


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
    plan = _Plan(by=by, result=result, today=today or timezone.localdate())
    plan.resolve(rows, headers, lambda done: report(done, total))
    if result.errors or dry_run:
        result.errors.sort(key=lambda error: (error.row, error.column))
        report(total, total)
        return result
    try:
        with transaction.atomic():
            plan.write(lambda fraction: report(len(rows) + int(len(rows) * fraction), total))
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


def _read_rows(source, result: ImportResult, max_rows: int | None) -> tuple[list[_Row], dict[str, str]]:
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
            column = _ALIASES.get(_header_key(_text(cell)))
            if column and column.key not in positions:
                positions[column.key] = position
                headers[column.key] = _text(cell)
        missing = [str(c.label) for c in COLUMNS if c.required and c.key not in positions]
        if missing:
            result.errors.append(
                RowError(1, "", _("Missing columns: %(columns)s.") % {"columns": ", ".join(missing)})
            )
            return [], headers
        if "name" not in positions:
            result.errors.append(RowError(1, "", _("Missing columns: %(columns)s.") % {"columns": _("Name")}))
            return [], headers
        rows: list[_Row] = []
        blank_run = 0
        for number, cells in enumerate(lines, start=2):
            if not any(_text(cell) for cell in cells):
                blank_run += 1
                if blank_run >= MAX_BLANK_RUN:
                    break
                continue
            blank_run = 0
            values = {key: cells[pos] if pos < len(cells) else None for key, pos in positions.items()}
            rows.append(_Row(number, values, headers))
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


def _messages(error: ValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return error.message_dict
    return {"__all__": error.messages}


class _Plan:
    """What the file asks for, resolved against the database: existing rows found, new ones built."""

    def __init__(self, *, by, result: ImportResult, today: datetime.date) -> None:
        self.by = by
        self.scope = by.scope
        self.result = result
        self.today = today
        self.new_projects: dict[tuple, Project] = {}
        self.new_phases: dict[tuple, Phase] = {}
        self.new_buildings: dict[tuple, Building] = {}
        self.new_units: dict[tuple, Unit] = {}
        self.changed_units: dict[int, Unit] = {}
        self.new_customers: dict[tuple, Customer] = {}
        self.customers: dict[tuple, Customer] = {}  # every customer key -> existing or new customer
        self.customer_rows: dict[tuple, int] = {}
        self.phones: dict[tuple, list[str]] = {}
        self.members: dict[tuple, tuple[str, datetime.date | None, int]] = {}  # (unit, customer) -> role
        self.owner_rows: dict[tuple, tuple[tuple, int]] = {}  # unit key -> (customer key, row)
        self.contracts: dict[str, tuple[tuple, tuple, Contract, int]] = {}  # number -> unit, buyer, row
        self.contract_by_unit: dict[tuple, str] = {}
        self.units: dict[tuple, Unit] = {}
        self.changed_contracts: list[Contract] = []
        self.pending_contract_rows: list[tuple[_Row, tuple, str]] = []
        self.failed_cells: set[tuple[int, str | None]] = set()

    # -- errors --
    def error(self, row: _Row, key: str | None, message) -> None:
        # One message per cell: a value that failed to parse also fails the model check after it.
        if (row.number, key) in self.failed_cells:
            return
        self.failed_cells.add((row.number, key))
        self.result.errors.append(RowError(row.number, row.column(key) if key else "", str(message)))

    def model_errors(self, row: _Row, error: ValidationError, field_columns: dict[str, str]) -> None:
        for field, messages in _messages(error).items():
            for message in messages:
                self.error(row, field_columns.get(field), message)

    # -- pass 1 --
    def resolve(self, rows: list[_Row], headers: dict[str, str], report: Callable[[int], None]) -> None:
        if not rows:
            return
        self._load_existing(rows)
        for done, row in enumerate(rows, start=1):
            # A row with a bad cell is still resolved, so that all of its problems are listed at once.
            self._resolve_row(row, self._parse(row))
            if done % 200 == 0 or done == len(rows):
                report(done)
        self._check_contract_rows()

    def _load_existing(self, rows: list[_Row]) -> None:
        self.cities: dict[str, CityCompany] = {}
        for city in CityCompany.objects.all():
            self.cities[city.code.lower()] = city
            self.cities[city.name.lower()] = city
        self.projects: dict[tuple[int, str], Project] = {}
        for project in Project.objects.select_related("city_company"):
            self.projects[(project.city_company_id, project.code.lower())] = project
            self.projects[(project.city_company_id, project.name.lower())] = project
        project_ids = {p.pk for p in self.projects.values()}
        self.phases = {
            (ph.project_id, ph.name): ph for ph in Phase.objects.filter(project_id__in=project_ids)
        }
        self.buildings = {
            (b.project_id, b.number): b
            for b in Building.objects.filter(project_id__in=project_ids).select_related("project")
        }
        # Units, households and contracts only of the buildings the file names, in the user's projects.
        named = {_building_number(_text(r.values.get("building"))) for r in rows}
        wanted_buildings = [
            b.pk
            for (project_id, number), b in self.buildings.items()
            if number in named and self._in_scope(project_id)
        ]
        self.existing_units = {}
        for unit in Unit.objects.filter(building_id__in=wanted_buildings).select_related("building"):
            self.existing_units[(unit.building_id, unit.entrance, unit.number)] = unit
        unit_ids = [u.pk for u in self.existing_units.values()]
        self.existing_members: dict[tuple[int, int], HouseholdMember] = {}
        self.existing_owner: dict[int, HouseholdMember] = {}
        self.household_names: dict[tuple[int, str], Customer] = {}
        for member in HouseholdMember.objects.filter(unit_id__in=unit_ids).select_related("customer"):
            self.existing_members[(member.unit_id, member.customer_id)] = member
            self.household_names[(member.unit_id, member.customer.name)] = member.customer
            if member.role == HouseholdRole.OWNER:
                self.existing_owner[member.unit_id] = member
        self.active_contract_by_unit = {
            c.unit_id: c for c in Contract.objects.filter(unit_id__in=unit_ids, status=Contract.Status.ACTIVE)
        }
        numbers = {_text(r.values.get("contract_number")) for r in rows} - {""}
        # Contract numbers and ID numbers are unique across the group: looked up everywhere, so that a
        # number taken out of scope is refused (in words that say nothing of the other record).
        self.existing_contracts = {
            c.number: c for c in _in_batches(Contract.objects.select_related("unit"), "number", numbers)
        }
        # Under the current hash key and the old ones: rows not yet rewritten after a key rotation.
        hashes = {
            candidate
            for r in rows
            if _text(r.values.get("id_number"))
            for candidate in pii_hash_candidates(_text(r.values.get("id_number")))
        }
        self.customers_by_hash = {
            (c.id_type, pii_hash(c.id_number)): c
            for c in _in_batches(Customer.objects.all(), "id_number_hash", hashes)
        }
        phones = set()
        for r in rows:
            phones |= {normalize_mobile(p) for p in _PHONE_SEPARATORS.split(_text(r.values.get("phones")))}
        phones.discard("")
        found = list(_in_batches(CustomerPhone.objects.select_related("customer"), "number", phones))
        # Matches stay inside the user's scope: a record they cannot see is never named, updated or
        # linked to a household here (that would pull it into their scope).
        self.visible_customer_ids = self._visible(
            {p.customer_id for p in found} | {c.pk for c in self.customers_by_hash.values()}
        )
        self.customers_by_phone: dict[tuple[str, str], Customer] = {}
        self.phones_of: dict[int, list[str]] = {}
        for phone in found:
            if phone.customer_id in self.visible_customer_ids:
                self.customers_by_phone[(phone.customer.name, phone.number)] = phone.customer
        for phone in CustomerPhone.objects.filter(
            customer_id__in={p.customer_id for p in found}
            | {c.pk for c in self.customers_by_hash.values()}
            | {m.customer_id for m in self.existing_members.values()}
        ).order_by("-is_primary", "id"):
            self.phones_of.setdefault(phone.customer_id, []).append(phone.number)

    def _in_scope(self, project_id: int | None) -> bool:
        return self.scope.is_unrestricted or project_id in self.scope.project_ids

    def _visible(self, customer_ids: set[int]) -> set[int]:
        if self.scope.is_unrestricted or not customer_ids:
            return customer_ids
        visible = Customer.objects.visible_to(self.by).filter(pk__in=customer_ids)
        return set(visible.values_list("pk", flat=True))

    def _parse(self, row: _Row) -> dict:
        values = row.values
        parsed: dict[str, Any] = {}
        for key in ("city_company", "project", "phase", "building", "entrance", "unit_number", "layout"):
            parsed[key] = _text(values.get(key))
        # "3栋" "1单元" "502室" name the same unit as 3-1-502.
        parsed["building"] = _building_number(parsed["building"])
        parsed["entrance"] = re.sub(r"单元$", "", parsed["entrance"])
        parsed["unit_number"] = re.sub(r"(室|号)$", "", parsed["unit_number"])
        parsed["name"] = _text(values.get("name"))
        parsed["contract_number"] = _text(values.get("contract_number"))
        parsed["id_number"] = _text(values.get("id_number")).upper()
        for key in ("city_company", "project", "building", "unit_number"):
            if not parsed[key]:
                self.error(row, key, _("This value is required."))
        converters = {
            "floor": _integer,
            "floor_area": _decimal,
            "price": _decimal,
            "subscribed_on": _date,
            "signed_on": _date,
            "contractual_handover_on": _date,
            "handed_over_on": _date,
            "finish_standard": lambda v: _choice(v, _FINISHES, FinishStandard, None),
            "gender": lambda v: _choice(v, _GENDERS, Gender, Gender.UNKNOWN),
            "id_type": lambda v: _choice(v, _ID_TYPES, IdType, None),
            "role": lambda v: _choice(v, _ROLES, HouseholdRole, None),
        }
        for key, convert in converters.items():
            try:
                parsed[key] = convert(values.get(key))
            except _CellError as error:
                self.error(row, key, error.args[0])
                parsed[key] = None
        if parsed.get("floor") is None and parsed["unit_number"]:
            parsed["floor"] = _floor_from_room(parsed["unit_number"])
            if parsed["floor"] is None:
                self.error(row, "floor", _("This value is required."))
        phones = []
        for raw in _PHONE_SEPARATORS.split(_text(values.get("phones"))):
            number = normalize_mobile(raw)
            if not number:
                continue
            try:
                validate_mobile(number)
            except ValidationError as error:
                self.error(row, "phones", error.messages[0])
                continue
            if number not in phones:
                phones.append(number)
        parsed["phones"] = phones
        if parsed["id_number"] and not parsed["id_type"]:
            parsed["id_type"] = IdType.RESIDENT_ID
        has_customer_data = phones or parsed["id_number"] or parsed["contract_number"] or parsed["role"]
        if not parsed["name"] and has_customer_data:
            self.error(row, "name", _("This value is required."))
        if parsed["name"] and not parsed["role"]:
            parsed["role"] = HouseholdRole.OWNER
        return parsed

    def _project_for(self, row: _Row, city: CityCompany, text: str) -> tuple[tuple, Project] | None:
        project = self.projects.get((city.pk, text.lower()))
        if project is not None:
            if not self.scope.is_unrestricted and project.pk not in self.scope.project_ids:
                self.error(
                    row, "project", _("The project %(project)s is outside your scope.") % {"project": text}
                )
                return None
            return ("id", project.pk), project
        key = ("new", city.pk, text)
        if key in self.new_projects:
            return key, self.new_projects[key]
        if not self.by.may_edit_property():
            self.error(row, "project", _("Unknown project: %(project)s.") % {"project": text})
            return None
        if not self.scope.is_unrestricted and city.pk not in self.scope.city_company_ids:
            self.error(
                row,
                "city_company",
                _("The city company %(city)s is outside your scope.") % {"city": city.name},
            )
            return None
        # Chinese names have no slug: a stable code from the city and the name keeps re-imports idempotent.
        digest = hashlib.sha1(f"{city.code}/{text}".encode()).hexdigest()[:8]
        project = Project(city_company=city, name=text, code=f"{city.code}-{digest}"[:32])
        self.new_projects[key] = project
        self.result.created["projects"] += 1
        return key, project

    def _resolve_row(self, row: _Row, p: dict) -> None:
        city = self.cities.get(p["city_company"].lower())
        if city is None:
            self.error(
                row, "city_company", _("Unknown city company: %(city)s.") % {"city": p["city_company"]}
            )
            return
        found = self._project_for(row, city, p["project"])
        if found is None:
            return
        project_key, project = found
        phase = None
        if p["phase"]:
            phase = self.phases.get((project.pk, p["phase"])) if project.pk else None
            if phase is None:
                phase_key = (project_key, p["phase"])
                if phase_key not in self.new_phases:
                    self.new_phases[phase_key] = Phase(project=project, name=p["phase"])
                    self.result.created["phases"] += 1
                phase = self.new_phases[phase_key]
        building_key = (project_key, p["building"])
        building = self.buildings.get((project.pk, p["building"])) if project.pk else None
        if building is None:
            building = self.new_buildings.get(building_key)
            if building is None:
                building = Building(project=project, phase=phase, number=p["building"], floors=1)
                self.new_buildings[building_key] = building
                self.result.created["buildings"] += 1
            building.floors = max(building.floors, p["floor"] or 1)
        unit = self._resolve_unit(row, p, building, building_key)
        if unit is None:
            return
        unit_key = (building_key, p["entrance"], p["unit_number"])
        if p["name"]:
            self._resolve_customer(row, p, city, project, unit, unit_key)

    def _resolve_unit(self, row: _Row, p: dict, building: Building, building_key: tuple) -> Unit | None:
        unit_key = (building_key, p["entrance"], p["unit_number"])
        if unit_key in self.units:
            return self.units[unit_key]
        existing = (
            self.existing_units.get((building.pk, p["entrance"], p["unit_number"])) if building.pk else None
        )
        unit = existing or Unit(building=building, entrance=p["entrance"], number=p["unit_number"])
        changed = []
        for field in ("floor", "layout", "floor_area", "finish_standard"):
            value = p[field]
            if value in (None, ""):
                if existing is not None:
                    continue  # a blank cell keeps what the unit has
                value = FinishStandard.SHELL if field == "finish_standard" else value
            if getattr(unit, field) != value:
                setattr(unit, field, value)
                changed.append(field)
        # What Unit.save() derives: the project from the building, the code from the address.
        unit.project = building.project
        unit.code = Unit.make_code(building.number, unit.entrance, unit.number)
        try:
            unit.clean_fields(exclude=["project", "building"])
            unit.clean()
        except ValidationError as error:
            self.model_errors(
                row,
                error,
                {
                    "floor": "floor",
                    "floor_area": "floor_area",
                    "layout": "layout",
                    "finish_standard": "finish_standard",
                    "number": "unit_number",
                    "entrance": "entrance",
                },
            )
            return None
        self.units[unit_key] = unit
        if existing is None:
            self.new_units[unit_key] = unit
            self.result.created["units"] += 1
        elif changed:
            self.changed_units[unit.pk] = unit
            self.result.updated["units"] += 1
        return unit

    def _resolve_customer(
        self, row: _Row, p: dict, city: CityCompany, project: Project, unit: Unit, unit_key: tuple
    ) -> None:
        candidate = Customer(
            city_company=city,
            name=p["name"],
            gender=p["gender"] or "",
            id_type=p["id_type"] or "",
            id_number=p["id_number"] or None,
        )
        try:
            candidate.clean_fields(
                exclude=[
                    "city_company",
                    "registered_project",
                    "referrer",
                    "id_number_hash",
                    "id_number_masked",
                ]
            )
            candidate.clean()
        except ValidationError as error:
            self.model_errors(
                row,
                error,
                {"name": "name", "gender": "gender", "id_type": "id_type", "id_number": "id_number"},
            )
            return
        existing = None
        if candidate.id_number:
            key = ("id", candidate.id_type, pii_hash(candidate.id_number))
            existing = self.customers_by_hash.get(key[1:])
            if existing is not None and existing.pk not in self.visible_customer_ids:
                self.error(row, "id_number", ID_NUMBER_UNAVAILABLE)
                return
        elif p["phones"]:
            key = ("phone", p["name"], p["phones"][0])
            existing = next(
                (
                    self.customers_by_phone[(p["name"], n)]
                    for n in p["phones"]
                    if (p["name"], n) in self.customers_by_phone
                ),
                None,
            )
        else:
            key = ("household", unit_key, p["name"])
            existing = self.household_names.get((unit.pk, p["name"])) if unit.pk else None
        if key in self.customer_rows:
            customer = self.customers[key]
            if customer.name != p["name"]:
                self.error(
                    row,
                    "id_number",
                    _("Row %(row)s has the same ID number with another name.")
                    % {"row": self.customer_rows[key]},
                )
                return
        elif existing is not None:
            customer = existing
            if customer.name != p["name"]:
                self.error(
                    row,
                    "id_number",
                    _("This ID number belongs to customer %(name)s.") % {"name": customer.name},
                )
                return
        else:
            candidate.registered_project = project
            customer = candidate
            self.new_customers[key] = customer
            self.result.created["customers"] += 1
        self.customers[key] = customer
        self.customer_rows.setdefault(key, row.number)
        known = self.phones.setdefault(key, [])
        for number in p["phones"]:
            if number not in known and number not in self.phones_of.get(customer.pk, []):
                known.append(number)
                self.result.created["phones"] += 1
        self._resolve_member(row, p, unit, unit_key, customer, key)

    def _resolve_member(
        self, row: _Row, p: dict, unit: Unit, unit_key: tuple, customer: Customer, key
    ) -> None:
        role = p["role"]
        pair = (unit_key, key)
        if pair in self.members:
            self.error(
                row,
                "unit_number",
                _("Unit %(unit)s and this customer are already in row %(row)s.")
                % {"unit": unit.code, "row": self.members[pair][2]},
            )
            return
        if role == HouseholdRole.OWNER:
            if unit_key in self.owner_rows:
                self.error(
                    row,
                    "unit_number",
                    _("Unit %(unit)s already has its owner in row %(row)s.")
                    % {"unit": unit.code, "row": self.owner_rows[unit_key][1]},
                )
                return
            current = self.existing_owner.get(unit.pk) if unit.pk else None
            if current is not None and current.customer_id != customer.pk:
                self.error(
                    row,
                    "role",
                    _("Unit %(unit)s already has a primary owner (%(name)s).")
                    % {"unit": unit.code, "name": current.customer.name},
                )
                return
            self.owner_rows[unit_key] = (key, row.number)
            if p["contract_number"]:
                self._resolve_contract(row, p, unit, unit_key, customer, key)
        elif p["contract_number"]:
            self.pending_contract_rows.append((row, unit_key, p["contract_number"]))
        self.members[pair] = (role, p["handed_over_on"] if role == HouseholdRole.OWNER else None, row.number)
        member = self.existing_members.get((unit.pk, customer.pk)) if unit.pk and customer.pk else None
        if member is None:
            self.result.created["household_members"] += 1
        elif member.role != role:
            if member.role == HouseholdRole.OWNER and unit.pk in self.active_contract_by_unit:
                self.error(row, "role", _("The primary buyer of an active contract stays the unit's owner."))
                return
            self.result.updated["household_members"] += 1

    def _resolve_contract(
        self, row: _Row, p: dict, unit: Unit, unit_key: tuple, customer: Customer, key
    ) -> None:
        number = p["contract_number"]
        if number in self.contracts:
            self.error(
                row,
                "contract_number",
                _("Contract %(number)s is already in row %(row)s.")
                % {"number": number, "row": self.contracts[number][3]},
            )
            return
        fields = {
            f: p[f]
            for f in ("subscribed_on", "signed_on", "price", "contractual_handover_on", "handed_over_on")
        }
        if fields["price"] is None:
            self.error(row, "price", _("This value is required."))
            return
        existing = self.existing_contracts.get(number)
        active = self.active_contract_by_unit.get(unit.pk) if unit.pk else None
        if existing is not None and not self._in_scope(existing.unit.project_id):
            self.error(row, "contract_number", CONTRACT_NUMBER_UNAVAILABLE)
            return
        if existing is not None and existing.unit_id != unit.pk:
            self.error(
                row, "contract_number", _("Contract %(number)s belongs to another unit.") % {"number": number}
            )
            return
        if active is not None and active.number != number:
            self.error(
                row,
                "contract_number",
                _("Unit %(unit)s already has the active contract %(number)s.")
                % {"unit": unit.code, "number": active.number},
            )
            return
        if existing is not None and existing.primary_buyer_id != customer.pk:
            self.error(row, "name", _("Contract %(number)s has another primary buyer.") % {"number": number})
            return
        contract = existing or Contract(number=number)
        changed = [f for f, v in fields.items() if getattr(contract, f) != v]
        for field in changed:
            setattr(contract, field, fields[field])
        try:
            contract.clean_fields(exclude=["unit", "primary_buyer", "status", "commitments"])
            contract.clean()
        except ValidationError as error:
            self.model_errors(row, error, {f: f for f in fields} | {"number": "contract_number"})
            return
        self.contracts[number] = (unit_key, key, contract, row.number)
        self.contract_by_unit[unit_key] = number
        if existing is None:
            self.result.created["contracts"] += 1
        elif changed:
            self.changed_contracts.append(contract)
            self.result.updated["contracts"] += 1

    def _check_contract_rows(self) -> None:
        for row, unit_key, number in self.pending_contract_rows:
            if self.contract_by_unit.get(unit_key) != number:
                self.error(row, "contract_number", _("Only the owner's row (业主) carries the contract."))

    # -- pass 2 --
    def write(self, report: Callable[[float], None]) -> None:
        steps = 9
        _bulk_create(Project, list(self.new_projects.values()))
        report(1 / steps)
        _bulk_create(Phase, list(self.new_phases.values()))
        _bulk_create(Building, list(self.new_buildings.values()))
        report(2 / steps)
        _bulk_create(Unit, list(self.new_units.values()))
        now = timezone.now()
        for row in [*self.changed_units.values(), *self.changed_contracts]:
            row.updated_at = now  # bulk_update skips auto_now
        if self.changed_units:
            Unit.objects.bulk_update(
                list(self.changed_units.values()),
                ["floor", "layout", "floor_area", "finish_standard", "updated_at"],
                batch_size=BATCH_SIZE,
            )
        report(4 / steps)
        for customer in self.new_customers.values():
            # What Customer.save() derives: the search hash and the mask of the ID number.
            customer.id_number_hash = pii_hash(customer.id_number) if customer.id_number else ""
            customer.id_number_masked = mask_id_number(customer.id_number or "")
        _bulk_create(Customer, list(self.new_customers.values()))
        report(6 / steps)
        phones = []
        for key, numbers in self.phones.items():
            customer = self.customers[key]
            has_primary = bool(self.phones_of.get(customer.pk)) and key not in self.new_customers
            for position, number in enumerate(numbers):
                # What CustomerPhone.save() derives: the indexed last four digits.
                phones.append(
                    CustomerPhone(
                        customer=customer,
                        number=number,
                        last4=number[-4:],
                        is_primary=not has_primary and position == 0,
                    )
                )
        _bulk_create(CustomerPhone, phones)
        report(7 / steps)
        new_members, changed_members = [], []
        for (unit_key, customer_key), (role, since, _row) in self.members.items():
            unit, customer = self.units[unit_key], self.customers[customer_key]
            member = self.existing_members.get((unit.pk, customer.pk))
            if member is None:
                new_members.append(
                    # bulk_create skips save(): the unit's project is copied here.
                    HouseholdMember(
                        unit=unit, customer=customer, role=role, since=since, project_id=unit.project_id
                    )
                )
            elif member.role != role:
                member.role, member.updated_at = role, now
                changed_members.append(member)
        # Owners first: a changed role must not meet the old owner in the one-owner constraint.
        HouseholdMember.objects.bulk_update(changed_members, ["role", "updated_at"], batch_size=BATCH_SIZE)
        _bulk_create(HouseholdMember, new_members)
        report(8 / steps)
        new_contracts = []
        for unit_key, customer_key, contract, _row in self.contracts.values():
            if contract.pk is None:
                contract.unit, contract.primary_buyer = self.units[unit_key], self.customers[customer_key]
                new_contracts.append(contract)
        _bulk_create(Contract, new_contracts)
        for contract in self.changed_contracts:
            contract.version += 1  # an open edit form of this contract now gets a conflict
        Contract.objects.bulk_update(
            self.changed_contracts,
            [
                "subscribed_on",
                "signed_on",
                "price",
                "contractual_handover_on",
                "handed_over_on",
                "version",
                "updated_at",
            ],
            batch_size=BATCH_SIZE,
        )
        # Bulk writes skip Contract.save(): refresh the stage dates of every buyer touched.
        customers_refresh_contract_dates(
            customer_ids={c.primary_buyer_id for c in [*new_contracts, *self.changed_contracts]}
        )
        if self.new_projects:
            # bulk_create sends no post_save: drop the complaint desk's cached project list.
            from complaints.selectors import forget_reference_data

            forget_reference_data()
        report(1.0)


def _bulk_create(model, objects: list) -> None:
    # Parents were bulk-created first, so bulk_create copies their new pks into the foreign keys.
    for start in range(0, len(objects), BATCH_SIZE):
        model.objects.bulk_create(objects[start : start + BATCH_SIZE])


def _in_batches(queryset, field: str, values: Iterable, size: int = 500):
    values = list(values)
    for start in range(0, len(values), size):
        yield from queryset.filter(**{f"{field}__in": values[start : start + size]})


def workbook_template(rows: Iterable[Iterable[Any]] = ()) -> bytes:
    """An .xlsx with the Chinese headers the import expects, and `rows` below them."""
    from io import BytesIO

    from openpyxl import Workbook

    from crm.excel import append_row

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "房屋客户"
    append_row(sheet, TEMPLATE_HEADERS)
    for row in rows:
        append_row(sheet, row)
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
