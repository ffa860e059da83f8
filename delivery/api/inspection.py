"""REST API v1 of inspections and the handover sign-off: /api/v1/inspections, checklist-templates,
handover-sign-offs.

- Scope: inspections and handovers outside the user's projects are 404; a `handover` in a payload
  resolves within the scope only. Readers: the handover team and read-only managers; writes:
  group admin, city heads, supervisors, agents and delivery engineers (services.inspection.INSPECTORS).
- `POST /inspections/` starts an inspection, or returns (200) the one already in progress for the unit.
- `POST /inspections/{id}/checks/` records one checklist line; an upsert, so a retry is harmless.
  Defects are recorded through the defects API with a `client_uuid` for the same reason.
- `POST /handover-sign-offs/` (multipart) hands a unit over: documents, meters, keys and the owner's
  signature as a PNG under 2 MB. Refused (400) while blocking defects are open, unless a supervisor
  gives `override_reason`. `version` (body) or If-Match is optional; a stale one is a 409.
  `GET /handover-sign-offs/{handover id}/` reads a signed-off unit's record.
"""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from core.api import IF_MATCH, MAX_ID, VERSIONED_RESPONSES, ScopedPrimaryKeyRelatedField, VersionedUpdateMixin
from core.parsers import ControlCharacterRejectingJSONParser as JSONParser

from ..models import (
    ChecklistItem,
    ChecklistTemplate,
    Handover,
    Inspection,
    InspectionCheck,
)
from ..selectors import inspection as selectors
from ..services import inspection as services

# --- Permissions --------------------------------------------------------------------------


