"""REST API of handover planning: /api/v1/handover-batches, readiness-items, appointment-slots,
appointments and handovers (read only here).

- Scope: every list and lookup goes through the user's projects; outside them a row is a 404 and a
  reference in a payload reads like an unknown id.
- Roles: planners (group admin, city head, CS supervisor, delivery engineer) plan batches, readiness
  and slots; they and CS agents book and run the queue; read-only managers read; contractors and
  department staff get 403 everywhere here.
- Concurrency: batches, readiness items and appointments carry `version`; updates and actions must
  name it (body `version` or `If-Match: "3"`). Missing → 428, stale → 409.
- Transitions are the services' (delivery.services.planning); an illegal one is a 400 on `status`.
- Personal data: the owner's phone leaves the server masked.
"""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.models import User
from crm.api import IF_MATCH, MAX_ID, VERSIONED_RESPONSES, ScopedPrimaryKeyRelatedField, VersionedUpdateMixin
from properties.models import Building, Phase, Project, Unit

from ..models import Appointment, AppointmentSlot, Handover, HandoverBatch, ReadinessItem
from ..selectors import planning as selectors
from ..services import planning as services

# --- Permissions and references -------------------------------------------------------------


class PlanningPermission(permissions.BasePermission):
    """Only the handover roles read; a write needs the role its action names in `action_roles`.

    On a detail action the role is checked after the object is found, so a row outside the
    scope answers 404 whatever the role.
    """

    message = _("Your role may not do this.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated and services.may(user, "read")):
            return False
        if request.method in permissions.SAFE_METHODS or getattr(view, "detail", False):
            return True
        if getattr(view, "action", None) is None:
            return True  # a method the endpoint does not have: let it answer 405
        return self._may(user, view)

    def has_object_permission(self, request, view, obj) -> bool:
        return request.method in permissions.SAFE_METHODS or self._may(request.user, view)

    @staticmethod
    def _may(user, view) -> bool:
        needed = getattr(view, "action_roles", {}).get(getattr(view, "action", None))
        return needed is not None and services.may(user, needed)


class StaffField(serializers.PrimaryKeyRelatedField):
    """A colleague by id; whether they work on the project is the service's check."""

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", User.objects.filter(is_active=True))
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, int) and not isinstance(data, bool) and not 0 < data <= MAX_ID:
            self.fail("does_not_exist", pk_value=data)
        if isinstance(data, str) and data.isdigit() and int(data) > MAX_ID:
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(data)


class ScopedSlotField(ScopedPrimaryKeyRelatedField):
    """A slot of a batch the user may see."""

    def get_queryset(self):
        request = self.context.get("request")
        if request is None:
            return AppointmentSlot.objects.none()
        return AppointmentSlot.objects.filter(batch__in=selectors.batches_visible_to(request.user))


# --- Filters ------------------------------------------------------------------------------------


def _id_filter(field_name: str, label) -> filters.NumberFilter:
    return filters.NumberFilter(field_name=field_name, min_value=1, max_value=MAX_ID, label=label)


class HandoverBatchFilter(filters.FilterSet):
    project = _id_filter("project_id", _("project (id)"))
    status = filters.ChoiceFilter(choices=HandoverBatch.Status.choices, label=_("status"))
    date = filters.DateFilter(method="filter_date", label=_("handover day within the batch's days"))

    class Meta:
        model = HandoverBatch
        fields = ["project", "status", "date"]

    def filter_date(self, queryset, name, value):
        return queryset.filter(starts_on__lte=value, ends_on__gte=value)


class ReadinessItemFilter(filters.FilterSet):
    batch = _id_filter("batch_id", _("batch (id)"))
    project = _id_filter("batch__project_id", _("project (id)"))
    status = filters.ChoiceFilter(choices=ReadinessItem.Status.choices, label=_("status"))

    class Meta:
        model = ReadinessItem
        fields = ["batch", "project", "status"]


class AppointmentSlotFilter(filters.FilterSet):
    batch = _id_filter("batch_id", _("batch (id)"))
    project = _id_filter("batch__project_id", _("project (id)"))
    date = filters.DateFilter(label=_("date"))

    class Meta:
        model = AppointmentSlot
        fields = ["batch", "project", "date"]


class AppointmentFilter(filters.FilterSet):
    batch = _id_filter("slot__batch_id", _("batch (id)"))
    project = _id_filter("handover__project_id", _("project (id)"))
    handover = _id_filter("handover_id", _("unit handover (id)"))
    status = filters.ChoiceFilter(choices=Appointment.Status.choices, label=_("status"))
    date = filters.DateFilter(field_name="slot__date", label=_("date of the slot"))

    class Meta:
        model = Appointment
        fields = ["batch", "project", "handover", "status", "date"]


