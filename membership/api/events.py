"""Club events in the API: list, read, create and edit them (with the version); register a member
(confirmed, or on the waitlist when full), cancel a registration (the waitlist moves up), check in at
the door (by registration, confirmation token or the last 4 digits of the phone), list registrations."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api import (
    IF_MATCH,
    MAX_ID,
    VERSIONED_RESPONSES,
    Conflict,
    IdCursorPagination,
    ScopedPrimaryKeyRelatedField,
    VersionedUpdateMixin,
)
from core.api_input import QuerySerializer
from properties.models import CityCompany, Project

from ..models import Event, Member, Registration
from ..selectors.events import check_in_matches, event_list, event_registrations
from ..services.events import (
    MAX_GUESTS,
    EventChangedError,
    event_create,
    event_update,
    registration_cancel,
    registration_check_in,
    registration_create,
)
from ._common import ClubPermission, MaskedPhoneField, MemberRefSerializer

EVENT_WRITABLE = [
    "title",
    "kind",
    "description",
    "city_company",
    "project",
    "place",
    "starts_at",
    "ends_at",
    "capacity",
    "registration_closes_at",
    "attendance_points",
    "status",
]


class ClubEventSerializer(serializers.ModelSerializer):
    places_taken = serializers.IntegerField(read_only=True, help_text=_("Confirmed places with guests."))
    waitlisted = serializers.IntegerField(read_only=True)

    class Meta:
        model = Event
        fields = ["id", *EVENT_WRITABLE, "places_taken", "waitlisted", "version", "created_at"]
        read_only_fields = fields


class ClubEventWriteSerializer(serializers.ModelSerializer):
    city_company = ScopedPrimaryKeyRelatedField(queryset=CityCompany.objects.all())
    project = ScopedPrimaryKeyRelatedField(queryset=Project.objects.all(), required=False, allow_null=True)
    version = serializers.IntegerField(
        required=False, min_value=1, write_only=True, help_text=_("The version being edited (or If-Match).")
    )

    class Meta:
        model = Event
        fields = [*EVENT_WRITABLE, "version"]


class RegistrationSerializer(serializers.ModelSerializer):
    member = MemberRefSerializer(read_only=True)
    phone_masked = MaskedPhoneField(source="member.phone")

    class Meta:
        model = Registration
        fields = [
            "id",
            "event",
            "member",
            "phone_masked",
            "status",
            "guests",
            "registered_at",
            "promoted_at",
            "cancelled_at",
            "checked_in_at",
        ]
        read_only_fields = fields


class RegisterSerializer(serializers.Serializer):
    member = ScopedPrimaryKeyRelatedField(queryset=Member.objects.all())
    guests = serializers.IntegerField(min_value=0, max_value=MAX_GUESTS, default=0)


class RegistrationRefSerializer(serializers.Serializer):
    registration = serializers.IntegerField(min_value=1, max_value=MAX_ID)


class CheckInSerializer(serializers.Serializer):
    """Exactly one of: the registration's id, the confirmation's token (the QR code), the phone's tail."""

    registration = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False)
    token = serializers.RegexField(r"^[A-Za-z0-9_-]{16,40}$", required=False)
    phone_tail = serializers.RegexField(r"^\d{4}$", required=False, help_text=_("The phone's last 4 digits."))

    def validate(self, attrs):
        if len(attrs) != 1:
            raise serializers.ValidationError(_("Send exactly one of registration, token or phone_tail."))
        return attrs


class InRegistrationOrder(IdCursorPagination):
    """Registrations oldest first: the waitlist's order (first come, first served)."""

    ordering = "id"


class RegistrationQuerySerializer(QuerySerializer):
    # Not `status`: the event's own filter reads that name (get_object filters the events).
    show = serializers.ChoiceField(
        choices=["held", "waitlisted", "cancelled"],
        required=False,
        default="held",
        help_text=_("held: confirmed and attended places (default); waitlisted; cancelled."),
    )


@extend_schema_view(
    list=extend_schema(summary=_("Club events in scope, with places taken and the waitlist's length")),
    retrieve=extend_schema(summary=_("One event; ETag carries the version")),
    create=extend_schema(
        summary=_("Create an event (supervisors, city heads, the group)"),
        request=ClubEventWriteSerializer,
        responses={201: ClubEventSerializer, **{k: VERSIONED_RESPONSES[k] for k in (400, 403)}},
    ),
    partial_update=extend_schema(
        summary=_("Edit an event (send its version); a raised capacity promotes the waitlist"),
        request=ClubEventWriteSerializer,
        parameters=[IF_MATCH],
        responses={200: ClubEventSerializer, **VERSIONED_RESPONSES},
    ),
)
class EventViewSet(
    VersionedUpdateMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    queryset = Event.objects.none()
    serializer_class = ClubEventSerializer
    permission_classes = [ClubPermission]
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "patch", "head", "options"]
    filterset_fields = ["status", "kind", "city_company", "project"]

    def get_queryset(self):
        return event_list(user=self.request.user)

    def _render(self, pk: int, status_code: int = status.HTTP_200_OK) -> Response:
        event = self.get_queryset().get(pk=pk)  # with places taken and the waitlist counted
        return self.with_etag(Response(ClubEventSerializer(event).data, status=status_code), event)

    def retrieve(self, request, *args, **kwargs):
        event = self.get_object()
        return self.with_etag(Response(ClubEventSerializer(event).data), event)

    def create(self, request, *args, **kwargs):
        serializer = ClubEventWriteSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        fields.pop("version", None)
        event = event_create(by=request.user, **fields)
        return self._render(event.pk, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        event = self.get_object()
        serializer = ClubEventWriteSerializer(
            data=request.data, partial=True, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        version = self.expected_version(fields)
        try:
            event_update(event=event, by=request.user, expected_version=version, **fields)
        except EventChangedError as error:
            raise Conflict(error.messages[0]) from None
        return self._render(event.pk)

    def _registration(self, event: Event, pk: int) -> Registration:
        return get_object_or_404(Registration.objects.select_related("member"), pk=pk, event=event)

    @extend_schema(
        summary=_("Register a member: confirmed when their party fits, else on the waitlist"),
        request=RegisterSerializer,
        responses={201: RegistrationSerializer, 400: VERSIONED_RESPONSES[400], 403: VERSIONED_RESPONSES[403]},
    )
    @action(detail=True, methods=["post"])
    def register(self, request, pk=None):
        event = self.get_object()
        serializer = RegisterSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        registration = registration_create(event=event, by=request.user, **serializer.validated_data)
        return Response(RegistrationSerializer(registration).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary=_("Cancel a registration: the places it frees go to the waitlist at once"),
        request=RegistrationRefSerializer,
        responses={200: RegistrationSerializer, 400: VERSIONED_RESPONSES[400], 404: VERSIONED_RESPONSES[404]},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        event = self.get_object()
        serializer = RegistrationRefSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        registration = self._registration(event, serializer.validated_data["registration"])
        registration = registration_cancel(registration=registration, by=request.user)
        return Response(RegistrationSerializer(registration).data)

    @extend_schema(
        summary=_("Check in at the door: marks the registration attended, credits the points once"),
        description=_(
            "By `registration` id, by the confirmation's `token` (its QR code), or by `phone_tail` (the "
            "last 4 digits of the member's phone) when exactly one live registration of the event matches; "
            "several matches answer 400 with the candidates in `matches` (then send the registration id)."
        ),
        request=CheckInSerializer,
        responses={
            200: RegistrationSerializer,
            400: OpenApiResponse(description=_("Not checked in: why, in the body.")),
            404: OpenApiResponse(description=_("No registration of this event matches.")),
        },
    )
    @action(detail=True, methods=["post"], url_path="check-in")
    def check_in(self, request, pk=None):
        event = self.get_object()
        serializer = CheckInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        given = serializer.validated_data
        if "registration" in given:
            registration = self._registration(event, given["registration"])
        else:
            matches = check_in_matches(event=event, **given)
            if not matches:
                return Response(
                    {"detail": _("No live registration of this event matches.")},
                    status=status.HTTP_404_NOT_FOUND,
                )
            if len(matches) > 1:
                return Response(
                    {
                        "phone_tail": [_("Several registrations match: send the registration id.")],
                        "matches": RegistrationSerializer(matches, many=True).data,
                    },
                    status=status.HTTP_400_BAD_REQUEST,
                )
            registration = matches[0]
        registration = registration_check_in(registration=registration, by=request.user)
        return Response(RegistrationSerializer(registration).data)

    @extend_schema(
        summary=_("The event's registrations in order: places held (default), the waitlist, or cancelled"),
        parameters=[RegistrationQuerySerializer],
        responses={200: RegistrationSerializer(many=True)},
    )
    @action(detail=True, methods=["get"], pagination_class=InRegistrationOrder)
    def registrations(self, request, pk=None):
        event = self.get_object()
        query = RegistrationQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        show = query.validated_data["show"]
        rows = event_registrations(event=event, status="" if show == "held" else show)
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(RegistrationSerializer(page, many=True).data)
