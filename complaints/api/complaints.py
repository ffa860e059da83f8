"""Complaints in the API: how one reads (list row, detail with timeline and clocks), intake and the path."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from core.api import VERSIONED_RESPONSES, VersionedUpdateMixin
from core.masking import mask_phone
from core.parsers import ControlCharacterRejectingJSONParser as JSONParser

from .. import selectors, services, sla
from ..filters import ComplaintFilter
from ..models import Attachment, Complaint, ComplaintEvent, MajorComplaintReport, ReturnVisit, SlaTarget
from ._common import ComplaintActionPermission, action_schema
from .path import (
    AgreePlanSerializer,
    CloseSerializer,
    ComplaintCreateSerializer,
    DispatchSerializer,
    GroupCaseJoinSerializer,
    LinkCustomerSerializer,
    MajorReportInputSerializer,
    NoteSerializer,
    ReasonSerializer,
    ReclassifySerializer,
    ResolveSerializer,
    RespondSerializer,
    ResumeSerializer,
    ReturnVisitInputSerializer,
)
from .work_orders import (
    ComplaintWorkOrderSerializer,
    WorkOrderCreateSerializer,
    WorkOrderDetailSerializer,
    render_work_order,
)


class ComplaintCustomerSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    phone = serializers.SerializerMethodField(help_text=_("Primary phone, masked (138****5678)."))

    def get_phone(self, customer) -> str:
        phones = list(customer.phones.all())  # prefetched, primary first
        return phones[0].masked if phones else ""


class ComplaintReporterSerializer(serializers.Serializer):
    """The public form's contact as the reporter gave it; on an unmatched complaint, all there is."""

    name = serializers.CharField(read_only=True)
    phone = serializers.CharField(read_only=True, help_text=_("Masked (139****1234)."))


SLA_STATE_HELP = _("on_time, warning, breached, paused; met once resolved; none without a clock.")


class SlaSerializer(serializers.Serializer):
    """The clock of the target being measured now."""

    target = serializers.ChoiceField(
        source="sla_target", choices=[("", "—"), *SlaTarget.choices], read_only=True
    )
    state = serializers.SerializerMethodField(help_text=SLA_STATE_HELP)
    due_at = serializers.DateTimeField(source="current_due_at", read_only=True, allow_null=True)
    warned = serializers.BooleanField(source="sla_warned", read_only=True)
    escalation_level = serializers.IntegerField(read_only=True)
    paused = serializers.BooleanField(source="is_paused", read_only=True)

    def get_state(self, complaint) -> str:
        return sla.sla_state(complaint).label


class SlaDetailSerializer(SlaSerializer):
    """The clock with every promise: when each is due and when it was kept."""

    policy = serializers.CharField(source="sla_policy.name", read_only=True, default=None, allow_null=True)
    started_at = serializers.DateTimeField(source="sla_started_at", read_only=True, allow_null=True)
    first_response_due_at = serializers.DateTimeField(read_only=True, allow_null=True)
    plan_due_at = serializers.DateTimeField(read_only=True, allow_null=True)
    resolution_due_at = serializers.DateTimeField(read_only=True, allow_null=True)
    first_responded_at = serializers.DateTimeField(read_only=True, allow_null=True)
    plan_agreed_at = serializers.DateTimeField(read_only=True, allow_null=True)
    resolved_at = serializers.DateTimeField(read_only=True, allow_null=True)
    paused_at = serializers.DateTimeField(read_only=True, allow_null=True)
    pause_reason = serializers.CharField(read_only=True)


COMPLAINT_LIST_FIELDS = [
    "id",
    "number",
    "complaint_type",
    "channel",
    "category",
    "category_name",
    "severity",
    "status",
    "customer",
    "reporter",
    "unit",
    "unit_code",
    "project",
    "project_name",
    "title",
    "received_at",
    "department",
    "handler",
    "handler_name",
    "reopen_count",
    "sla",
    "version",
    "created_at",
    "updated_at",
]


