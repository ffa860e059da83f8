"""Group cases (群诉) and improvement items (缺陷反馈) in the API: /api/v1/group-cases/ (the case, its
actions and its messages to the owners) and /api/v1/improvement-items/."""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.models import Department, Role
from core.api import (
    VERSIONED_RESPONSES,
    BoundedPrimaryKeyRelatedField,
    ScopedPrimaryKeyRelatedField,
    VersionedUpdateMixin,
)

from .. import services
from ..filters import GroupCaseFilter, ImprovementItemFilter
from ..models import (
    Category,
    Complaint,
    GroupCase,
    GroupCaseEvent,
    GroupCaseMessage,
    GroupCaseReport,
    ImprovementItem,
    RootCause,
)
from ._common import (
    ComplaintActionPermission,
    VersionedActionSerializer,
    _active_staff,
    action_schema,
)

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


CASE_FIELDS = [
    "id",
    "number",
    "title",
    "project",
    "building",
    "category",
    "status",
    "owner",
    "is_crisis",
    "crisis_reason",
    "crisis_flagged_at",
    "plan",
    "plan_agreed_by",
    "plan_agreed_at",
    "resolution",
    "resolved_at",
    "closed_at",
    "notes",
    "complaints",
    "version",
    "created_at",
    "updated_at",
]


class GroupCaseSerializer(serializers.ModelSerializer):
    complaints = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = GroupCase
        fields = CASE_FIELDS
        read_only_fields = fields


class GroupCaseEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = GroupCaseEvent
        fields = ["id", "kind", "note", "data", "actor", "created_at"]
        read_only_fields = fields


class GroupCaseMessageSerializer(serializers.ModelSerializer):
    class Meta:
        model = GroupCaseMessage
        fields = ["id", "key", "subject", "text", "sent_by", "created_at", "queued", "unreachable"]
        read_only_fields = fields


class GroupCaseReportSerializer(serializers.ModelSerializer):
    class Meta:
        model = GroupCaseReport
        fields = ["cause", "handling", "lessons", "author", "created_at", "updated_at"]
        read_only_fields = fields


class GroupCaseDetailSerializer(GroupCaseSerializer):
    """The case page: its timeline, its messages to the owners, its report and the actions allowed."""

    events = GroupCaseEventSerializer(many=True, read_only=True)
    messages = GroupCaseMessageSerializer(many=True, read_only=True)
    report = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField()

    class Meta(GroupCaseSerializer.Meta):
        fields = [*CASE_FIELDS, "events", "messages", "report", "allowed_actions"]
        read_only_fields = fields

    @extend_schema_field(GroupCaseReportSerializer(allow_null=True))
    def get_report(self, case) -> dict | None:
        return GroupCaseReportSerializer(case.report).data if case.has_report else None

    def get_allowed_actions(self, case) -> list[str]:
        return sorted(services.case_allowed_actions(case, self.context["request"].user))


class GroupCaseCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    complaints = ScopedPrimaryKeyRelatedField(
        queryset=Complaint.objects.all(), many=True, help_text=_("At least two complaints of one project.")
    )
    category = BoundedPrimaryKeyRelatedField(queryset=Category.objects.all(), required=False, allow_null=True)
    owner = BoundedPrimaryKeyRelatedField(
        queryset=_active_staff(),
        required=False,
        allow_null=True,
        help_text=_("A customer-service supervisor or city company head working on the project."),
    )


class CaseOwnerSerializer(VersionedActionSerializer):
    owner = BoundedPrimaryKeyRelatedField(
        queryset=_active_staff(),
        help_text=_("A customer-service supervisor or city company head working on the project."),
    )


class CasePlanSerializer(VersionedActionSerializer):
    plan = serializers.CharField(max_length=10000)


class CaseCrisisSerializer(VersionedActionSerializer):
    reason = serializers.CharField(max_length=300)


