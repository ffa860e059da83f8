"""The OpenAPI schema tells the truth about what the API refuses and answers (drf-spectacular hook).

`postprocess_schema` runs after drf-spectacular has built the schema (SPECTACULAR_SETTINGS'
POSTPROCESSING_HOOKS) and adds what each view's decorators cannot say once for all:

- the error answers, in the project's format (core.api.exception_handler): 400 with field messages
  where the operation reads input, 401 and 403 everywhere, 404 where the path names a record, 409 and
  428 where the write needs the version edited (the If-Match header), 415 where it takes a body, and
  414 where the URL carries parameters (the HTTP server's answer to a URL too long for it);
- If-Match keeps to a version's pattern; it stays optional, as the server has it: the version edited
  comes in If-Match or in the body's `version`, and without either the write answers 428 (OpenAPI
  cannot say "one of a header and a body field", so .ci/schemathesis.toml expects that 428);
- request bodies are JSON, except those carrying files (multipart);
- text a request sends must not contain control characters (core.parsers, core.middleware);
- `format: time` becomes a pattern: JSON Schema's `time` wants a UTC offset, Django's times have none.
"""

from __future__ import annotations

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers

from .api_filters import NO_CONTROL_CHARACTERS

IF_MATCH_PATTERN = '^(W/)?"?[0-9]{1,9}"?$'
# What REST_FRAMEWORK["TIME_INPUT_FORMATS"] reads (strptime's %H, %M and %S take one or two digits).
TIME_PATTERN = "^[0-9]{1,2}:[0-9]{1,2}(:[0-9]{1,2}(\\.[0-9]{1,6})?)?$"
ERROR_COMPONENTS = {
    "ErrorDetail": {
        "type": "object",
        "description": "An error that is not about one field: `detail` says what went wrong.",
        "properties": {"detail": {"type": "string"}},
        "required": ["detail"],
    },
    "ValidationErrors": {
        "type": "object",
        "description": (
            "Field messages: each field (or `non_field_errors`, or `detail`) maps to its messages; "
            "a nested field maps to the same shape."
        ),
        "additionalProperties": {},
    },
}
ERROR_DESCRIPTIONS = {
    "400": ("ValidationErrors", "Invalid input; field messages in the body."),
    "401": ("ErrorDetail", "Not logged in, or the API token is unknown, expired or revoked."),
    "403": ("ErrorDetail", "The role may not do this, or the target is outside the user's scope."),
    "404": ("ErrorDetail", "Not found within the user's scope."),
    "409": ("ErrorDetail", "Stale version: someone else saved the record meanwhile."),
    "415": ("ErrorDetail", "The body is not JSON (or, for uploads, multipart form data)."),
    "428": ("ErrorDetail", "No version given (If-Match header or body `version`)."),
}
BODY_METHODS = {"post", "put", "patch"}
URI_TOO_LONG = "The URL is longer than the HTTP server reads (gunicorn: a 4094-byte request line)."


def postprocess_schema(result, generator, request, public):
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components.update(ERROR_COMPONENTS)
    for path, methods in result.get("paths", {}).items():
        for method, operation in methods.items():
            if method in {"get", "put", "patch", "post", "delete", "head", "options", "trace"}:
                _operation(path, method, operation)
    for name, schema in components.items():
        _walk(schema, request_side=name.endswith("Request"))
    return result


def _operation(path: str, method: str, operation: dict) -> None:
    parameters = operation.get("parameters", [])
    versioned = False
    for parameter in parameters:
        schema = parameter.setdefault("schema", {})
        if parameter["in"] == "header" and parameter["name"].lower() == "if-match":
            versioned = True
            schema.update(type="string", pattern=IF_MATCH_PATTERN)
        elif parameter["in"] in ("query", "path"):
            _walk(schema, request_side=True)
    body = operation.get("requestBody")
    if body:
        content = body.get("content", {})
        carries_files = any("binary" in repr(media.get("schema")) for media in content.values())
        if not carries_files and "application/json" in content:
            body["content"] = {"application/json": content["application/json"]}
        else:
            body["content"] = {key: media for key, media in content.items() if key != "application/json"}
        for media in body["content"].values():
            _walk(media.get("schema", {}), request_side=True)
    reads_input = bool(body) or any(p["in"] in ("query", "path", "header") for p in parameters)
    codes = ["401", "403"]
    if reads_input or method in BODY_METHODS:
        codes.append("400")
    if "{" in path:
        codes.append("404")
    if versioned:
        codes += ["409", "428"]
    if method in BODY_METHODS:
        codes.append("415")
    responses = operation.setdefault("responses", {})
    for code in codes:
        component, description = ERROR_DESCRIPTIONS[code]
        response = responses.setdefault(code, {"description": description})
        response.setdefault(
            "content", {"application/json": {"schema": {"$ref": f"#/components/schemas/{component}"}}}
        )
    if any(p["in"] in ("query", "path") for p in parameters):
        # Answered by the HTTP server (gunicorn, a proxy) before the API reads the request: no body.
        responses.setdefault("414", {"description": URI_TOO_LONG})


def _walk(schema, *, request_side: bool) -> None:
    """Fix `format: time` everywhere and forbid control characters in request-side text."""
    if isinstance(schema, list):
        for item in schema:
            _walk(item, request_side=request_side)
        return
    if not isinstance(schema, dict):
        return
    if schema.get("format") == "time":
        del schema["format"]
        schema["pattern"] = TIME_PATTERN
    elif (
        request_side
        and schema.get("type") == "string"
        and not ({"enum", "format", "pattern", "$ref"} & set(schema))
    ):
        schema["pattern"] = NO_CONTROL_CHARACTERS
    for key, value in schema.items():
        if key in ("properties", "patternProperties"):
            for item in value.values():
                _walk(item, request_side=request_side)
        elif key in ("items", "additionalProperties", "allOf", "anyOf", "oneOf", "not"):
            _walk(value, request_side=request_side)


class CrmAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema, with blank text and nulls where the model allows them.

    A read-only field read through a relation that may be empty (`source="override_by"`,
    `source="contract.number"` where the contract is optional) answers null: it is nullable.

    DRF drops `allow_blank` from a ModelSerializer's read-only fields, so an answer's `""` (a
    customer without an ID type or email) contradicted the enum or format the schema gave. Here a
    text field whose model field is blank=True lists `""` among its choices (drf-spectacular then
    adds its BlankEnum) and keeps its format (email, uri …) or pattern (a slug's) for the non-blank
    values only."""

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        meta = super()._map_serializer_field(field, direction, bypass_extensions)
        if field.read_only and _may_be_null(field) and "$ref" not in meta:
            meta["nullable"] = True
        if not isinstance(field, serializers.CharField | serializers.ChoiceField) or not _may_be_blank(field):
            return meta
        if "enum" in meta and "" not in meta["enum"]:
            meta["enum"] = [*meta["enum"], ""]
        return meta

    def _insert_field_validators(self, field, schema):
        super()._insert_field_validators(field, schema)  # an EmailValidator adds its format here
        if not (isinstance(field, serializers.CharField) and _may_be_blank(field)):
            return
        # A format (email, uri …) or a pattern (a slug's) holds for the non-blank values only.
        for key in ("format", "pattern"):
            if key in schema:
                schema["anyOf"] = [{key: schema.pop(key)}, {"maxLength": 0}]
                break


def _may_be_blank(field) -> bool:
    if getattr(field, "allow_blank", False):
        return True
    if not field.read_only:
        return False
    model = getattr(getattr(field.parent, "Meta", None), "model", None)
    if model is None or not field.source or "." in field.source or field.source == "*":
        return False
    try:
        model_field = model._meta.get_field(field.source)
    except FieldDoesNotExist:
        return False
    return bool(getattr(model_field, "blank", False)) and isinstance(
        model_field, models.CharField | models.TextField
    )


def _may_be_null(field) -> bool:
    """A read-only field whose source follows a nullable relation (or whose default is None)."""
    if getattr(field, "default", None) is None and field.default is not serializers.empty:
        return True
    model = getattr(getattr(field.parent, "Meta", None), "model", None)
    if model is None or not field.source or field.source == "*":
        return False
    for name in field.source.split("."):
        try:
            model_field = model._meta.get_field(name)
        except FieldDoesNotExist:
            return False
        if not model_field.is_relation:
            return False
        if model_field.null:
            return True
        model = model_field.related_model
        if model is None:
            return False
    return False
