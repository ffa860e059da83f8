"""The API's list filters refuse what they cannot read, with a 400 and field messages.

django-filter reads leniently: a boolean filter takes `is_active=1896` or `unread=null` as "no
filter", and an empty value (`date=`, `status=`) is ignored, so a client's typo silently returns the
whole list. StrictFilterBackend checks the raw query values of the view's filters first: a boolean is
`true` or `false`, and only a text filter may be empty; then django-filter validates the rest
(numbers, dates, choices, ids) and answers 400 with its field messages, as before.

StrictFilterSchema (a drf-spectacular extension of the same backend) documents those rules: the
bounds of number filters (`min_value`, `max_value`), and the control characters every query
parameter refuses (core.middleware.UnreadableInputMiddleware).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_filters import filters as django_filters
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.contrib.django_filters import DjangoFilterExtension
from rest_framework import exceptions

# The control characters UnreadableInputMiddleware refuses (core.validators), as a JSON-schema pattern.
NO_CONTROL_CHARACTERS = "^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f]*$"
BOOLEAN_VALUES = {"true", "false", "True", "False"}
TEXT_FILTERS = (django_filters.CharFilter,)
EMPTY_MESSAGE = _("This filter may not be empty: give a value or leave it out.")


class StrictFilterBackend(DjangoFilterBackend):
    """DjangoFilterBackend that refuses invalid or empty filter values instead of ignoring them."""

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None:
            errors = strict_filter_errors(filterset_class, request.query_params)
            if errors:
                raise exceptions.ValidationError(errors)
        return super().filter_queryset(request, queryset, view)


def strict_filter_errors(filterset_class, params) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for name, filter_field in filterset_class.base_filters.items():
        if isinstance(filter_field, django_filters.MultipleChoiceFilter | django_filters.BaseCSVFilter):
            continue
        if isinstance(filter_field, django_filters.RangeFilter):  # DateFromToRangeFilter included
            suffixes = getattr(filter_field.field_class.widget, "suffixes", ["min", "max"])
            for suffix in suffixes:
                key = f"{name}_{suffix}" if suffix else name
                if "" in params.getlist(key):
                    errors[key] = [EMPTY_MESSAGE]
            continue
        for value in params.getlist(name):
            if isinstance(filter_field, django_filters.BooleanFilter):
                if value not in BOOLEAN_VALUES:
                    errors[name] = [_("Must be true or false.")]
            elif value == "" and not isinstance(filter_field, TEXT_FILTERS):
                errors[name] = [EMPTY_MESSAGE]
            elif _counts_whole(filterset_class, filter_field) and not _is_whole_number(value):
                errors[name] = [_("Give a whole number.")]
    return errors


def _counts_whole(filterset_class, filter_field) -> bool:
    """A number filter on an integer column (the schema says integer): 0.5 is refused, not rounded."""
    if not isinstance(filter_field, django_filters.NumberFilter) or filter_field.method:
        return False
    model = filterset_class._meta.model
    try:
        model_field = model._meta.get_field(filter_field.field_name.split("__")[0])
    except Exception:  # an annotation or a path the model does not name
        return False
    return isinstance(model_field, models.IntegerField | models.AutoField | models.ForeignKey)


def _is_whole_number(value: str) -> bool:
    digits = value[1:] if value.startswith("-") else value
    return digits.isascii() and digits.isdigit()


class StrictFilterSchema(DjangoFilterExtension):
    target_class = "core.api_filters.StrictFilterBackend"
    match_subclasses = True
    priority = 1

    def resolve_filter_field(self, auto_schema, model, filterset_class, field_name, filter_field):
        parameters = super().resolve_filter_field(
            auto_schema, model, filterset_class, field_name, filter_field
        )
        for parameter in parameters:
            schema = parameter.get("schema", {})
            if schema.get("type") in ("integer", "number"):
                for bound, key in (("min_value", "minimum"), ("max_value", "maximum")):
                    if filter_field.extra.get(bound) is not None:
                        schema[key] = filter_field.extra[bound]
                if isinstance(filter_field, django_filters.ModelChoiceFilter):
                    schema.setdefault("minimum", 1)
            elif schema.get("type") == "string" and not ({"enum", "format", "pattern"} & set(schema)):
                schema["pattern"] = NO_CONTROL_CHARACTERS
                if not isinstance(filter_field, TEXT_FILTERS):
                    schema["minLength"] = 1
        return parameters