class InspectionPermission(permissions.BasePermission):
    """Readers read; inspectors write. A row outside the scope is a 404 before the role is checked."""

    message = _("Your role may not do this.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated and services.may_read_handovers(user)):
            return False
        if request.method in permissions.SAFE_METHODS or getattr(view, "detail", False):
            return True
        return services.may_inspect(user)

    def has_object_permission(self, request, view, obj) -> bool:
        return request.method in permissions.SAFE_METHODS or services.may_inspect(request.user)


# --- Filters -------------------------------------------------------------------------------


class InspectionFilter(filters.FilterSet):
    """Ids are compared as numbers: an id outside the scope filters to nothing, like an unknown one."""

    handover = filters.NumberFilter(
        field_name="handover_id", min_value=1, max_value=MAX_ID, label=_("unit handover")
    )
    kind = filters.ChoiceFilter(choices=Inspection.Kind.choices, label=_("kind"))
    status = filters.ChoiceFilter(choices=Inspection.Status.choices, label=_("status"))


class SignOffFilter(filters.FilterSet):
    project = filters.NumberFilter(field_name="project_id", min_value=1, max_value=MAX_ID, label=_("project"))
    batch = filters.NumberFilter(field_name="batch_id", min_value=1, max_value=MAX_ID, label=_("batch"))


# --- Serializers --------------------------------------------------------------------------


class ChecklistItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = ChecklistItem
        fields = ["id", "room_type", "area", "trade", "text", "position"]
        read_only_fields = fields


class ChecklistTemplateSerializer(serializers.ModelSerializer):
    items = ChecklistItemSerializer(many=True, read_only=True)

    class Meta:
        model = ChecklistTemplate
        fields = ["id", "name", "is_active", "items"]
        read_only_fields = fields


INSPECTION_FIELDS = [
    "id",
    "handover",
    "unit",
    "unit_code",
    "kind",
    "status",
    "template",
    "inspector",
    "inspector_name",
    "owner_present",
    "started_at",
    "completed_at",
    "note",
    "check_count",
    "defect_count",
]


class InspectionSerializer(serializers.ModelSerializer):
    unit = serializers.IntegerField(source="handover.unit_id", read_only=True)
    unit_code = serializers.CharField(source="handover.unit.code", read_only=True)
    inspector_name = serializers.StringRelatedField(source="inspector")
    check_count = serializers.IntegerField(read_only=True, help_text=_("Checklist lines answered."))
    defect_count = serializers.IntegerField(
        read_only=True, help_text=_("Defects recorded at this inspection.")
    )

    class Meta:
        model = Inspection
        fields = INSPECTION_FIELDS
        read_only_fields = fields


class InspectionCheckSerializer(serializers.ModelSerializer):
    class Meta:
        model = InspectionCheck
        fields = ["item", "result", "updated_at"]
        read_only_fields = fields


class InspectionDefectSummarySerializer(serializers.Serializer):
    """A defect found at the inspection; the defects API has the whole record."""

    id = serializers.IntegerField(read_only=True)
    number = serializers.CharField(read_only=True)
    checklist_item = serializers.IntegerField(source="checklist_item_id", read_only=True, allow_null=True)
    severity = serializers.CharField(read_only=True, help_text=_("minor, normal, major or critical."))
    status = serializers.CharField(
        read_only=True, help_text=_("The defect's status (open, fixing, fixed, ...).")
    )
    description = serializers.CharField(read_only=True)
    blocking = serializers.BooleanField(source="is_blocking", read_only=True)


class InspectionDetailSerializer(InspectionSerializer):
    checks = InspectionCheckSerializer(many=True, read_only=True)
    defects = InspectionDefectSummarySerializer(many=True, read_only=True)

    class Meta(InspectionSerializer.Meta):
        fields = [*INSPECTION_FIELDS, "checks", "defects"]
        read_only_fields = fields


class InspectionStartSerializer(serializers.Serializer):
    handover = ScopedPrimaryKeyRelatedField(
        queryset=Handover.objects.all(), help_text=_("The unit handover.")
    )
    kind = serializers.ChoiceField(choices=Inspection.Kind.choices)
    template = serializers.PrimaryKeyRelatedField(
        queryset=ChecklistTemplate.objects.all(),
        required=False,
        allow_null=True,
        help_text=_("Defaults to the standard checklist."),
    )


class CheckInputSerializer(serializers.Serializer):
    item = serializers.IntegerField(
        min_value=1, max_value=2**31 - 1, help_text=_("A line of the inspection's checklist.")
    )
    result = serializers.ChoiceField(choices=InspectionCheck.Result.choices)


class SignOffSerializer(serializers.ModelSerializer):
    handover = serializers.IntegerField(source="pk", read_only=True)
    unit_code = serializers.CharField(source="unit.code", read_only=True)
    handed_over_by_name = serializers.StringRelatedField(source="handed_over_by")
    override_by_name = serializers.StringRelatedField(source="override_by")
    documents_handed = serializers.ListField(
        child=serializers.ChoiceField(choices=services.HandoverDocument.choices), read_only=True
    )

    class Meta:
        model = Handover
        fields = [
            "handover",
            "unit",
            "unit_code",
            "documents_handed",
            "water_meter",
            "electricity_meter",
            "gas_meter",
            "keys_handed",
            "signature",
            "signed_by_name",
            "signed_at",
            "handed_over_by",
            "handed_over_by_name",
            "override_by",
            "override_by_name",
            "override_reason",
            "version",
        ]
        read_only_fields = fields


class SignOffInputSerializer(serializers.Serializer):
    """Shape only; services.inspection.handover_sign_off decides."""

    handover = ScopedPrimaryKeyRelatedField(queryset=Handover.objects.all())
    documents_handed = serializers.ListField(
        child=serializers.ChoiceField(choices=services.HandoverDocument.choices), required=False, default=list
    )
    water_meter = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=0)
    electricity_meter = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=0)
    gas_meter = serializers.DecimalField(
        max_digits=10, decimal_places=2, min_value=0, required=False, allow_null=True, default=None
    )
    keys_handed = serializers.IntegerField(min_value=1, max_value=services.MAX_KEYS)
    signature = serializers.FileField(help_text=_("The owner's signature: a PNG under 2 MB."))
    signed_by_name = serializers.CharField(max_length=50)
    override_reason = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")
    version = serializers.IntegerField(
        required=False, min_value=1, max_value=2**31 - 1, help_text=_("The version acted on (or If-Match).")
    )


# --- Viewsets -----------------------------------------------------------------------------


def _errors(*codes):
    return {code: VERSIONED_RESPONSES[code] for code in codes}


