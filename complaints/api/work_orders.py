"""Work orders (派单) in the API: their shapes, and accepting, reporting and completing one."""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from accounts.models import Contractor, Department
from core.api import BoundedPrimaryKeyRelatedField, VersionedUpdateMixin
from core.parsers import ControlCharacterRejectingJSONParser as JSONParser

from .. import services
from ..filters import WorkOrderFilter
from ..models import WorkOrder, WorkOrderNote
from ._common import (
    ComplaintActionPermission,
    VersionedActionSerializer,
    _active_staff,
    action_schema,
)


class WorkOrderNoteSerializer(serializers.ModelSerializer):
    class Meta:
        model = WorkOrderNote
        fields = ["id", "author", "note", "photo", "created_at"]
        read_only_fields = fields


WORK_ORDER_FIELDS = [
    "id",
    "number",
    "complaint",
    "department",
    "contractor",
    "contractor_name",
    "assignee",
    "assignee_name",
    "description",
    "due_at",
    "status",
    "issued_by",
    "accepted_at",
    "completed_at",
    "completion_note",
    "warned",
    "escalation_level",
    "version",
    "created_at",
    "updated_at",
]


class WorkOrderSerializer(serializers.ModelSerializer):
    contractor_name = serializers.CharField(
        source="contractor.name", read_only=True, default=None, allow_null=True
    )
    assignee_name = serializers.StringRelatedField(source="assignee", allow_null=True)

    class Meta:
        model = WorkOrder
        fields = WORK_ORDER_FIELDS
        read_only_fields = fields


class WorkOrderDetailSerializer(WorkOrderSerializer):
    """A work order with its progress notes and the complaint's number and subject (no customer data)."""

    complaint_number = serializers.CharField(source="complaint.number", read_only=True)
    complaint_title = serializers.CharField(source="complaint.title", read_only=True)
    notes = WorkOrderNoteSerializer(many=True, read_only=True)

    class Meta(WorkOrderSerializer.Meta):
        fields = [*WORK_ORDER_FIELDS, "complaint_number", "complaint_title", "notes"]
        read_only_fields = fields


class ComplaintWorkOrderSerializer(WorkOrderSerializer):
    notes = WorkOrderNoteSerializer(many=True, read_only=True)

    class Meta(WorkOrderSerializer.Meta):
        fields = [*WORK_ORDER_FIELDS, "notes"]
        read_only_fields = fields


class WorkOrderCreateSerializer(VersionedActionSerializer):
    description = serializers.CharField(max_length=5000)
    due_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        help_text=_(
            "Optional: without it the work order is due WORK_ORDER_DEFAULT_HOURS (48 by default) later."
        ),
    )
    department = serializers.ChoiceField(
        choices=Department.choices, required=False, allow_blank=True, default=""
    )
    contractor = BoundedPrimaryKeyRelatedField(
        queryset=Contractor.objects.filter(is_active=True), required=False, allow_null=True
    )
    assignee = BoundedPrimaryKeyRelatedField(queryset=_active_staff(), required=False, allow_null=True)


class WorkOrderVersionSerializer(VersionedActionSerializer):
    pass


class WorkOrderReportSerializer(VersionedActionSerializer):
    note = serializers.CharField(max_length=5000)
    photo = serializers.FileField(required=False, help_text=_("JPEG, PNG or WebP under 10 MB (multipart)."))


def _work_order_queryset(user):
    return WorkOrder.objects.visible_to(user).select_related("contractor", "assignee")


def render_work_order(pk: int, context: dict, status_code: int = status.HTTP_200_OK) -> Response:
    work_order = (
        _work_order_queryset(context["request"].user)
        .select_related("complaint")
        .prefetch_related(Prefetch("notes", queryset=WorkOrderNote.objects.order_by("created_at", "id")))
        .get(pk=pk)
    )
    response = Response(WorkOrderDetailSerializer(work_order, context=context).data, status=status_code)
    response["ETag"] = f'"{work_order.version}"'
    return response


@extend_schema_view(
    list=extend_schema(summary=_("Work orders in scope (contractors: their company's)")),
    retrieve=extend_schema(
        summary=_("One work order with its progress notes; ETag carries the version"),
        responses={200: WorkOrderDetailSerializer},
    ),
)
class WorkOrderViewSet(
    VersionedUpdateMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """派单. Accept, report progress (note + photo) and complete; each needs the version."""

    queryset = WorkOrder.objects.none()  # for schema introspection; get_queryset() scopes
    serializer_class = WorkOrderSerializer
    permission_classes = [ComplaintActionPermission]
    filterset_class = WorkOrderFilter
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    lookup_value_regex = r"\d+"
    action_roles = {"accept": "work_order", "progress": "work_order", "complete": "work_order"}

    def get_queryset(self):
        return _work_order_queryset(self.request.user)

    def retrieve(self, request, *args, **kwargs):
        return render_work_order(self.get_object().pk, self.get_serializer_context())

    def _act(self, request, input_serializer, service, status_code=status.HTTP_200_OK) -> Response:
        work_order = self.get_object()
        serializer = input_serializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        version = self.expected_version(fields)
        service(work_order=work_order, by=request.user, expected_version=version, **fields)
        return render_work_order(work_order.pk, self.get_serializer_context(), status_code)

    @action_schema(_("Accept the work order"), WorkOrderVersionSerializer, WorkOrderDetailSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        return self._act(request, WorkOrderVersionSerializer, services.work_order_accept)

    @action_schema(
        _("Report progress: a note and an optional photo"),
        WorkOrderReportSerializer,
        WorkOrderDetailSerializer,
        status.HTTP_201_CREATED,
    )
    @action(detail=True, methods=["post"])
    def progress(self, request, pk=None):
        return self._act(
            request, WorkOrderReportSerializer, services.work_order_progress, status.HTTP_201_CREATED
        )

    @action_schema(
        _("Complete the work order with a note (and an optional photo)"),
        WorkOrderReportSerializer,
        WorkOrderDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        return self._act(request, WorkOrderReportSerializer, services.work_order_complete)
