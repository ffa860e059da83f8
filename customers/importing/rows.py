"""The sheet's columns, and each row's cells parsed into values and checked."""

from __future__ import annotations

import dataclasses
import datetime
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from properties.models import FinishStandard

from ..models import Gender, HouseholdRole, IdType
from ..validators import normalize_mobile, validate_mobile


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
PHONE_SEPARATORS = re.compile(r"[,，;；/、\s]+")


def header_key(text: str) -> str:
    text = re.sub(r"[(（\[].*?[)）\]]\s*$", "", str(text or "")).strip().lower()
    return re.sub(r"[\s_\-]+", " ", text)


HEADER_ALIASES = {header_key(alias): column for column in COLUMNS for alias in column.aliases}


def cell_text(value: Any) -> str:
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
    text = cell_text(value)
    for fmt in _DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise _CellError(_("%(value)s is not a date (use 2024-03-15).") % {"value": text})


def _decimal(value: Any) -> Decimal | None:
    if value in (None, ""):
        return None
    text = re.sub(r"[,，\s元㎡]|m²|m2", "", cell_text(value))
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise _CellError(_("%(value)s is not a number.") % {"value": cell_text(value)}) from None
    if not number.is_finite():
        raise _CellError(_("%(value)s is not a number.") % {"value": cell_text(value)})
    return number.quantize(Decimal("0.01"))


def _integer(value: Any) -> int | None:
    if value in (None, ""):
        return None
    text = re.sub(r"[层楼F\s]", "", cell_text(value), flags=re.IGNORECASE)
    try:
        return int(Decimal(text))
    except (InvalidOperation, ValueError):
        raise _CellError(_("%(value)s is not a whole number.") % {"value": cell_text(value)}) from None


def _choice(value: Any, mapping: dict, choices: type, default=None):
    text = cell_text(value)
    if not text:
        return default
    key = header_key(text)
    if key in mapping:
        return mapping[key]
    for choice in choices:
        if key in (str(choice.value).lower().replace("_", " "), header_key(str(choice.label))):
            return choice
    raise _CellError(_("“%(value)s” is not one of the known values.") % {"value": text})


def building_number(text: str) -> str:
    return re.sub(r"(栋|幢|号楼|座)$", "", text)


def _floor_from_room(number: str) -> int | None:
    digits = re.match(r"^(\d+)\d\d$", number)
    return int(digits[1]) if digits else None


@dataclasses.dataclass
class Row:
    number: int
    values: dict[str, Any]
    headers: dict[str, str]  # column key -> header as written

    def column(self, key: str) -> str:
        return self.headers.get(key) or str(next(c.label for c in COLUMNS if c.key == key))


def row_parse(row: Row, on_error: Callable[[Row, str | None, Any], None]) -> dict:
    """The row's cells as values, each checked; a bad cell goes to `on_error` (row, column key,
    message) and reads as None, so that the rest of the row is still checked."""
    values = row.values
    parsed: dict[str, Any] = {}
    for key in ("city_company", "project", "phase", "building", "entrance", "unit_number", "layout"):
        parsed[key] = cell_text(values.get(key))
    # "3栋" "1单元" "502室" name the same unit as 3-1-502.
    parsed["building"] = building_number(parsed["building"])
    parsed["entrance"] = re.sub(r"单元$", "", parsed["entrance"])
    parsed["unit_number"] = re.sub(r"(室|号)$", "", parsed["unit_number"])
    parsed["name"] = cell_text(values.get("name"))
    parsed["contract_number"] = cell_text(values.get("contract_number"))
    parsed["id_number"] = cell_text(values.get("id_number")).upper()
    for key in ("city_company", "project", "building", "unit_number"):
        if not parsed[key]:
            on_error(row, key, _("This value is required."))
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
            on_error(row, key, error.args[0])
            parsed[key] = None
    if parsed.get("floor") is None and parsed["unit_number"]:
        parsed["floor"] = _floor_from_room(parsed["unit_number"])
        if parsed["floor"] is None:
            on_error(row, "floor", _("This value is required."))
    phones = []
    for raw in PHONE_SEPARATORS.split(cell_text(values.get("phones"))):
        number = normalize_mobile(raw)
        if not number:
            continue
        try:
            validate_mobile(number)
        except ValidationError as error:
            on_error(row, "phones", error.messages[0])
            continue
        if number not in phones:
            phones.append(number)
    parsed["phones"] = phones
    if parsed["id_number"] and not parsed["id_type"]:
        parsed["id_type"] = IdType.RESIDENT_ID
    has_customer_data = phones or parsed["id_number"] or parsed["contract_number"] or parsed["role"]
    if not parsed["name"] and has_customer_data:
        on_error(row, "name", _("This value is required."))
    if parsed["name"] and not parsed["role"]:
        parsed["role"] = HouseholdRole.OWNER
    return parsed
