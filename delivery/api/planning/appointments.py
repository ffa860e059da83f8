"""Slots and appointments, the day's queue included: /appointment-slots, /appointments."""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api import VERSIONED_RESPONSES, ScopedPrimaryKeyRelatedField, VersionedUpdateMixin

from ...models import Appointment, AppointmentSlot, Handover, HandoverBatch
from ...selectors import planning as selectors
from ...services import planning as services
from ._common import PlanningPermission, VersionSerializer, _id_filter, _versioned_schema


class ScopedSlotField(ScopedPrimaryKeyRelatedField):
    """A slot of a batch the user may see."""

    def get_queryset(self):
        request = self.context.get("request")
        if request is None:
            return AppointmentSlot.objects.none()
        return AppointmentSlot.objects.filter(batch__in=selectors.batches_visible_to(request.user))


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