class ComplaintSerializer(serializers.ModelSerializer):
    """A row of the list: the customer's phone masked, the SLA badge computed. Category and project
    names come from the cached reference data (complaints.selectors), the phone from the list's
    `customer_phone` annotation (selectors.list_rows) or the prefetched phones (the detail)."""

    category_name = serializers.SerializerMethodField()
    customer = serializers.SerializerMethodField()
    reporter = serializers.SerializerMethodField()
    unit_code = serializers.CharField(source="unit.code", read_only=True, default=None, allow_null=True)
    project_name = serializers.SerializerMethodField()
    handler_name = serializers.StringRelatedField(source="handler", allow_null=True)
    sla = SlaSerializer(source="*", read_only=True)

    class Meta:
        model = Complaint
        fields = COMPLAINT_LIST_FIELDS
        read_only_fields = fields

    def get_category_name(self, complaint) -> str:
        category = selectors.categories().get(complaint.category_id)
        return category.label if category else ""

    def get_project_name(self, complaint) -> str:
        return selectors.projects().get(complaint.project_id, ("", None))[0]

    @extend_schema_field(ComplaintCustomerSerializer(allow_null=True))
    def get_customer(self, complaint) -> dict | None:
        """None on a public complaint no code confirmed: an agent links it (`link-customer`)."""
        customer = complaint.customer
        if customer is None:
            return None
        if hasattr(complaint, "customer_phone"):
            phone = mask_phone(complaint.customer_phone or "")
        else:
            phones = list(customer.phones.all())  # prefetched, primary first
            phone = phones[0].masked if phones else ""
        return {"id": customer.pk, "name": customer.name, "phone": phone}

    @extend_schema_field(ComplaintReporterSerializer(allow_null=True))
    def get_reporter(self, complaint) -> dict | None:
        if not (complaint.reporter_name or complaint.reporter_phone):
            return None
        return {"name": complaint.reporter_name, "phone": mask_phone(complaint.reporter_phone)}


class EventSerializer(serializers.ModelSerializer):
    actor_name = serializers.StringRelatedField(source="actor", allow_null=True)

    class Meta:
        model = ComplaintEvent
        fields = ["id", "kind", "note", "actor", "actor_name", "data", "created_at"]
        read_only_fields = fields


class AttachmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Attachment
        fields = ["id", "file", "original_name", "content_type", "size", "uploaded_by", "uploaded_at"]
        read_only_fields = fields


class ReturnVisitSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReturnVisit
        fields = ["id", "attempt", "reached", "satisfaction", "comment", "visited_by", "visited_at"]
        read_only_fields = fields


class MajorReportSerializer(serializers.ModelSerializer):
    class Meta:
        model = MajorComplaintReport
        fields = ["cause", "handling", "lessons", "author", "created_at", "updated_at"]
        read_only_fields = fields


class ComplaintDetailSerializer(ComplaintSerializer):
    """The complaint page: timeline, work orders, return visits, attachments and every SLA promise."""

    sla = SlaDetailSerializer(source="*", read_only=True)
    events = EventSerializer(many=True, read_only=True)
    work_orders = ComplaintWorkOrderSerializer(many=True, read_only=True)
    attachments = AttachmentSerializer(many=True, read_only=True)
    return_visits = ReturnVisitSerializer(many=True, read_only=True)
    major_report = serializers.SerializerMethodField()

    class Meta(ComplaintSerializer.Meta):
        fields = [
            *COMPLAINT_LIST_FIELDS,
            "description",
            "received_by",
            "group_case",
            "plan",
            "resolution",
            "root_cause",
            "satisfaction",
            "closed_unreachable",
            "closed_at",
            "events",
            "work_orders",
            "attachments",
            "return_visits",
            "major_report",
        ]
        read_only_fields = fields

    @extend_schema_field(MajorReportSerializer(allow_null=True))
    def get_major_report(self, complaint) -> dict | None:
        report = getattr(
            complaint, "major_report", None
        )  # a missing reverse one-to-one raises AttributeError
        return MajorReportSerializer(report).data if report is not None else None


def _action_schema(summary, request, responses_200=None, status_code=200):
    """An action on a complaint answers with the fresh complaint unless it says otherwise."""
    return action_schema(summary, request, responses_200 or ComplaintDetailSerializer, status_code)


@extend_schema_view(
    list=extend_schema(summary=_("Complaints in scope (customer phone masked)")),
    retrieve=extend_schema(
        summary=_("One complaint with its timeline, work orders and SLA; ETag carries the version"),
        responses={200: ComplaintDetailSerializer},
    ),
    create=extend_schema(
        summary=_("Record a complaint (接待); starts its SLA clocks"),
        request={
            "application/json": ComplaintCreateSerializer,
            "multipart/form-data": ComplaintCreateSerializer,
        },
        responses={201: ComplaintDetailSerializer, **{k: VERSIONED_RESPONSES[k] for k in (400, 403)}},
    ),
)
class ComplaintViewSet(
    VersionedUpdateMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """投诉/报修. Actions follow the path 接待 → 分派 → 方案 → 派单 → 关闭; each needs the version."""

    queryset = Complaint.objects.none()  # for schema introspection; get_queryset() scopes
    serializer_class = ComplaintSerializer
    permission_classes = [ComplaintActionPermission]
    filterset_class = ComplaintFilter
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    lookup_value_regex = r"\d+"
    action_roles = {
        "create": "create",
        "dispatch_to": "dispatch",
        "respond": "respond",
        "agree_plan": "agree_plan",
        "work_orders": "create_work_order",
        "resolve": "resolve",
        "return_visit": "return_visit",
        "close": "close",
        "reopen": "reopen",
        "pause": "pause",
        "resume": "resume",
        "major_report": "major_report",
        "reclassify": "reclassify",
        "notes": "note",
        "join_group_case": "group",
        "link_customer": "link_customer",
    }

    def get_queryset(self):
        if self.action == "list":
            return selectors.complaint_list(user=self.request.user)
        return Complaint.objects.visible_to(self.request.user)

    def _detail(self, pk: int) -> Complaint:
        try:
            return selectors.complaint_detail(user=self.request.user, pk=pk)
        except Complaint.DoesNotExist:
            raise Http404 from None

    def _render(self, pk: int, status_code: int = status.HTTP_200_OK) -> Response:
        complaint = self._detail(pk)
        data = ComplaintDetailSerializer(complaint, context=self.get_serializer_context()).data
        return self.with_etag(Response(data, status=status_code), complaint)

    def retrieve(self, request, *args, **kwargs):
        return self._render(self.get_object().pk)

    def create(self, request, *args, **kwargs):
        serializer = ComplaintCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        complaint = selectors.complaint_as_created(
            services.complaint_create(by=request.user, **serializer.validated_data)
        )
        complaint.customer_phone = (
            getattr(complaint.customer, "primary_phone_number", None) if complaint.customer else None
        )
        data = ComplaintDetailSerializer(complaint, context=self.get_serializer_context()).data
        return self.with_etag(Response(data, status=status.HTTP_201_CREATED), complaint)

    def _act(self, request, input_serializer, service, status_code=status.HTTP_200_OK) -> Response:
        """Validate the payload, take the version, call the service, answer with the fresh complaint."""
        complaint = self.get_object()
        serializer = input_serializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        version = self.expected_version(fields)
        service(complaint=complaint, by=request.user, expected_version=version, **fields)
        return self._render(complaint.pk, status_code)

    @_action_schema(_("Dispatch (分派) to a department and a handler"), DispatchSerializer)
    @action(detail=True, methods=["post"], url_path="dispatch")
    def dispatch_to(self, request, pk=None):
        return self._act(request, DispatchSerializer, services.complaint_dispatch)

    @_action_schema(
        _("Record a direct contact with the owner; the first stops the 24-hour clock"), RespondSerializer
    )
    @action(detail=True, methods=["post"])
    def respond(self, request, pk=None):
        return self._act(request, RespondSerializer, services.complaint_respond)

    @_action_schema(
        _("Put an unmatched public complaint (no customer, contact as given) on the customer it is about"),
        LinkCustomerSerializer,
    )
    @action(detail=True, methods=["post"], url_path="link-customer")
    def link_customer(self, request, pk=None):
        return self._act(request, LinkCustomerSerializer, services.complaint_link_customer)

    @_action_schema(_("Record the plan (方案) agreed with the owner"), AgreePlanSerializer)
    @action(detail=True, methods=["post"], url_path="agree-plan")
    def agree_plan(self, request, pk=None):
        return self._act(request, AgreePlanSerializer, services.complaint_agree_plan)

    @_action_schema(
        _("Issue a work order (派单) to a department or a contractor"),
        WorkOrderCreateSerializer,
        WorkOrderDetailSerializer,
        status.HTTP_201_CREATED,
    )
    @action(detail=True, methods=["post"], url_path="work-orders")
    def work_orders(self, request, pk=None):
        complaint = self.get_object()
        serializer = WorkOrderCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        version = self.expected_version(fields)
        work_order = services.work_order_create(
            complaint=complaint, by=request.user, expected_version=version, **fields
        )
        return render_work_order(work_order.pk, self.get_serializer_context(), status.HTTP_201_CREATED)

    @_action_schema(_("Mark resolved; every work order must be finished"), ResolveSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        return self._act(request, ResolveSerializer, services.complaint_resolve)

    @_action_schema(
        _("Record a return visit (回访); an unsatisfied owner reopens it"), ReturnVisitInputSerializer
    )
    @action(detail=True, methods=["post"], url_path="return-visit")
    def return_visit(self, request, pk=None):
        return self._act(request, ReturnVisitInputSerializer, services.complaint_return_visit)

    @_action_schema(_("Close (关闭) with a root cause after a satisfied return visit"), CloseSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self._act(request, CloseSerializer, services.complaint_close)

    @_action_schema(_("Reopen a resolved or closed complaint"), ReasonSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        return self._act(request, ReasonSerializer, services.complaint_reopen)

    @_action_schema(_("Pause the SLA clock while waiting on the owner"), ReasonSerializer)
    @action(detail=True, methods=["post"])
    def pause(self, request, pk=None):
        return self._act(request, ReasonSerializer, services.complaint_pause)

    @_action_schema(_("Resume the SLA clock; due times move by the pause"), ResumeSerializer)
    @action(detail=True, methods=["post"])
    def resume(self, request, pk=None):
        return self._act(request, ResumeSerializer, services.complaint_resume)

    @_action_schema(
        _("Change the type, category or severity; the SLA policy is chosen again and the clocks re-planned"),
        ReclassifySerializer,
    )
    @action(detail=True, methods=["post"])
    def reclassify(self, request, pk=None):
        return self._act(request, ReclassifySerializer, services.complaint_reclassify)

    @_action_schema(_("Write the major-complaint report (重大投诉报告)"), MajorReportInputSerializer)
    @action(detail=True, methods=["post"], url_path="major-report")
    def major_report(self, request, pk=None):
        return self._act(request, MajorReportInputSerializer, services.major_report_save)

    @_action_schema(
        _("Join an open group case (群诉) of the same project; the complaint takes the group severity"),
        GroupCaseJoinSerializer,
    )
    @action(detail=True, methods=["post"], url_path="join-group-case")
    def join_group_case(self, request, pk=None):
        return self._act(request, GroupCaseJoinSerializer, services.complaint_join_group_case)

    @_action_schema(_("Add a note to the timeline"), NoteSerializer, status_code=status.HTTP_201_CREATED)
    @action(detail=True, methods=["post"])
    def notes(self, request, pk=None):
        return self._act(request, NoteSerializer, services.complaint_add_note, status.HTTP_201_CREATED)
