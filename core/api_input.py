"""The API reads its input as strictly as its schema describes it (issue 18).

DRF reads leniently where the schema is exact: in a JSON body a text field takes the number `0`, a
number field the text `"7"`, a boolean `"true"`, `1` or `"yes"`; and a query parameter read through a
serializer (`kind=`, `start=`) is taken as absent when it is empty, so a client's typo silently
answers the whole list. Here:

- `install()` (CoreConfig.ready) makes DRF's own text, integer, number and boolean fields, declared or
  made by a model serializer, refuse a JSON value of another type with their own "invalid" message;
  in a query string or a form (text throughout) a boolean is `true` or `false`, as the filters'
  (core.api_filters). DRF has no setting for this, so the check wraps each field's to_internal_value.
- QuerySerializer: the base of the serializers that read query parameters; an empty value is refused
  with a field message (400) unless the field is text that may be blank.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.utils import html

from core.api_filters import BOOLEAN_VALUES, EMPTY_MESSAGE

# The field, the JSON types its value must have (bool is an int in Python: refused unless named).
JSON_TYPES = (
    (serializers.CharField, (str,)),
    (serializers.IntegerField, (int,)),
    (serializers.FloatField, (int, float)),
    (serializers.BooleanField, (bool,)),
)
BOOLEAN_MESSAGE = _("Must be true or false.")


def install() -> None:
    for field_class, types in JSON_TYPES:
        if getattr(field_class.to_internal_value, "strict_types", None) is None:
            field_class.to_internal_value = _strict(field_class.to_internal_value, types)
    serializers.BooleanField.default_error_messages["invalid"] = BOOLEAN_MESSAGE


def _strict(to_internal_value, types):
    def strict_to_internal_value(self, data):
        if _reads_text(self):
            if (
                isinstance(self, serializers.BooleanField)
                and not isinstance(data, bool)  # an absent form checkbox reads as False
                and data not in BOOLEAN_VALUES
            ):
                self.fail("invalid", input=data)
        elif not isinstance(data, types) or (isinstance(data, bool) and bool not in types):
            self.fail("invalid", input=data)
        return to_internal_value(self, data)

    strict_to_internal_value.strict_types = types
    return strict_to_internal_value


def _reads_text(field) -> bool:
    """Query parameters and form fields are text: there `"7"` is a number; in JSON only `7` is."""
    return html.is_html_input(getattr(field.root, "initial_data", None))


class QuerySerializer(serializers.Serializer):
    """Reads request.query_params: an empty value is an error, not an absent parameter."""

    def to_internal_value(self, data):
        empty = {}
        if html.is_html_input(data):
            for field in self._writable_fields:
                if isinstance(field, serializers.CharField) and field.allow_blank:
                    continue
                if isinstance(field, serializers.ListField):  # the view drops empty items itself
                    continue
                if "" in data.getlist(field.field_name):
                    empty[field.field_name] = [EMPTY_MESSAGE]
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as error:
            raise serializers.ValidationError({**error.detail, **empty}) from None
        if empty:
            raise serializers.ValidationError(empty)
        return value
