"""REST API v1 of defects and rectification: /api/v1/defects, /api/v1/rectification-orders.

- Scope: `Defect.objects.visible_to(user)`; a contractor sees their company's defects and orders
  in the projects assigned to them only, everyone else those of their projects. Outside the
  scope → 404; references in a payload resolve within the scope only.
- Roles: each action names its entry in `services.rectification.ACTION_ROLES`; a role that may
  not is a 403 before the payload is read, and the service checks again.
- Recording: `POST /defects/` (multipart with `photos`, or JSON) goes through `defect_record`;
  send a `client_uuid` so that a retried upload returns the defect already made (200) instead
  of a second one (201).
- Concurrency: state changes (`fixed`, `verify`, `reject`, `owner-accept`, `owner-reject`,
  `cancel`, `correct`) must say which version they acted on, in the body (`"version": 3`) or as
  `If-Match: "3"` (the ETag of the retrieve). Missing → 428; stale → 409. `photos` and
  `to-complaint` change no state: a version there is optional (checked when given).
- Transitions are the services'; an illegal one is a 400 on `status`.
"""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from accounts.models import Contractor
from crm.api import IF_MATCH, MAX_ID, VERSIONED_RESPONSES, ScopedPrimaryKeyRelatedField, VersionedUpdateMixin
from properties.filters import visible_queryset
from properties.models import Building, Project, Unit

from ..deadlines import defect_deadline_state
from ..models import (
    Defect,
    DefectEvent,
    DefectPhoto,
    DefectSeverity,
    Inspection,
    RectificationOrder,
    RoomType,
    Trade,
)
from ..selectors import rectification as selectors
from ..services import rectification as services
from ..services.defects import defect_record

# --- Permissions --------------------------------------------------------------------------


class RectificationPermission(permissions.BasePermission):
    """Reads follow the scope; a write needs the role `services.may(user, action)` allows.

    On a detail action the role is checked after the object is found, so a row outside the
    scope answers 404 whatever the role.
    """

    message = _("Your role may not do this.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.is_active):
            return False
        if request.method in permissions.SAFE_METHODS or getattr(view, "detail", False):
            return True
        return self._may(user, view)

    def has_object_permission(self, request, view, obj) -> bool:
        return request.method in permissions.SAFE_METHODS or self._may(request.user, view)

    @staticmethod
    def _may(user, view) -> bool:
        needed = getattr(view, "action_roles", {}).get(getattr(view, "action", None))
        return needed is not None and services.may(user, needed)


class ActiveContractorField(serializers.PrimaryKeyRelatedField):
    """A contractor reference; ids beyond a bigint are unknown ids, never a database error."""

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", Contractor.objects.filter(is_active=True))
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, int) and not isinstance(data, bool) and not 0 < data <= MAX_ID:
            self.fail("does_not_exist", pk_value=data)
        if isinstance(data, str) and data.isdigit() and int(data) > MAX_ID:
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(data)


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


# --- Filters ------------------------------------------------------------------------------

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


class RectificationOrderFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=RectificationOrder.Status.choices, label=_("status"))
    project = filters.ModelChoiceFilter(queryset=visible_queryset(Project), label=_("project"))
    contractor = filters.ModelChoiceFilter(queryset=Contractor.objects.all(), label=_("contractor"))

    class Meta:
        model = RectificationOrder
        fields = ["status", "project", "contractor"]


# --- Serializers: output ------------------------------------------------------------------

DEADLINE_HELP = _("on_time, warning, overdue; stopped once the contractor is done (or the defect cancelled).")

DEFECT_FIELDS = [
    "id",
    "number",
    "project",
    "project_name",
    "unit",
    "unit_code",
    "building",
    "handover",
    "room",
    "location",
    "trade",
    "severity",
    "description",
    "contractor",
    "contractor_name",
    "order",
    "order_number",
    "status",
    "found_at",
    "due_at",
    "deadline_state",
    "rework_count",
    "fixed_at",
    "verified_at",
    "accepted_at",
    "after_handover",
    "complaint",
    "version",
    "created_at",
    "updated_at",
]


