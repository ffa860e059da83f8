"""Group cases (群诉) and improvement items (缺陷反馈) in the API."""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.models import Department, Role
from core.api import VERSIONED_RESPONSES, ScopedPrimaryKeyRelatedField

from .. import services
from ..filters import ImprovementItemFilter
from ..models import Category, Complaint, GroupCase, ImprovementItem, RootCause
from ._common import BoundedPrimaryKeyRelatedField, ComplaintActionPermission, _active_staff

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
