"""Chinese identity data: mainland mobile numbers and 18-digit resident IDs (GB 11643-1999)."""

import datetime
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_CODES = "10X98765432"


def normalize_mobile(value: str) -> str:
    """Drop spaces, dashes and a +86/86 prefix that agents paste from call records."""
    digits = re.sub(r"[\s\-()]", "", value or "")
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits


def validate_mobile(value: str) -> None:
    if not MOBILE_RE.match(value or ""):
        raise ValidationError(
            _("%(value)s is not a mainland mobile number (11 digits starting with 13–19)."),
            code="invalid_mobile",
            params={"value": value},
        )


def resident_id_check_code(first17: str) -> str:
    total = sum(int(digit) * weight for digit, weight in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK_CODES[total % 11]


def validate_resident_id(value: str) -> None:
    value = (value or "").upper()
    if not re.fullmatch(r"\d{17}[\dX]", value):
        raise ValidationError(
            _("A resident ID number has 18 characters: 17 digits and a digit or X."), code="invalid_id"
        )
    try:
        datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise ValidationError(
            _("The birth date inside this ID number does not exist."), code="invalid_id"
        ) from None
    if resident_id_check_code(value[:17]) != value[17]:
        raise ValidationError(_("This ID number's check digit is wrong; please check it."), code="invalid_id")


def birth_date_from_resident_id(value: str) -> datetime.date:
    return datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
