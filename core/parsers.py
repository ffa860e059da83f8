"""The API's JSON parser: text with a control character is refused with a 400 naming the field.

JSON can carry any character as an escape (`"\\u0007"`), which UnreadableInputMiddleware does not
see (it reads query strings and forms). A NUL would be a 500 where the value reaches PostgreSQL, and
the other C0 controls have no business in a name, a note or a code. Tab, line feed and carriage
return stay allowed (a multi-line note). The schema says the same (core.openapi): every text field of
a request has the pattern NO_CONTROL_CHARACTERS.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.parsers import JSONParser
from rest_framework.settings import api_settings

from .validators import has_control_characters

CONTROL_CHARACTER_MESSAGE = _("Remove the control characters (such as a NUL byte) from this text.")


class ControlCharacterRejectingJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        errors = control_character_errors(data)
        if errors:
            raise exceptions.ValidationError(errors)
        return data


def control_character_errors(data) -> dict[str, list[str]]:
    """{field: [message]} for each top-level field whose text (at any depth) has a control character."""
    if not isinstance(data, dict):
        return {api_settings.NON_FIELD_ERRORS_KEY: [CONTROL_CHARACTER_MESSAGE]} if _has_control(data) else {}
    errors = {}
    for key, value in data.items():
        if has_control_characters(key):
            errors[api_settings.NON_FIELD_ERRORS_KEY] = [CONTROL_CHARACTER_MESSAGE]
        elif _has_control(value):
            errors[key] = [CONTROL_CHARACTER_MESSAGE]
    return errors


def _has_control(value) -> bool:
    if isinstance(value, str):
        return has_control_characters(value)
    if isinstance(value, dict):
        return any(has_control_characters(key) or _has_control(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_has_control(item) for item in value)
    return False
