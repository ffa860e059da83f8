"""REST API v1 of complaints and service requests: /api/v1/complaints, work-orders, complaint-categories,
sla-policies, notifications, improvement-items, group-cases.

- Scope: complaints go through `Complaint.objects.visible_to(user)` (contractors: the complaints of
  their company's work orders in their projects; department staff: their department's in their
  projects), work orders through `WorkOrder.objects.visible_to(user)`. Outside the scope → 404;
  references in a payload resolve within the scope only.
- Roles: every write names its action in `services.ACTION_ROLES`; `services.may()` refuses it
  with a 403 before the payload is read, and the service checks again.
- Concurrency: complaints and work orders carry `version`. Every action must say which version
  it acted on, in the body (`"version": 3`) or as `If-Match: "3"` (the ETag of the retrieve).
  Missing → 428 Precondition Required; stale → 409 Conflict.
- Transitions are the services' (complaints.services); an illegal one is a 400 on `status`.
- Personal data: the customer's phone leaves the server masked.
"""

from __future__ import annotations

from django.db.models import Prefetch
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from accounts.models import Contractor, Department, Role, User
from crm.api import IF_MATCH, MAX_ID, VERSIONED_RESPONSES, ScopedPrimaryKeyRelatedField, VersionedUpdateMixin
from crm.masking import mask_phone
from customers.models import Customer
from customers.selectors import primary_phone_number
from notifications.models import Notification
from properties.models import Project, Unit

from . import selectors, services, sla
from .filters import ComplaintFilter, ImprovementItemFilter, NotificationFilter, WorkOrderFilter
from .models import (
    Attachment,
    Category,
    Channel,
    Complaint,
    ComplaintEvent,
    ComplaintType,
    GroupCase,
    ImprovementItem,
    MajorComplaintReport,
    ReturnVisit,
    RootCause,
    Severity,
    SlaPolicy,
    SlaTarget,
    WorkOrder,
    WorkOrderNote,
)

# --- Permissions --------------------------------------------------------------------------


class ComplaintActionPermission(permissions.BasePermission):
    """Reads follow the scope; a write needs the role `services.may(user, action)` allows.

    The view maps its DRF actions to service actions in `action_roles`; `readers`, when set,
    limits who may read at all. On a detail action the role is checked after the object is
    found, so a row outside the scope answers 404 whatever the role.
    """

    message = _("Your role may not do this.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        readers = getattr(view, "readers", None)
        if readers is not None and user.role not in readers:
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


class GroupAdminWritesPermission(permissions.BasePermission):
    """Every staff member reads; only group administrators write (SLA policies)."""

    message = _("Only group administrators edit SLA policies.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        return request.method in permissions.SAFE_METHODS or user.role == Role.GROUP_ADMIN


class BoundedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A reference to unscoped rows (categories, staff, contractors): ids beyond a bigint are unknown ids."""

    def to_internal_value(self, data):
        if isinstance(data, int) and not isinstance(data, bool) and not 0 < data <= MAX_ID:
            self.fail("does_not_exist", pk_value=data)
        if isinstance(data, str) and data.isdigit() and int(data) > MAX_ID:
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(data)


def _active_staff():
    return User.objects.filter(is_active=True)


# --- Serializers: output ------------------------------------------------------------------


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "parent", "code", "name", "default_department", "sort_order", "is_active"]
        read_only_fields = fields


class SlaPolicySerializer(serializers.ModelSerializer):
    category = BoundedPrimaryKeyRelatedField(queryset=Category.objects.all(), required=False, allow_null=True)

    class Meta:
        model = SlaPolicy
        fields = [
            "id",
            "name",
            "complaint_type",
            "category",
            "severity",
            "first_response_minutes",
            "plan_minutes",
            "resolution_minutes",
            "time_basis",
            "warning_percent",
            "escalation_2_after_minutes",
            "escalation_3_after_minutes",
            "is_active",
        ]


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


# --- Serializers: input (shape only; the services decide) ----------------------------------


class CachedCategoryField(BoundedPrimaryKeyRelatedField):
    """A category id, resolved from the cached category tree (complaints.selectors.category)."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not str(data).isdigit() or int(data) > MAX_ID:
            self.fail("incorrect_type", data_type=type(data).__name__)
        category = selectors.category(int(data))
        if category is None:
            self.fail("does_not_exist", pk_value=data)
        return category


class ComplaintCreateSerializer(serializers.Serializer):
    """接待. The project defaults to the unit's, then to the customer's registered project."""

    # Read with what the 201 answer shows (the customer's phone, the unit's project): no second look.
    customer = ScopedPrimaryKeyRelatedField(
        queryset=Customer.objects.defer("id_number").annotate(primary_phone_number=primary_phone_number())
    )
    unit = ScopedPrimaryKeyRelatedField(
        queryset=Unit.objects.select_related("project"), required=False, allow_null=True
    )
    project = ScopedPrimaryKeyRelatedField(queryset=Project.objects.all(), required=False, allow_null=True)
    category = CachedCategoryField(queryset=Category.objects.all())
    complaint_type = serializers.ChoiceField(choices=ComplaintType.choices)
    channel = serializers.ChoiceField(choices=Channel.choices)
    severity = serializers.ChoiceField(choices=Severity.choices, default=Severity.NORMAL)
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=10000)
    received_at = serializers.DateTimeField(required=False, help_text=_("Defaults to now."))
    attachments = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        max_length=10,
        help_text=_("Photos, PDF, Word, audio or video (multipart/form-data), 10 MB each."),
    )


class VersionedActionSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=2**31 - 1,
        write_only=True,
        help_text=_("The version acted on (or an If-Match header)."),
    )


class DispatchSerializer(VersionedActionSerializer):
    department = serializers.ChoiceField(choices=Department.choices)
    handler = BoundedPrimaryKeyRelatedField(queryset=_active_staff(), required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class RespondSerializer(VersionedActionSerializer):
    method = serializers.ChoiceField(choices=list(services.RESPONSE_METHODS.items()))
    content = serializers.CharField(max_length=5000, help_text=_("What was said to the owner."))


class AgreePlanSerializer(VersionedActionSerializer):
    plan = serializers.CharField(max_length=5000)


class WorkOrderCreateSerializer(VersionedActionSerializer):
    description = serializers.CharField(max_length=5000)
    due_at = serializers.DateTimeField()
    department = serializers.ChoiceField(
        choices=Department.choices, required=False, allow_blank=True, default=""
    )
    contractor = BoundedPrimaryKeyRelatedField(
        queryset=Contractor.objects.filter(is_active=True), required=False, allow_null=True
    )
    assignee = BoundedPrimaryKeyRelatedField(queryset=_active_staff(), required=False, allow_null=True)


class ResolveSerializer(VersionedActionSerializer):
    resolution = serializers.CharField(max_length=5000)


class ReturnVisitInputSerializer(VersionedActionSerializer):
    reached = serializers.BooleanField(help_text=_("Whether the owner was reached."))
    satisfaction = serializers.IntegerField(min_value=1, max_value=5, required=False, allow_null=True)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")


class CloseSerializer(VersionedActionSerializer):
    root_cause = serializers.ChoiceField(choices=RootCause.choices)
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")


class ReasonSerializer(VersionedActionSerializer):
    reason = serializers.CharField(max_length=200)


class ResumeSerializer(VersionedActionSerializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class MajorReportInputSerializer(VersionedActionSerializer):
    cause = serializers.CharField(max_length=10000)
    handling = serializers.CharField(max_length=10000)
    lessons = serializers.CharField(max_length=10000)


class GroupCaseJoinSerializer(VersionedActionSerializer):
    group_case = ScopedPrimaryKeyRelatedField(
        queryset=GroupCase.objects.all(), help_text=_("An open group case of the complaint's project.")
    )


class NoteSerializer(VersionedActionSerializer):
    note = serializers.CharField(max_length=5000)


class LinkCustomerSerializer(VersionedActionSerializer):
    customer = ScopedPrimaryKeyRelatedField(queryset=Customer.objects.all())


class WorkOrderVersionSerializer(VersionedActionSerializer):
    pass


class WorkOrderReportSerializer(VersionedActionSerializer):
    note = serializers.CharField(max_length=5000)
    photo = serializers.FileField(required=False, help_text=_("JPEG, PNG or WebP under 10 MB (multipart)."))


# --- Complaints ---------------------------------------------------------------------------


def _action_schema(summary, request, responses_200=None, status_code=200):
    return extend_schema(
        summary=summary,
        request={
            "application/json": request,
            "multipart/form-data": request,
        },
        parameters=[IF_MATCH],
        responses={status_code: responses_200 or ComplaintDetailSerializer, **VERSIONED_RESPONSES},
    )


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
        return _render_work_order(work_order.pk, self.get_serializer_context(), status.HTTP_201_CREATED)

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


# --- Work orders --------------------------------------------------------------------------


def _work_order_queryset(user):
    return WorkOrder.objects.visible_to(user).select_related("contractor", "assignee")


def _render_work_order(pk: int, context: dict, status_code: int = status.HTTP_200_OK) -> Response:
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
        return _render_work_order(self.get_object().pk, self.get_serializer_context())

    def _act(self, request, input_serializer, service, status_code=status.HTTP_200_OK) -> Response:
        work_order = self.get_object()
        serializer = input_serializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        version = self.expected_version(fields)
        service(work_order=work_order, by=request.user, expected_version=version, **fields)
        return _render_work_order(work_order.pk, self.get_serializer_context(), status_code)

    @_action_schema(_("Accept the work order"), WorkOrderVersionSerializer, WorkOrderDetailSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        return self._act(request, WorkOrderVersionSerializer, services.work_order_accept)

    @_action_schema(
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

    @_action_schema(
        _("Complete the work order with a note (and an optional photo)"),
        WorkOrderReportSerializer,
        WorkOrderDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        return self._act(request, WorkOrderReportSerializer, services.work_order_complete)


# --- Reference data: categories and SLA policies ------------------------------------------


class CategoryViewSet(viewsets.ReadOnlyModelViewSet):
    """投诉分类: the category tree (`parent` null at the top). Small, so not paged."""

    queryset = Category.objects.all()
    serializer_class = CategorySerializer
    pagination_class = None
    filterset_fields = ["parent", "is_active"]
    lookup_value_regex = r"\d+"


@extend_schema_view(
    create=extend_schema(
        responses={201: SlaPolicySerializer, **{k: VERSIONED_RESPONSES[k] for k in (400, 403)}}
    ),
    update=extend_schema(
        responses={200: SlaPolicySerializer, **{k: VERSIONED_RESPONSES[k] for k in (400, 403, 404)}}
    ),
    partial_update=extend_schema(
        responses={200: SlaPolicySerializer, **{k: VERSIONED_RESPONSES[k] for k in (400, 403, 404)}}
    ),
)
class SlaPolicyViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """SLA policies: every staff member reads them; group administrators create and edit.

    An edit applies to complaints received afterwards; running clocks keep their due times.
    """

    queryset = SlaPolicy.objects.select_related("category")
    serializer_class = SlaPolicySerializer
    permission_classes = [GroupAdminWritesPermission]
    pagination_class = None
    lookup_value_regex = r"\d+"

    def perform_create(self, serializer) -> None:
        serializer.instance = services.sla_policy_save(by=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer) -> None:
        serializer.instance = services.sla_policy_save(
            by=self.request.user, policy=serializer.instance, **serializer.validated_data
        )


# --- Notifications ------------------------------------------------------------------------


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "link", "created_at", "read_at"]
        read_only_fields = fields


class MarkedSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text=_("How many notifications were marked read."))


@extend_schema_view(list=extend_schema(summary=_("My notifications, newest first")))
class NotificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The bell: the signed-in user's own notifications, nobody else's."""

    queryset = Notification.objects.none()  # for schema introspection; get_queryset() scopes
    serializer_class = NotificationSerializer
    filterset_class = NotificationFilter
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return Notification.objects.filter(recipient=self.request.user)

    # Marking read touches only the user's own rows and no business rule: a conditional UPDATE here.
    @extend_schema(
        summary=_("Mark one notification read"), request=None, responses={200: NotificationSerializer}
    )
    @action(detail=True, methods=["post"], url_path="mark-read")
    def mark_read(self, request, pk=None):
        notification = self.get_object()
        if notification.read_at is None:
            notification.read_at = timezone.now()
            Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
                read_at=notification.read_at
            )
        return Response(NotificationSerializer(notification).data)

    @extend_schema(
        summary=_("Mark all my notifications read"), request=None, responses={200: MarkedSerializer}
    )
    @action(detail=False, methods=["post"], url_path="mark-all-read")
    def mark_all_read(self, request):
        marked = self.get_queryset().unread().update(read_at=timezone.now())
        return Response(MarkedSerializer({"marked": marked}).data)


# --- Improvement items and group cases ------------------------------------------------------

NOT_CONTRACTORS = {role for role in Role if role != Role.CONTRACTOR}


class ImprovementItemSerializer(serializers.ModelSerializer):
    complaints = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = ImprovementItem
        fields = [
            "id",
            "title",
            "description",
            "department",
            "root_cause",
            "project",
            "complaints",
            "status",
            "owner",
            "due_on",
            "done_at",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ImprovementItemCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, max_length=10000, default="")
    department = serializers.ChoiceField(choices=Department.choices)
    root_cause = serializers.ChoiceField(
        choices=RootCause.choices, required=False, allow_blank=True, default=""
    )
    complaints = ScopedPrimaryKeyRelatedField(
        queryset=Complaint.objects.all(), many=True, required=False, default=list
    )
    owner = BoundedPrimaryKeyRelatedField(queryset=_active_staff(), required=False, allow_null=True)
    due_on = serializers.DateField(required=False, allow_null=True)


class ImprovementStatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=ImprovementItem.Status.choices)


@extend_schema_view(
    create=extend_schema(
        request=ImprovementItemCreateSerializer,
        responses={201: ImprovementItemSerializer, **{k: VERSIONED_RESPONSES[k] for k in (400, 403)}},
    )
)
class ImprovementItemViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """缺陷反馈: improvements drawn from complaints, tracked to done by the responsible department."""

    queryset = ImprovementItem.objects.none()  # for schema introspection; get_queryset() scopes
    serializer_class = ImprovementItemSerializer
    permission_classes = [ComplaintActionPermission]
    filterset_class = ImprovementItemFilter
    lookup_value_regex = r"\d+"
    readers = NOT_CONTRACTORS
    action_roles = {"create": "improvement", "set_status": "improvement"}

    def get_queryset(self):
        return ImprovementItem.objects.visible_to(self.request.user).prefetch_related(
            Prefetch("complaints", queryset=Complaint.objects.only("id"))
        )

    def create(self, request, *args, **kwargs):
        serializer = ImprovementItemCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        item = services.improvement_item_create(by=request.user, **serializer.validated_data)
        return Response(
            ImprovementItemSerializer(self.get_queryset().get(pk=item.pk)).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        summary=_("Set the status (open, in progress, done)"),
        request=ImprovementStatusSerializer,
        responses={200: ImprovementItemSerializer, **{k: VERSIONED_RESPONSES[k] for k in (400, 403, 404)}},
    )
    @action(detail=True, methods=["post"], url_path="set-status")
    def set_status(self, request, pk=None):
        item = self.get_object()
        serializer = ImprovementStatusSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        item = services.improvement_item_set_status(item=item, by=request.user, **serializer.validated_data)
        return Response(ImprovementItemSerializer(item).data)


class GroupCaseSerializer(serializers.ModelSerializer):
    complaints = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = GroupCase
        fields = [
            "id",
            "number",
            "title",
            "project",
            "building",
            "category",
            "status",
            "handler",
            "notes",
            "complaints",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class GroupCaseCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    complaints = ScopedPrimaryKeyRelatedField(
        queryset=Complaint.objects.all(), many=True, help_text=_("At least two complaints of one project.")
    )
    category = BoundedPrimaryKeyRelatedField(queryset=Category.objects.all(), required=False, allow_null=True)


@extend_schema_view(
    create=extend_schema(
        request=GroupCaseCreateSerializer,
        responses={201: GroupCaseSerializer, **{k: VERSIONED_RESPONSES[k] for k in (400, 403)}},
    )
)
class GroupCaseViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """群诉: complaints of many owners with one cause, handled together."""

    queryset = GroupCase.objects.none()  # for schema introspection; get_queryset() scopes
    serializer_class = GroupCaseSerializer
    permission_classes = [ComplaintActionPermission]
    lookup_value_regex = r"\d+"
    readers = NOT_CONTRACTORS
    action_roles = {"create": "group"}

    def get_queryset(self):
        user = self.request.user
        return GroupCase.objects.visible_to(user).prefetch_related(
            Prefetch("complaints", queryset=Complaint.objects.only("id", "group_case_id"))
        )

    def create(self, request, *args, **kwargs):
        serializer = GroupCaseCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        case = services.group_case_create(by=request.user, **serializer.validated_data)
        return Response(
            GroupCaseSerializer(self.get_queryset().get(pk=case.pk)).data, status=status.HTTP_201_CREATED
        )


def register(router) -> None:
    router.register("complaint-categories", CategoryViewSet, basename="complaint-category")
    router.register("sla-policies", SlaPolicyViewSet, basename="sla-policy")
    router.register("complaints", ComplaintViewSet, basename="complaint")
    router.register("work-orders", WorkOrderViewSet, basename="work-order")
    router.register("notifications", NotificationViewSet, basename="notification")
    router.register("improvement-items", ImprovementItemViewSet, basename="improvement-item")
    router.register("group-cases", GroupCaseViewSet, basename="group-case")
