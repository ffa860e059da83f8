"""Text the CRM accepts from a request: no NUL byte, and no other control character where a line of
text is expected (a query parameter, a search box). PostgreSQL refuses NUL in text columns and
queries, so without this check a NUL would be a 500; SQLite stores it silently."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

NUL = "\x00"
# C0 controls and DEL, except tab, line feed and carriage return (a textarea's line breaks).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def has_control_characters(text: str) -> bool:
    return bool(CONTROL_CHARACTERS.search(text))


def validate_single_line_text(value: str) -> None:
    """A form field's validator: one line of printable text (a search, a name, a code)."""
    if value and (has_control_characters(value) or "\n" in value or "\r" in value):
        raise ValidationError(_("Use letters, digits and punctuation only."), code="control_characters")