@extend_schema_view(
    list=extend_schema(summary=_("Inspections in scope (预验收, handover inspection, 复验)")),
    retrieve=extend_schema(
        summary=_("One inspection with its answered lines and its defects"),
        responses={200: InspectionDetailSerializer, **_errors(404)},
    ),
    create=extend_schema(
        summary=_("Start an inspection; while one is in progress for the unit, that one is returned (200)"),
        request=InspectionStartSerializer,
        responses={
            201: InspectionDetailSerializer,
            200: OpenApiResponse(
                InspectionDetailSerializer, description=_("The inspection already in progress.")
            ),
            **_errors(400, 403),
        },
    ),
)
class InspectionViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    queryset = Inspection.objects.none()  # for schema introspection; get_queryset() scopes
    serializer_class = InspectionSerializer
    permission_classes = [InspectionPermission]
    filterset_class = InspectionFilter
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return selectors.inspection_list(user=self.request.user)

    def _render(self, pk: int, status_code: int = status.HTTP_200_OK) -> Response:
        try:
            inspection = selectors.inspection_detail(user=self.request.user, pk=pk)
        except Inspection.DoesNotExist:
            raise Http404 from None
        data = InspectionDetailSerializer(inspection, context=self.get_serializer_context()).data
        return Response(data, status=status_code)

    def retrieve(self, request, *args, **kwargs):
        return self._render(self.get_object().pk)

    def create(self, request, *args, **kwargs):
        serializer = InspectionStartSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        handover = serializer.validated_data["handover"]
        running = Inspection.objects.filter(handover=handover, status=Inspection.Status.IN_PROGRESS).exists()
        inspection = services.inspection_start(by=request.user, **serializer.validated_data)
        return self._render(inspection.pk, status.HTTP_200_OK if running else status.HTTP_201_CREATED)

    @extend_schema(
        summary=_("Complete the inspection; every line must have an answer"),
        request=None,
        responses={200: InspectionDetailSerializer, **_errors(400, 403, 404)},
    )
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        inspection = self.get_object()
        services.inspection_complete(by=request.user, inspection=inspection)
        return self._render(inspection.pk)

    @extend_schema(
        summary=_("Answer one checklist line (OK, defect, N/A); sending it again updates it"),
        request=CheckInputSerializer,
        responses={200: InspectionCheckSerializer, **_errors(400, 403, 404)},
    )
    @action(detail=True, methods=["post"])
    def checks(self, request, pk=None):
        inspection = self.get_object()
        serializer = CheckInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        item = ChecklistItem.objects.filter(
            pk=serializer.validated_data["item"], template_id=inspection.template_id
        ).first()
        if item is None:
            raise serializers.ValidationError(
                {"item": [_("This line is not on the inspection's checklist.")]}
            )
        check = services.check_record(
            by=request.user, inspection=inspection, item=item, result=serializer.validated_data["result"]
        )
        return Response(InspectionCheckSerializer(check).data)


class ChecklistTemplateViewSet(viewsets.ReadOnlyModelViewSet):
    """分户验收清单: the checklists used on the tablet, with their lines. Small, so not paged."""

    queryset = ChecklistTemplate.objects.none()  # for schema introspection
    serializer_class = ChecklistTemplateSerializer
    permission_classes = [InspectionPermission]
    pagination_class = None
    filterset_fields = ["is_active"]
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return selectors.checklist_templates()


@extend_schema_view(
    list=extend_schema(summary=_("Units handed over, in scope, with their sign-off")),
    retrieve=extend_schema(
        summary=_("The sign-off of one unit (by the handover's id); ETag carries the version"),
        responses={200: SignOffSerializer, **_errors(404)},
    ),
)
class HandoverSignOffViewSet(
    VersionedUpdateMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """交房: the sign-off of a unit, addressed by its handover's id."""

    queryset = Handover.objects.none()  # for schema introspection; get_queryset() scopes
    serializer_class = SignOffSerializer
    permission_classes = [InspectionPermission]
    filterset_class = SignOffFilter
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return (
            selectors.handovers_visible_to(self.request.user)
            .filter(status=Handover.Status.HANDED_OVER)
            .select_related("unit", "handed_over_by", "override_by")
            .order_by("-id")
        )

    def retrieve(self, request, *args, **kwargs):
        handover = self.get_object()
        return self.with_etag(
            Response(SignOffSerializer(handover, context=self.get_serializer_context()).data), handover
        )

    @extend_schema(
        summary=_("Hand a unit over (交房): documents, meters, keys and the owner's PNG signature"),
        request={"multipart/form-data": SignOffInputSerializer},
        parameters=[IF_MATCH],
        responses={201: SignOffSerializer, **_errors(400, 403, 409)},
    )
    def create(self, request, *args, **kwargs):
        serializer = SignOffInputSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        body_version = fields.pop("version", None)
        header_version = self._if_match_version()
        if body_version is not None and header_version is not None and body_version != header_version:
            raise serializers.ValidationError(
                {"version": [_("The version in the body and the If-Match header disagree.")]}
            )
        version = body_version if body_version is not None else header_version
        handover = services.handover_sign_off(by=request.user, version=version, **fields)
        handover = self.get_queryset().get(pk=handover.pk)
        data = SignOffSerializer(handover, context=self.get_serializer_context()).data
        return self.with_etag(Response(data, status=status.HTTP_201_CREATED), handover)


def register(router) -> None:
    router.register("inspections", InspectionViewSet, basename="inspection")
    router.register("checklist-templates", ChecklistTemplateViewSet, basename="checklist-template")
    router.register("handover-sign-offs", HandoverSignOffViewSet, basename="handover-sign-off")