class CaseNoteSerializer(VersionedActionSerializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class CaseResolveSerializer(VersionedActionSerializer):
    resolution = serializers.CharField(max_length=10000)


class CaseReportSerializer(VersionedActionSerializer):
    cause = serializers.CharField(max_length=10000)
    handling = serializers.CharField(max_length=10000)
    lessons = serializers.CharField(max_length=10000)


class CaseReasonSerializer(VersionedActionSerializer):
    reason = serializers.CharField(max_length=200)


class CaseMessageInputSerializer(serializers.Serializer):
    key = serializers.UUIDField(
        help_text=_(
            "Names this message: sent again with the same key (a retry), it is the same message and "
            "nothing is sent twice. A new UUID for each new message."
        )
    )
    subject = serializers.CharField(max_length=200)
    text = serializers.CharField(max_length=1000)


def _case_action_schema(summary, request):
    """An action on a case answers with the fresh case unless it says otherwise."""
    return action_schema(summary, request, GroupCaseDetailSerializer)


@extend_schema_view(
    list=extend_schema(summary=_("Group cases in scope, newest first (filter by status, crisis, project)")),
    retrieve=extend_schema(
        summary=_("One group case with its timeline, messages and report; ETag carries the version"),
        responses={200: GroupCaseDetailSerializer},
    ),
    create=extend_schema(
        request=GroupCaseCreateSerializer,
        responses={201: GroupCaseDetailSerializer, **{k: VERSIONED_RESPONSES[k] for k in (400, 403)}},
    ),
)
class GroupCaseViewSet(
    VersionedUpdateMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """群诉: complaints of many owners with one cause, handled together as a case. Every action but
    writing to the owners needs the version (body `version` or If-Match): 428 without, 409 when stale."""

    queryset = GroupCase.objects.none()  # for schema introspection; get_queryset() scopes
    serializer_class = GroupCaseSerializer
    permission_classes = [ComplaintActionPermission]
    filterset_class = GroupCaseFilter
    lookup_value_regex = r"\d+"
    readers = NOT_CONTRACTORS
    action_roles = {
        "create": "group",
        "assign_owner": "case_owner",
        "agree_plan": "case_plan",
        "write_to_owners": "case_message",
        "flag_crisis": "case_crisis",
        "clear_crisis": "case_crisis_clear",
        "resolve": "case_resolve",
        "report": "case_report",
        "close": "case_close",
        "reopen": "case_reopen",
    }

    def get_queryset(self):
        user = self.request.user
        return GroupCase.objects.visible_to(user).prefetch_related(
            Prefetch("complaints", queryset=Complaint.objects.only("id", "group_case_id"))
        )

    def _render(self, pk: int, status_code: int = status.HTTP_200_OK) -> Response:
        case = self.get_queryset().select_related("report").prefetch_related("events", "messages").get(pk=pk)
        data = GroupCaseDetailSerializer(case, context=self.get_serializer_context()).data
        return self.with_etag(Response(data, status=status_code), case)

    def retrieve(self, request, *args, **kwargs):
        return self._render(self.get_object().pk)

    def create(self, request, *args, **kwargs):
        serializer = GroupCaseCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        case = services.group_case_create(by=request.user, **serializer.validated_data)
        return self._render(case.pk, status.HTTP_201_CREATED)

    def _act(self, request, input_serializer, service) -> Response:
        """Validate the payload, take the version, call the service, answer with the fresh case."""
        case = self.get_object()
        serializer = input_serializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        version = self.expected_version(fields)
        service(case=case, by=request.user, expected_version=version, **fields)
        return self._render(case.pk)

    @_case_action_schema(_("Assign the case owner (a supervisor or city company head)"), CaseOwnerSerializer)
    @action(detail=True, methods=["post"], url_path="assign-owner")
    def assign_owner(self, request, pk=None):
        return self._act(request, CaseOwnerSerializer, services.group_case_assign_owner)

    @_case_action_schema(_("Agree the handling plan; the case is being handled"), CasePlanSerializer)
    @action(detail=True, methods=["post"], url_path="agree-plan")
    def agree_plan(self, request, pk=None):
        return self._act(request, CasePlanSerializer, services.group_case_agree_plan)

    @_case_action_schema(
        _("Flag as a crisis: the city company's heads and the group administrators are told at once"),
        CaseCrisisSerializer,
    )
    @action(detail=True, methods=["post"], url_path="flag-crisis")
    def flag_crisis(self, request, pk=None):
        return self._act(request, CaseCrisisSerializer, services.group_case_flag_crisis)

    @_case_action_schema(
        _("Declare the crisis over (city company head, group administrator)"), CaseNoteSerializer
    )
    @action(detail=True, methods=["post"], url_path="clear-crisis")
    def clear_crisis(self, request, pk=None):
        return self._act(request, CaseNoteSerializer, services.group_case_clear_crisis)

    @_case_action_schema(_("Mark the case resolved"), CaseResolveSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        return self._act(request, CaseResolveSerializer, services.group_case_resolve)

    @_case_action_schema(_("Write the case's report (cause, handling, lessons)"), CaseReportSerializer)
    @action(detail=True, methods=["post"])
    def report(self, request, pk=None):
        return self._act(request, CaseReportSerializer, services.group_case_report_save)

    @_case_action_schema(
        _("Close a resolved case: its report written, every complaint in it resolved or closed"),
        CaseNoteSerializer,
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        return self._act(request, CaseNoteSerializer, services.group_case_close)

    @_case_action_schema(_("Reopen a resolved or closed case"), CaseReasonSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        return self._act(request, CaseReasonSerializer, services.group_case_reopen)

    @extend_schema(
        summary=_(
            "Write to the owner of every complaint in the case, on each one's preferred channel; "
            "201 when sent, 200 when this key was sent before (nothing sent again)"
        ),
        request=CaseMessageInputSerializer,
        responses={
            201: GroupCaseMessageSerializer,
            200: GroupCaseMessageSerializer,
            **{k: VERSIONED_RESPONSES[k] for k in (400, 403, 404)},
        },
    )
    @action(detail=True, methods=["post"], url_path="write-to-owners")
    def write_to_owners(self, request, pk=None):
        case = self.get_object()
        serializer = CaseMessageInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        message, created = services.group_case_message_owners(
            case=case, by=request.user, **serializer.validated_data
        )
        return Response(
            GroupCaseMessageSerializer(message).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )
