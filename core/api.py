"""Conventions shared by every app's API: cursor pagination, scoped references and error shape."""

from base64 import b64decode

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError, IntegrityError, models
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import defaults
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import CursorPagination
from rest_framework.relations import MANY_RELATION_KWARGS
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.utils import html
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

# Primary keys are bigints: anything longer is refused before it reaches the database driver.
MAX_ID = 2**63 - 1


class IdCursorPagination(CursorPagination):
    """Keyset pagination on the primary key: constant cost at any depth, no COUNT(*).

    The cursor is input like any other: DRF decodes it leniently (`!!!` reads as the first page) and
    puts its position into the query unchecked (`p=abc` against an integer id is a 500). Here a cursor
    this server did not write answers 400 with a `cursor` field message, before any query.
    """

    ordering = "-id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    invalid_cursor_message = gettext_lazy(
        "This cursor is broken: follow the `next` / `previous` links, or start again without `cursor`."
    )

    invalid_page_size_message = gettext_lazy("Give a whole number from 1 to %(max)d.")

    def paginate_queryset(self, queryset, request, view=None):
        self.model = queryset.model
        return super().paginate_queryset(queryset, request, view)

    def get_page_size(self, request):
        """`page_size` is 1 … max_page_size; anything else is refused, not replaced by the default."""
        raw = request.query_params.getlist(self.page_size_query_param)
        if not raw:
            return self.page_size
        value = raw[-1]
        if (
            len(raw) > 1
            or not (value.isascii() and value.isdigit())
            or not 0 < int(value) <= self.max_page_size
        ):
            raise exceptions.ValidationError(
                {self.page_size_query_param: [self.invalid_page_size_message % {"max": self.max_page_size}]}
            )
        return int(value)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
        return parameters

    def decode_cursor(self, request):
        encoded = request.query_params.get(self.cursor_query_param)
        if encoded is None:
            return None
        try:
            b64decode(encoded.encode("ascii"), validate=True)
            cursor = super().decode_cursor(request)
        except (ValueError, exceptions.NotFound):  # binascii.Error and UnicodeError are ValueErrors
            raise self._broken() from None
        if cursor.position is not None:
            self._check_position(cursor.position)
        return cursor

    def _check_position(self, position: str) -> None:
        field = self.model._meta.get_field(self.ordering[0].lstrip("-"))
        if isinstance(field, models.IntegerField):  # ids, AutoField included
            if not (position.isascii() and position.isdigit() and len(position) <= 19):
                raise self._broken()
            if not 0 < int(position) <= MAX_ID:
                raise self._broken()
            return
        try:
            field.to_python(position)
        except DjangoValidationError:
            raise self._broken() from None

    def _broken(self) -> exceptions.ValidationError:
        return exceptions.ValidationError({self.cursor_query_param: [self.invalid_cursor_message]})


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = gettext_lazy("Someone else changed this record; reload it and try again.")
    default_code = "conflict"


class PreconditionRequired(exceptions.APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = gettext_lazy("Send the version you edited (a `version` field or an If-Match header).")
    default_code = "precondition_required"


class BoundedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A reference by id as the schema has it: an integer (in JSON a number: "7", 7.5 and true are
    refused, not read), beyond a bigint an unknown id; many=True takes a list (not an object)."""

    @classmethod
    def many_init(cls, *args, **kwargs):
        list_kwargs = {"child_relation": cls(*args, **kwargs)}
        list_kwargs.update((key, kwargs[key]) for key in kwargs if key in MANY_RELATION_KWARGS)
        return IdListField(**list_kwargs)

    def to_internal_value(self, data):
        if not html.is_html_input(getattr(self.root, "initial_data", None)) and (
            isinstance(data, bool) or not isinstance(data, int)
        ):
            self.fail("incorrect_type", data_type=type(data).__name__)
        if isinstance(data, int) and not isinstance(data, bool) and not 0 < data <= MAX_ID:
            self.fail("does_not_exist", pk_value=data)
        if isinstance(data, str) and data.isdigit() and int(data) > MAX_ID:
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(data)


class ScopedPrimaryKeyRelatedField(BoundedPrimaryKeyRelatedField):
    """A reference that only resolves to rows the requesting user may see (`visible_to`).

    An id outside the user's scope reads like an unknown id: no hint that it exists.
    """

    default_error_messages = {
        "does_not_exist": gettext_lazy('No object with id "{pk_value}" exists within your scope.'),
    }

    def get_queryset(self):
        queryset = super().get_queryset()
        request = self.context.get("request")
        if request is None:
            return queryset.none()
        return queryset.visible_to(request.user)


class IdListField(serializers.ManyRelatedField):
    """A list of ids: a JSON object (whose keys DRF would read as the ids) or a number is refused."""

    def to_internal_value(self, data):
        if not isinstance(data, list | tuple):
            self.fail("not_a_list", input_type=type(data).__name__)
        return super().to_internal_value(data)


def _validation_detail(exc: DjangoValidationError) -> dict[str, list[str]]:
    """Django's field messages with its "__all__" key renamed to DRF's "non_field_errors"."""
    if not hasattr(exc, "error_dict"):
        return {api_settings.NON_FIELD_ERRORS_KEY: exc.messages}
    return {
        (api_settings.NON_FIELD_ERRORS_KEY if field == NON_FIELD_ERRORS else field): messages
        for field, messages in exc.message_dict.items()
    }


def exception_handler(exc, context):
    """Turn model-level errors raised by services into 400/403/409 with field messages, never a 500."""
    if isinstance(exc, DjangoValidationError):
        if getattr(exc, "code", None) == "conflict":
            exc = Conflict(exc.messages[0])
        else:
            exc = exceptions.ValidationError(_validation_detail(exc))
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, IntegrityError | DataError):
        set_rollback()
        message = (
            _("This change conflicts with existing data (a duplicate or a broken link).")
            if isinstance(exc, IntegrityError)
            else _("A value is too long or out of range.")
        )
        return Response({"non_field_errors": [message]}, status=status.HTTP_400_BAD_REQUEST)
    return drf_exception_handler(exc, context)


# --- Optimistic concurrency ---------------------------------------------------------------

IF_MATCH = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description=gettext_lazy(
        'The version being edited, as returned in the ETag header, e.g. "3". '
        "Alternative to the `version` body field."
    ),
)
VERSIONED_RESPONSES = {
    400: OpenApiResponse(description=gettext_lazy("Invalid input; field messages in the body.")),
    403: OpenApiResponse(description=gettext_lazy("Role may not edit, or the target is outside the scope.")),
    404: OpenApiResponse(description=gettext_lazy("Not found within the user's scope.")),
    409: OpenApiResponse(description=gettext_lazy("Stale version: someone else saved the record meanwhile.")),
    428: OpenApiResponse(description=gettext_lazy("No version given (body `version` or If-Match header).")),
}


def _etag(instance) -> str:
    return f'"{instance.version}"'


class VersionedUpdateMixin:
    """PUT/PATCH of a row with a `version`: the editor must name the version they read."""

    def expected_version(self, validated_data: dict) -> int:
        body_version = validated_data.pop("version", None)
        header_version = self._if_match_version()
        if body_version is not None and header_version is not None and body_version != header_version:
            raise exceptions.ValidationError(
                {"version": [_("The version in the body and the If-Match header disagree.")]}
            )
        version = body_version if body_version is not None else header_version
        if version is None:
            raise PreconditionRequired()
        return version

    def _if_match_version(self) -> int | None:
        raw = self.request.headers.get("If-Match", "").strip()
        if not raw:
            return None
        tag = raw.removeprefix("W/").strip('"')
        if not tag.isdigit() or len(tag) > 9:
            raise exceptions.ValidationError(
                {"version": [_('If-Match must be the ETag of the record, e.g. "3".')]}
            )
        return int(tag)

    def with_etag(self, response: Response, instance) -> Response:
        response["ETag"] = _etag(instance)
        return response


def page_not_found(request, exception):
    """The 404 page (crm.urls' handler404): JSON under /api/, the site's own page elsewhere.

    A path the API's router does not match (`/api/v1/customers/abc/`) answers like a record that does
    not exist, in the API's error format, not with an HTML page."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": str(exceptions.NotFound.default_detail)}, status=404)
    return defaults.page_not_found(request, exception)
