"""Reference data of the complaint desk: the category tree and the SLA policies (administrators edit)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, permissions, serializers, viewsets

from accounts.models import Role
from core.api import VERSIONED_RESPONSES, BoundedPrimaryKeyRelatedField

from .. import services
from ..models import Category, SlaPolicy


class GroupAdminWritesPermission(permissions.BasePermission):
    """Every staff member reads; only group administrators write (SLA policies)."""

    message = _("Only group administrators edit SLA policies.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        return request.method in permissions.SAFE_METHODS or user.role == Role.GROUP_ADMIN


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