class DefectSerializer(serializers.ModelSerializer):
    """A row of the list, with the rectification deadline's badge state."""

    project_name = serializers.CharField(source="project.name", read_only=True)
    unit_code = serializers.CharField(source="unit.code", read_only=True)
    building = serializers.IntegerField(source="unit.building_id", read_only=True)
    contractor_name = serializers.CharField(
        source="contractor.name", read_only=True, default=None, allow_null=True
    )
    order_number = serializers.CharField(source="order.number", read_only=True, default=None, allow_null=True)
    deadline_state = serializers.SerializerMethodField(help_text=DEADLINE_HELP)

    class Meta:
        model = Defect
        fields = DEFECT_FIELDS
        read_only_fields = fields

    def get_deadline_state(self, defect) -> str:
        return defect_deadline_state(defect)


class DefectPhotoSerializer(serializers.ModelSerializer):
    class Meta:
        model = DefectPhoto
        fields = ["id", "image", "stage", "content_type", "size", "uploaded_by", "uploaded_at"]
        read_only_fields = fields


class DefectEventSerializer(serializers.ModelSerializer):
    actor_name = serializers.StringRelatedField(source="actor", allow_null=True)

    class Meta:
        model = DefectEvent
        fields = ["id", "kind", "note", "actor", "actor_name", "data", "created_at"]
        read_only_fields = fields


class DefectDetailSerializer(DefectSerializer):
    """The defect page: photos by stage, the timeline, the escalation level and the linked complaint."""

    photos = DefectPhotoSerializer(many=True, read_only=True)
    events = DefectEventSerializer(many=True, read_only=True)
    complaint_number = serializers.CharField(
        source="complaint.number", read_only=True, default=None, allow_null=True
    )

    class Meta(DefectSerializer.Meta):
        fields = [
            *DEFECT_FIELDS,
            "inspection",
            "pin_x",
            "pin_y",
            "reported_by",
            "verified_by",
            "escalation_level",
            "complaint_number",
            "photos",
            "events",
        ]
        read_only_fields = fields


RECTIFICATION_ORDER_FIELDS = [
    "id",
    "number",
    "project",
    "project_name",
    "contractor",
    "contractor_name",
    "status",
    "issued_by",
    "due_at",
    "completed_at",
    "defect_count",
    "done_count",
    "overdue_count",
    "version",
    "created_at",
    "updated_at",
]


class RectificationOrderSerializer(serializers.ModelSerializer):
    project_name = serializers.CharField(source="project.name", read_only=True)
    contractor_name = serializers.CharField(source="contractor.name", read_only=True)
    defect_count = serializers.IntegerField(read_only=True, help_text=_("Defects not cancelled."))
    done_count = serializers.IntegerField(read_only=True, help_text=_("Fixed, verified or accepted."))
    overdue_count = serializers.IntegerField(
        read_only=True, help_text=_("Past their rectification deadline.")
    )

    class Meta:
        model = RectificationOrder
        fields = RECTIFICATION_ORDER_FIELDS
        read_only_fields = fields


class RectificationOrderDetailSerializer(RectificationOrderSerializer):
    defects = DefectSerializer(many=True, read_only=True)

    class Meta(RectificationOrderSerializer.Meta):
        fields = [*RECTIFICATION_ORDER_FIELDS, "defects"]
        read_only_fields = fields


# --- Serializers: input (shape only; the services decide) ----------------------------------

PHOTO_HELP = _("JPEG, PNG or WebP (multipart/form-data), 10 MB each, at most 10.")


def _photos(required: bool) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.FileField(),
        required=required,
        min_length=1 if required else 0,
        max_length=10,
        default=list if not required else serializers.empty,
        help_text=PHOTO_HELP,
    )


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


class DefectVersionSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=2**31 - 1,
        write_only=True,
        help_text=_("The version acted on (or an If-Match header)."),
    )


class DefectPhotosInputSerializer(DefectVersionSerializer):
    photos = _photos(required=True)
    stage = serializers.ChoiceField(
        choices=DefectPhoto.Stage.choices,
        default=DefectPhoto.Stage.PROGRESS,
        help_text=_("Contractors: progress only. Staff: found, progress or re-inspection."),
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class DefectFixedInputSerializer(DefectVersionSerializer):
    photos = _photos(required=True)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class DefectNoteInputSerializer(DefectVersionSerializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class DefectReasonInputSerializer(DefectVersionSerializer):
    reason = serializers.CharField(max_length=2000)


class DefectCorrectInputSerializer(DefectVersionSerializer):
    """Only the fields sent change (services.defect_correct)."""

    room = serializers.ChoiceField(choices=RoomType.choices, required=False)
    location = serializers.CharField(max_length=200, required=False, allow_blank=True)
    trade = serializers.ChoiceField(choices=Trade.choices, required=False)
    severity = serializers.ChoiceField(choices=DefectSeverity.choices, required=False)
    description = serializers.CharField(max_length=5000, required=False)
    contractor = ActiveContractorField(required=False, allow_null=True)


class DefectOwnerAcceptInputSerializer(DefectNoteInputSerializer):
    photos = _photos(required=False)


class DefectOwnerRejectInputSerializer(DefectReasonInputSerializer):
    photos = _photos(required=False)


class RectificationOrderIssueSerializer(serializers.Serializer):
    defects = ScopedPrimaryKeyRelatedField(
        queryset=Defect.objects.all(), many=True, help_text=_("Open defects without an order yet.")
    )
    contractor = ActiveContractorField(
        required=False, allow_null=True, help_text=_("Given to the defects that have no contractor yet.")
    )


# --- Defects ------------------------------------------------------------------------------


def _action_schema(summary, request, status_code=200, response=None):
    return extend_schema(
        summary=summary,
        request={"multipart/form-data": request, "application/json": request},
        parameters=[IF_MATCH],
        responses={status_code: response or DefectDetailSerializer, **VERSIONED_RESPONSES},
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

    def _act(self, request, input_serializer, service, *, versioned=True, status_code=status.HTTP_200_OK):
        """Validate the payload, take the version, call the service, answer with the fresh defect."""
        defect = self.get_object()
        serializer = input_serializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        if versioned:
            version = self.expected_version(fields)
        else:
            body_version = fields.pop("version", None)
            version = body_version if body_version is not None else self._if_match_version()
        service(defect=defect, by=request.user, expected_version=version, **fields)
        return self._render(defect.pk, status_code)

    @_action_schema(
        _("Add photos: progress (with a note) by the contractor; as found or at re-inspection by staff"),
        DefectPhotosInputSerializer,
        status.HTTP_201_CREATED,
    )
    @action(detail=True, methods=["post"])
    def photos(self, request, pk=None):
        return self._act(
            request,
            DefectPhotosInputSerializer,
            services.defect_photos_add,
            versioned=False,
            status_code=status.HTTP_201_CREATED,
        )

    @_action_schema(_("Mark fixed with photos of the result; stops the clock"), DefectFixedInputSerializer)
    @action(detail=True, methods=["post"])
    def fixed(self, request, pk=None):
        return self._act(request, DefectFixedInputSerializer, services.defect_mark_fixed)

    @_action_schema(_("The engineer verifies the fix"), DefectNoteInputSerializer)
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        return self._act(request, DefectNoteInputSerializer, services.defect_verify)

    @_action_schema(
        _("The engineer rejects the fix: back to the contractor on a fresh clock"),
        DefectReasonInputSerializer,
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._act(request, DefectReasonInputSerializer, services.defect_reject)

    @_action_schema(
        _("The owner accepts the fix at the re-inspection (复验)"), DefectOwnerAcceptInputSerializer
    )
    @action(detail=True, methods=["post"], url_path="owner-accept")
    def owner_accept(self, request, pk=None):
        return self._act(request, DefectOwnerAcceptInputSerializer, services.defect_owner_accept)

    @_action_schema(
        _("The owner rejects the fix at the re-inspection: back to the contractor"),
        DefectOwnerRejectInputSerializer,
    )
    @action(detail=True, methods=["post"], url_path="owner-reject")
    def owner_reject(self, request, pk=None):
        return self._act(request, DefectOwnerRejectInputSerializer, services.defect_owner_reject)

    @_action_schema(_("Cancel the defect (supervisors), with a reason"), DefectReasonInputSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        return self._act(request, DefectReasonInputSerializer, services.defect_cancel)

    @_action_schema(
        _(
            "Correct what was recorded (room, location, trade, severity, description, contractor) while the "
            "defect is open and in no rectification order; only the fields sent change"
        ),
        DefectCorrectInputSerializer,
    )
    @action(detail=True, methods=["post"])
    def correct(self, request, pk=None):
        return self._act(request, DefectCorrectInputSerializer, services.defect_correct)

    @extend_schema(
        summary=_("Turn a defect reported after handover into a repair request (报修); idempotent"),
        request=None,
        responses={
            201: DefectDetailSerializer,
            200: OpenApiResponse(DefectDetailSerializer, description=_("Already linked to a complaint.")),
            **{k: VERSIONED_RESPONSES[k] for k in (400, 403, 404)},
        },
    )
    @action(detail=True, methods=["post"], url_path="to-complaint")
    def to_complaint(self, request, pk=None):
        defect = self.get_object()
        existed = defect.complaint_id is not None
        services.defect_to_complaint(by=request.user, defect=defect)
        return self._render(defect.pk, status.HTTP_200_OK if existed else status.HTTP_201_CREATED)


# --- Rectification orders ------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary=_("Rectification orders in scope (contractors: their own)")),
    retrieve=extend_schema(
        summary=_("One rectification order with its defects"),
        responses={200: RectificationOrderDetailSerializer},
    ),
)
class RectificationOrderViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """整改单: a contractor's defects in one project. Completed when all are fixed, closed when all accepted."""

    queryset = RectificationOrder.objects.none()  # for schema introspection; get_queryset() scopes
    serializer_class = RectificationOrderSerializer
    permission_classes = [RectificationPermission]
    filterset_class = RectificationOrderFilter
    lookup_value_regex = r"\d+"
    action_roles = {"issue": "issue"}

    def get_queryset(self):
        return selectors.order_list(user=self.request.user)

    def retrieve(self, request, *args, **kwargs):
        pk = self.get_object().pk
        order = selectors.order_detail(user=request.user, pk=pk)
        return Response(RectificationOrderDetailSerializer(order, context=self.get_serializer_context()).data)

    @extend_schema(
        summary=_("Issue rectification orders from open defects: one per project and contractor"),
        request=RectificationOrderIssueSerializer,
        responses={
            201: RectificationOrderSerializer(many=True),
            **{k: VERSIONED_RESPONSES[k] for k in (400, 403)},
        },
    )
    @action(detail=False, methods=["post"])
    def issue(self, request):
        serializer = RectificationOrderIssueSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        orders = services.rectification_orders_issue(by=request.user, **serializer.validated_data)
        fresh = self.get_queryset().filter(pk__in=[o.pk for o in orders]).order_by("pk")
        return Response(
            RectificationOrderSerializer(fresh, many=True, context=self.get_serializer_context()).data,
            status=status.HTTP_201_CREATED,
        )


def register(router) -> None:
    router.register("defects", DefectViewSet, basename="defect")
    router.register("rectification-orders", RectificationOrderViewSet, basename="rectification-order")
