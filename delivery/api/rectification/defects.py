"""/api/v1/defects: the list with its filters, one defect, recording one (idempotent by client_uuid)."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from accounts.models import Contractor
from core.api import MAX_ID, VERSIONED_RESPONSES, ScopedPrimaryKeyRelatedField, VersionedUpdateMixin
from core.parsers import ControlCharacterRejectingJSONParser as JSONParser
from properties.filters import visible_queryset
from properties.models import Building, Project, Unit

from ...models import Defect, DefectSeverity, Inspection, RoomType, Trade
from ...selectors import rectification as selectors
from ...services import rectification as services
from ...services.defects import defect_record
from ._common import (
    ActiveContractorField,
    DefectDetailSerializer,
    DefectSerializer,
    RectificationPermission,
    _photos,
)
from .path import DefectPathActions


class ScopedInspectionField(ScopedPrimaryKeyRelatedField):
    """An inspection of a unit in the user's projects (inspections have no `visible_to` of their own)."""

    def get_queryset(self):
        request = self.context.get("request")
        if request is None:
            return Inspection.objects.none()
        scope = request.user.scope
        inspections = Inspection.objects.select_related("handover")
        return (
            inspections
            if scope.is_unrestricted
            else inspections.filter(handover__project_id__in=scope.project_ids)
        )


STATUS_CHOICES = [(selectors.OPEN, _("Open (any unfinished status)")), *Defect.Status.choices]


class DefectFilter(filters.FilterSet):
    project = filters.ModelChoiceFilter(queryset=visible_queryset(Project), label=_("project"))
    building = filters.ModelChoiceFilter(
        field_name="unit__building", queryset=visible_queryset(Building), label=_("building")
    )
    unit = filters.ModelChoiceFilter(queryset=visible_queryset(Unit), label=_("unit"))
    handover = filters.NumberFilter(
        field_name="handover_id", min_value=1, max_value=MAX_ID, label=_("unit handover (id)")
    )
    order = filters.NumberFilter(
        field_name="order_id", min_value=1, max_value=MAX_ID, label=_("rectification order (id)")
    )
    trade = filters.ChoiceFilter(choices=Trade.choices, label=_("trade"))
    severity = filters.ChoiceFilter(choices=DefectSeverity.choices, label=_("severity"))
    status = filters.ChoiceFilter(choices=STATUS_CHOICES, method="filter_status", label=_("status"))
    contractor = filters.ModelChoiceFilter(queryset=Contractor.objects.all(), label=_("contractor"))
    overdue = filters.BooleanFilter(method="filter_overdue", label=_("past the rectification deadline"))
    after_handover = filters.BooleanFilter(label=_("reported after handover"))
    number = filters.CharFilter(label=_("defect number"))

    class Meta:
        model = Defect
        fields = [
            "project",
            "building",
            "unit",
            "handover",
            "order",
            "trade",
            "severity",
            "status",
            "contractor",
            "overdue",
            "after_handover",
            "number",
        ]

    def filter_status(self, queryset, name, value):
        return queryset.open() if value == selectors.OPEN else queryset.filter(status=value)

    def filter_overdue(self, queryset, name, value):
        from django.utils import timezone

        condition = selectors.deadline_condition("overdue", timezone.now())
        return queryset.filter(condition) if value else queryset.exclude(condition)


class DefectCreateSerializer(serializers.Serializer):
    unit = ScopedPrimaryKeyRelatedField(queryset=Unit.objects.all())
    room = serializers.ChoiceField(choices=RoomType.choices)
    trade = serializers.ChoiceField(choices=Trade.choices)
    severity = serializers.ChoiceField(choices=DefectSeverity.choices)
    description = serializers.CharField(max_length=5000)
    location = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    inspection = ScopedInspectionField(queryset=Inspection.objects.all(), required=False, allow_null=True)
    contractor = ActiveContractorField(required=False, allow_null=True)
    pin_x = serializers.DecimalField(
        max_digits=5, decimal_places=4, min_value=0, max_value=1, required=False, allow_null=True
    )
    pin_y = serializers.DecimalField(
        max_digits=5, decimal_places=4, min_value=0, max_value=1, required=False, allow_null=True
    )
    photos = _photos(required=False)
    client_uuid = serializers.UUIDField(
        required=False,
        allow_null=True,
        help_text=_("Made by the device; a retry with the same one is harmless."),
    )
    after_handover = serializers.BooleanField(
        default=False, help_text=_("Reported by the owner after handover, within the warranty.")
    )


@extend_schema_view(
    list=extend_schema(summary=_("Defects in scope (contractors: their own), with the deadline state")),
    retrieve=extend_schema(
        summary=_("One defect with its photos and timeline; ETag carries the version"),
        responses={200: DefectDetailSerializer},
    ),
    create=extend_schema(
        summary=_("Record a defect (photos as multipart); idempotent by client_uuid"),
        request={"multipart/form-data": DefectCreateSerializer, "application/json": DefectCreateSerializer},
        responses={
            201: DefectDetailSerializer,
            200: OpenApiResponse(
                DefectDetailSerializer, description=_("Already recorded with this client_uuid.")
            ),
            **{k: VERSIONED_RESPONSES[k] for k in (400, 403)},
        },
    ),
)
class DefectViewSet(
    DefectPathActions,
    VersionedUpdateMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """交付缺陷: recorded at inspections or after handover, fixed by contractors, verified, accepted at 复验."""

    queryset = Defect.objects.none()  # for schema introspection; get_queryset() scopes
    serializer_class = DefectSerializer
    permission_classes = [RectificationPermission]
    filterset_class = DefectFilter
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    lookup_value_regex = r"\d+"
    action_roles = {
        "create": "record",
        "photos": "photos",
        "fixed": "fixed",
        "verify": "verify",
        "reject": "reject",
        "owner_accept": "owner_accept",
        "owner_reject": "owner_reject",
        "cancel": "cancel",
        "correct": "correct",
        "to_complaint": "to_complaint",
    }

    def get_queryset(self):
        if self.action == "list":
            return selectors.defect_list(user=self.request.user)
        return Defect.objects.visible_to(self.request.user)

    def _render(self, pk: int, status_code: int = status.HTTP_200_OK) -> Response:
        try:
            defect = selectors.defect_detail(user=self.request.user, pk=pk)
        except Defect.DoesNotExist:
            raise Http404 from None
        data = DefectDetailSerializer(defect, context=self.get_serializer_context()).data
        return self.with_etag(Response(data, status=status_code), defect)

    def retrieve(self, request, *args, **kwargs):
        return self._render(self.get_object().pk)

    def create(self, request, *args, **kwargs):
        serializer = DefectCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        client_uuid = fields.get("client_uuid")
        existed = client_uuid is not None and Defect.objects.filter(client_uuid=client_uuid).exists()
        if fields.pop("after_handover"):
            defect = services.defect_report_after_handover(by=request.user, **fields)
        else:
            defect = defect_record(by=request.user, **fields)
        return self._render(defect.pk, status.HTTP_200_OK if existed else status.HTTP_201_CREATED)