class HandoverFilter(filters.FilterSet):
    batch = _id_filter("batch_id", _("batch (id)"))
    project = _id_filter("project_id", _("project (id)"))
    status = filters.ChoiceFilter(choices=Handover.Status.choices, label=_("status"))

    class Meta:
        model = Handover
        fields = ["batch", "project", "status"]


# --- Serializers: output ------------------------------------------------------------------------

BATCH_FIELDS = [
    "id",
    "project",
    "project_name",
    "phase",
    "buildings",
    "name",
    "starts_on",
    "ends_on",
    "site",
    "lead",
    "lead_name",
    "team",
    "status",
    "opened_at",
    "closed_at",
    "unit_count",
    "unsettled_count",
    "version",
    "created_at",
    "updated_at",
]


class HandoverBatchSerializer(serializers.ModelSerializer):
    project_name = serializers.CharField(source="project.name", read_only=True)
    lead_name = serializers.StringRelatedField(source="lead", allow_null=True)
    buildings = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    team = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    unit_count = serializers.IntegerField(read_only=True, help_text=_("Units in the batch."))
    unsettled_count = serializers.IntegerField(
        read_only=True, help_text=_("Readiness items neither done nor not applicable.")
    )

    class Meta:
        model = HandoverBatch
        fields = BATCH_FIELDS
        read_only_fields = fields


