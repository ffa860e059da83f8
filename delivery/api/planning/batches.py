"""Batches, their readiness items and units' handovers: /handover-batches, /readiness-items, /handovers."""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.models import User
from core.api import VERSIONED_RESPONSES, ScopedPrimaryKeyRelatedField, VersionedUpdateMixin
from properties.models import Building, Phase, Project, Unit

from ...models import Handover, HandoverBatch, ReadinessItem
from ...selectors import planning as selectors
from ...services import planning as services
from ._common import PlanningPermission, StaffField, VersionSerializer, _id_filter, _versioned_schema


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


class HandoverFilter(filters.FilterSet):
    batch = _id_filter("batch_id", _("batch (id)"))
    project = _id_filter("project_id", _("project (id)"))
    status = filters.ChoiceFilter(choices=Handover.Status.choices, label=_("status"))

    class Meta:
        model = Handover
        fields = ["batch", "project", "status"]


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


def _batch_queryset(user):
    return selectors.batch_list(user=user).prefetch_related(
        Prefetch("buildings", queryset=Building.objects.only("id")),
        Prefetch("team", queryset=User.objects.only("id")),
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
