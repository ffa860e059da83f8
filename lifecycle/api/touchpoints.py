"""Touchpoint plans (read) and touchpoints (scoped list, one, `complete` with the version) in the API."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import permissions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api import IF_MATCH, VersionedUpdateMixin

from ..models import Touchpoint, TouchpointPlan
from ..permissions import may_read_rates, may_work_touchpoints
from ..services.touchpoints import OUTCOMES, touchpoint_record


class MaySeeTouchpoints(permissions.BasePermission):
    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and (may_work_touchpoints(user) or may_read_rates(user)))


class TouchpointPlanSerializer(serializers.ModelSerializer):
    class Meta:
        model = TouchpointPlan
        fields = [
            "id",
            "code",
            "step",
            "name_zh",
            "name_en",
            "trigger",
            "offset",
            "working_days",
            "role",
            "channel",
            "script_zh",
            "script_en",
            "active",
        ]
        read_only_fields = fields


class TouchpointSerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)

    class Meta:
        model = Touchpoint
        fields = [
            "id",
            "plan",
            "customer",
            "customer_name",
            "unit",
            "project",
            "occurrence",
            "role",
            "due_on",
            "assignee",
            "status",
            "attempts",
            "outcome_note",
            "done_at",
            "escalation_level",
            "version",
        ]
        read_only_fields = fields


class CompleteSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=[c for c in Touchpoint.Status.choices if c[0] in OUTCOMES])
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    version = serializers.IntegerField(required=False, min_value=1)


@extend_schema_view(
    list=extend_schema(summary=_("The 6+2 touchpoint plans")),
    retrieve=extend_schema(summary=_("One touchpoint plan")),
)
class TouchpointPlanViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = TouchpointPlanSerializer
    permission_classes = [MaySeeTouchpoints]
    lookup_value_regex = r"\d+"
    queryset = TouchpointPlan.objects.order_by("order", "id")


@extend_schema_view(
    list=extend_schema(summary=_("Touchpoints in scope, by due date")),
    retrieve=extend_schema(summary=_("One touchpoint; ETag carries the version")),
)
class TouchpointViewSet(VersionedUpdateMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = TouchpointSerializer
    permission_classes = [MaySeeTouchpoints]
    lookup_value_regex = r"\d+"
    filterset_fields = ["status", "project", "assignee", "plan", "due_on"]

    def get_queryset(self):
        return (
            Touchpoint.objects.visible_to(self.request.user)
            .select_related("customer")
            .order_by("due_on", "id")
        )

    def retrieve(self, request, *args, **kwargs):
        touchpoint = self.get_object()
        return self.with_etag(Response(TouchpointSerializer(touchpoint).data), touchpoint)

    @extend_schema(
        summary=_(
            "Record an outcome: reached, done, declined close it; no answer retries the next working day"
        ),
        request=CompleteSerializer,
        parameters=[IF_MATCH],
        responses={200: TouchpointSerializer},
    )
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        touchpoint = self.get_object()
        serializer = CompleteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        version = self.expected_version(fields)
        touchpoint_record(
            touchpoint_id=touchpoint.pk,
            by=request.user,
            outcome=fields["outcome"],
            note=fields["note"],
            version=version,
        )
        touchpoint = self.get_queryset().get(pk=touchpoint.pk)
        return self.with_etag(Response(TouchpointSerializer(touchpoint).data), touchpoint)