class ReadinessItemSerializer(serializers.ModelSerializer):
    owner_name = serializers.StringRelatedField(source="owner", allow_null=True)

    class Meta:
        model = ReadinessItem
        fields = [
            "id",
            "batch",
            "kind",
            "title",
            "owner",
            "owner_name",
            "status",
            "due_on",
            "done_at",
            "note",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class AppointmentSlotSerializer(serializers.ModelSerializer):
    taken = serializers.IntegerField(
        read_only=True, help_text=_("Places used (every appointment but cancelled).")
    )
    free = serializers.SerializerMethodField(help_text=_("Places left."))

    class Meta:
        model = AppointmentSlot
        fields = ["id", "batch", "date", "starts_at", "ends_at", "capacity", "taken", "free"]
        read_only_fields = fields

    def get_free(self, slot) -> int:
        return max(0, slot.capacity - slot.taken)


class AppointmentCustomerSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    phone = serializers.SerializerMethodField(help_text=_("Primary phone, masked (138****5678)."))

    def get_phone(self, customer) -> str:
        phone = customer.primary_phone  # phones prefetched
        return phone.masked if phone else ""


class AppointmentSerializer(serializers.ModelSerializer):
    unit = serializers.IntegerField(source="handover.unit_id", read_only=True)
    unit_code = serializers.CharField(source="handover.unit.code", read_only=True)
    batch = serializers.IntegerField(source="slot.batch_id", read_only=True)
    date = serializers.DateField(source="slot.date", read_only=True)
    starts_at = serializers.TimeField(source="slot.starts_at", read_only=True)
    ends_at = serializers.TimeField(source="slot.ends_at", read_only=True)
    customer = AppointmentCustomerSerializer(read_only=True, allow_null=True)

    class Meta:
        model = Appointment
        fields = [
            "id",
            "handover",
            "unit",
            "unit_code",
            "batch",
            "slot",
            "date",
            "starts_at",
            "ends_at",
            "customer",
            "channel",
            "booked_by",
            "status",
            "queue_number",
            "checked_in_at",
            "inspection_started_at",
            "signing_started_at",
            "done_at",
            "reminder_sent_at",
            "rescheduled_from",
            "note",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class HandoverSerializer(serializers.ModelSerializer):
    unit_code = serializers.CharField(source="unit.code", read_only=True)
    building = serializers.IntegerField(source="unit.building_id", read_only=True)
    batch_name = serializers.CharField(source="batch.name", read_only=True)

    class Meta:
        model = Handover
        fields = [
            "id",
            "unit",
            "unit_code",
            "building",
            "batch",
            "batch_name",
            "project",
            "status",
            "version",
        ]
        read_only_fields = fields


# --- Serializers: input (shape only; the services decide) ---------------------------------------


class VersionSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=2**31 - 1,
        write_only=True,
        help_text=_("The version acted on (or an If-Match header)."),
    )


class HandoverBatchCreateSerializer(serializers.Serializer):
    project = ScopedPrimaryKeyRelatedField(queryset=Project.objects.all())
    phase = ScopedPrimaryKeyRelatedField(queryset=Phase.objects.all(), required=False, allow_null=True)
    buildings = ScopedPrimaryKeyRelatedField(
        queryset=Building.objects.all(), many=True, required=False, default=list
    )
    units = ScopedPrimaryKeyRelatedField(
        queryset=Unit.objects.all(),
        many=True,
        required=False,
        allow_null=True,
        default=None,
        help_text=_("The units of the batch; omitted: every unit of its buildings."),
    )
    name = serializers.CharField(max_length=100)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    site = serializers.CharField(max_length=200)
    lead = StaffField(required=False, allow_null=True)
    team = StaffField(many=True, required=False, default=list)
    move_units = serializers.BooleanField(
        required=False,
        default=False,
        help_text=_("Move units that are in another batch (not handed over, not booked)."),
    )


class HandoverBatchUpdateSerializer(VersionSerializer):
    name = serializers.CharField(max_length=100, required=False)
    starts_on = serializers.DateField(required=False)
    ends_on = serializers.DateField(required=False)
    site = serializers.CharField(max_length=200, required=False)
    phase = ScopedPrimaryKeyRelatedField(queryset=Phase.objects.all(), required=False, allow_null=True)
    buildings = ScopedPrimaryKeyRelatedField(queryset=Building.objects.all(), many=True, required=False)
    lead = StaffField(required=False, allow_null=True)
    team = StaffField(many=True, required=False)
    move_units = serializers.BooleanField(required=False, default=False)


class ReadinessItemUpdateSerializer(VersionSerializer):
    status = serializers.ChoiceField(choices=ReadinessItem.Status.choices, required=False)
    owner = StaffField(required=False, allow_null=True)
    due_on = serializers.DateField(required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class AppointmentSlotCreateSerializer(serializers.Serializer):
    batch = ScopedPrimaryKeyRelatedField(queryset=HandoverBatch.objects.all())
    date = serializers.DateField()
    starts_at = serializers.TimeField()
    ends_at = serializers.TimeField()
    capacity = serializers.IntegerField(min_value=1, max_value=500)


class AppointmentBookSerializer(serializers.Serializer):
    handover = ScopedPrimaryKeyRelatedField(
        queryset=Handover.objects.all(), help_text=_("The unit's handover; its owner is booked.")
    )
    slot = ScopedSlotField(queryset=AppointmentSlot.objects.all())
    note = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")


class RescheduleSerializer(VersionSerializer):
    slot = ScopedSlotField(queryset=AppointmentSlot.objects.all(), help_text=_("The new slot."))


class CancelSerializer(VersionSerializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=150, default="")


class AdvanceSerializer(VersionSerializer):
    to_status = serializers.ChoiceField(
        choices=[(s.value, s.label) for s in services.NEXT_STATUS.values()],
        help_text=_("The next step: checked_in, inspecting, signing or done."),
    )


# --- Views --------------------------------------------------------------------------------------


def _batch_queryset(user):
    return selectors.batch_list(user=user).prefetch_related(
        Prefetch("buildings", queryset=Building.objects.only("id")),
        Prefetch("team", queryset=User.objects.only("id")),
    )


def _versioned_schema(summary, request, response, status_code=200):
    return extend_schema(
        summary=summary,
        request=request,
        parameters=[IF_MATCH],
        responses={status_code: response, **VERSIONED_RESPONSES},
    )


@extend_schema_view(
    list=extend_schema(summary=_("Handover batches in scope")),
    retrieve=extend_schema(summary=_("One handover batch; ETag carries the version")),
    create=extend_schema(
        summary=_("Create a batch with its units and default readiness checklist"),
        request=HandoverBatchCreateSerializer,
        responses={201: HandoverBatchSerializer, **{k: VERSIONED_RESPONSES[k] for k in (400, 403)}},
    ),
    update=_versioned_schema(
        _("Edit a batch (send its version)"), HandoverBatchUpdateSerializer, HandoverBatchSerializer
    ),
    partial_update=_versioned_schema(
        _("Edit part of a batch (send its version)"), HandoverBatchUpdateSerializer, HandoverBatchSerializer
    ),
)
class HandoverBatchViewSet(
    VersionedUpdateMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """交付批次: plan, open (every readiness item settled) and close."""

    queryset = HandoverBatch.objects.none()  # for schema introspection; get_queryset() scopes
    serializer_class = HandoverBatchSerializer
    permission_classes = [PlanningPermission]
    filterset_class = HandoverBatchFilter
    lookup_value_regex = r"\d+"
    action_roles = {
        "create": "plan",
        "update": "plan",
        "partial_update": "plan",
        "open": "plan",
        "close": "plan",
    }

    def get_queryset(self):
        return _batch_queryset(self.request.user)

    def _render(self, pk: int, status_code: int = status.HTTP_200_OK) -> Response:
        batch = self.get_queryset().get(pk=pk)
        return self.with_etag(Response(HandoverBatchSerializer(batch).data, status=status_code), batch)

    def retrieve(self, request, *args, **kwargs):
        return self._render(self.get_object().pk)

    def create(self, request, *args, **kwargs):
        serializer = HandoverBatchCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        batch = services.batch_create(by=request.user, **serializer.validated_data)
        return self._render(batch.pk, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        batch = self.get_object()
        serializer = HandoverBatchUpdateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        version = self.expected_version(fields)
        move_units = fields.pop("move_units", False)
        services.batch_update(by=request.user, batch=batch, version=version, move_units=move_units, **fields)
        return self._render(batch.pk)

    def _act(self, request, service) -> Response:
        batch = self.get_object()
        serializer = VersionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        version = self.expected_version(dict(serializer.validated_data))
        service(by=request.user, batch=batch, version=version)
        return self._render(batch.pk)

    @_versioned_schema(
        _("Open the batch; refused while a readiness item is not done or not applicable"),
        VersionSerializer,
        HandoverBatchSerializer,
    )
    @action(detail=True, methods=["post"])
    def open(self, request, pk=None):
        return self._act(request, services.batch_open)

    @_versioned_schema(
        _("Close the batch; refused while appointments are active"),
        VersionSerializer,
        HandoverBatchSerializer,
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self._act(request, services.batch_close)


@extend_schema_view(
    list=extend_schema(summary=_("Readiness items of the batches in scope")),
    retrieve=extend_schema(summary=_("One readiness item; ETag carries the version")),
    update=_versioned_schema(
        _("Change an item's status, owner, due date or note"),
        ReadinessItemUpdateSerializer,
        ReadinessItemSerializer,
    ),
    partial_update=_versioned_schema(
        _("Change an item's status, owner, due date or note"),
        ReadinessItemUpdateSerializer,
        ReadinessItemSerializer,
    ),
)
class ReadinessItemViewSet(
    VersionedUpdateMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """The checklist before a batch opens: 扫楼排雷, 答客问, documents, site."""

    queryset = ReadinessItem.objects.none()  # for schema introspection; get_queryset() scopes
    serializer_class = ReadinessItemSerializer
    permission_classes = [PlanningPermission]
    filterset_class = ReadinessItemFilter
    lookup_value_regex = r"\d+"
    action_roles = {"update": "plan", "partial_update": "plan"}

    def get_queryset(self):
        return ReadinessItem.objects.filter(
            batch__in=selectors.batches_visible_to(self.request.user)
        ).select_related("owner")

    def retrieve(self, request, *args, **kwargs):
        item = self.get_object()
        return self.with_etag(Response(ReadinessItemSerializer(item).data), item)

    def update(self, request, *args, **kwargs):
        item = self.get_object()
        serializer = ReadinessItemUpdateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        version = self.expected_version(fields)
        item = services.readiness_item_update(by=request.user, item=item, version=version, **fields)
        item = self.get_queryset().get(pk=item.pk)
        return self.with_etag(Response(ReadinessItemSerializer(item).data), item)


def _slot_queryset(user):
    return AppointmentSlot.objects.filter(batch__in=selectors.batches_visible_to(user)).annotate(
        taken=Count("appointments", filter=~Q(appointments__status=Appointment.Status.CANCELLED))
    )


@extend_schema_view(
    list=extend_schema(summary=_("Appointment slots with their fill level")),
    create=extend_schema(
        summary=_("Add a slot to a batch"),
        request=AppointmentSlotCreateSerializer,
        responses={201: AppointmentSlotSerializer, **{k: VERSIONED_RESPONSES[k] for k in (400, 403)}},
    ),
)
class AppointmentSlotViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """A time window on a handover day with room for `capacity` owners."""

    queryset = AppointmentSlot.objects.none()  # for schema introspection; get_queryset() scopes
    serializer_class = AppointmentSlotSerializer
    permission_classes = [PlanningPermission]
    filterset_class = AppointmentSlotFilter
    action_roles = {"create": "plan"}

    def get_queryset(self):
        return _slot_queryset(self.request.user)

    def create(self, request, *args, **kwargs):
        serializer = AppointmentSlotCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        slot = services.slot_create(by=request.user, **serializer.validated_data)
        slot = self.get_queryset().get(pk=slot.pk)
        return Response(AppointmentSlotSerializer(slot).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(summary=_("Appointments in scope (owner phone masked)")),
    retrieve=extend_schema(summary=_("One appointment; ETag carries the version")),
    create=extend_schema(
        summary=_("Book the unit's owner into a slot (capacity enforced)"),
        request=AppointmentBookSerializer,
        responses={201: AppointmentSerializer, **{k: VERSIONED_RESPONSES[k] for k in (400, 403)}},
    ),
)
class AppointmentViewSet(
    VersionedUpdateMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Owners' handover appointments and, on the day, their place in the queue."""

    queryset = Appointment.objects.none()  # for schema introspection; get_queryset() scopes
    serializer_class = AppointmentSerializer
    permission_classes = [PlanningPermission]
    filterset_class = AppointmentFilter
    lookup_value_regex = r"\d+"
    action_roles = {
        "create": "book",
        "reschedule": "book",
        "cancel": "book",
        "no_show": "book",
        "advance": "book",
    }

    def get_queryset(self):
        return selectors.appointment_queryset(self.request.user)

    def _render(self, pk: int, status_code: int = status.HTTP_200_OK) -> Response:
        appointment = self.get_queryset().get(pk=pk)
        return self.with_etag(
            Response(AppointmentSerializer(appointment).data, status=status_code), appointment
        )

    def retrieve(self, request, *args, **kwargs):
        return self._render(self.get_object().pk)

    def create(self, request, *args, **kwargs):
        serializer = AppointmentBookSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        appointment = services.appointment_book(by=request.user, **serializer.validated_data)
        return self._render(appointment.pk, status.HTTP_201_CREATED)

    def _act(self, request, input_serializer, service, status_code=status.HTTP_200_OK, **extra) -> Response:
        appointment = self.get_object()
        serializer = input_serializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        version = self.expected_version(fields)
        result = service(by=request.user, appointment=appointment, version=version, **fields, **extra)
        return self._render(result.pk, status_code)

    @_versioned_schema(
        _("Move to another slot: a new appointment, the old one cancelled"),
        RescheduleSerializer,
        AppointmentSerializer,
        status.HTTP_201_CREATED,
    )
    @action(detail=True, methods=["post"])
    def reschedule(self, request, pk=None):
        return self._act(
            request, RescheduleSerializer, services.appointment_reschedule, status.HTTP_201_CREATED
        )

    @_versioned_schema(_("Cancel a booked appointment"), CancelSerializer, AppointmentSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        return self._act(request, CancelSerializer, services.appointment_cancel)

    @_versioned_schema(
        _("The owner did not come (only after the slot started)"), VersionSerializer, AppointmentSerializer
    )
    @action(detail=True, methods=["post"], url_path="no-show")
    def no_show(self, request, pk=None):
        return self._act(request, VersionSerializer, services.appointment_no_show)

    @_versioned_schema(
        _("Next step in the day's queue: checked in → inspecting → signing → done"),
        AdvanceSerializer,
        AppointmentSerializer,
    )
    @action(detail=True, methods=["post"])
    def advance(self, request, pk=None):
        return self._act(request, AdvanceSerializer, services.appointment_advance)


@extend_schema_view(
    list=extend_schema(summary=_("Units' handovers in scope: unit, batch, status")),
    retrieve=extend_schema(summary=_("One unit's handover")),
)
class HandoverViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """One row per unit in a batch; read only here (inspections and sign-off have their own API)."""

    queryset = Handover.objects.none()  # for schema introspection; get_queryset() scopes
    serializer_class = HandoverSerializer
    permission_classes = [PlanningPermission]
    filterset_class = HandoverFilter
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return Handover.objects.visible_to(self.request.user).select_related("unit", "batch")


def register(router) -> None:
    router.register("handover-batches", HandoverBatchViewSet, basename="handover-batch")
    router.register("readiness-items", ReadinessItemViewSet, basename="readiness-item")
    router.register("appointment-slots", AppointmentSlotViewSet, basename="appointment-slot")
    router.register("appointments", AppointmentViewSet, basename="appointment")
    router.register("handovers", HandoverViewSet, basename="handover")
