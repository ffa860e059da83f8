"""/api/v1/rectification-orders (整改单): the list, one order with its defects, issuing orders."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.models import Contractor
from core.api import VERSIONED_RESPONSES, ScopedPrimaryKeyRelatedField
from properties.filters import visible_queryset
from properties.models import Project

from ...models import Defect, RectificationOrder
from ...selectors import rectification as selectors
from ...services import rectification as services
from ._common import ActiveContractorField, DefectSerializer, RectificationPermission


class RectificationOrderFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=RectificationOrder.Status.choices, label=_("status"))
    project = filters.ModelChoiceFilter(queryset=visible_queryset(Project), label=_("project"))
    contractor = filters.ModelChoiceFilter(queryset=Contractor.objects.all(), label=_("contractor"))

    class Meta:
        model = RectificationOrder
        fields = ["status", "project", "contractor"]


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


class RectificationOrderIssueSerializer(serializers.Serializer):
    defects = ScopedPrimaryKeyRelatedField(
        queryset=Defect.objects.all(), many=True, help_text=_("Open defects without an order yet.")
    )
    contractor = ActiveContractorField(
        required=False, allow_null=True, help_text=_("Given to the defects that have no contractor yet.")
    )


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
