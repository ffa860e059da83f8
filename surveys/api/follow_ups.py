"""Follow-ups of unhappy answers in the API: read them, record the outcome, raise a complaint."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from complaints.models import Category
from core.api import IF_MATCH, VersionedUpdateMixin

from ..models import FollowUp
from ..permissions import may_handle_follow_ups
from ..services import follow_ups as services
from ._common import MayViewSurveys


class FollowUpSerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    complaint_number = serializers.CharField(source="complaint.number", read_only=True, default=None)

    class Meta:
        model = FollowUp
        fields = [
            "id",
            "invitation",
            "customer",
            "customer_name",
            "city_company",
            "project",
            "reason",
            "status",
            "assignee",
            "due_at",
            "warned",
            "escalation_level",
            "outcome_note",
            "closed_at",
            "complaint",
            "complaint_number",
            "version",
            "created_at",
        ]
        read_only_fields = fields


class OutcomeSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(
        choices=[c for c in FollowUp.Status.choices if c[0] != FollowUp.Status.OPEN]
    )
    note = serializers.CharField(max_length=2000)
    version = serializers.IntegerField(required=False, min_value=1)


class RaiseComplaintSerializer(serializers.Serializer):
    category = serializers.PrimaryKeyRelatedField(
        queryset=Category.objects.filter(is_active=True),
        required=False,
        allow_null=True,
        help_text=_("Optional: by default, the category of the lowest answer's dimension."),
    )


@extend_schema_view(
    list=extend_schema(summary=_("Follow-ups of unhappy survey answers in scope, nearest due first")),
    retrieve=extend_schema(summary=_("One follow-up; ETag carries the version")),
)
class FollowUpViewSet(VersionedUpdateMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = FollowUpSerializer
    permission_classes = [MayViewSurveys]
    lookup_value_regex = r"\d+"
    filterset_fields = ["status", "project", "assignee"]

    def get_queryset(self):
        return FollowUp.objects.visible_to(self.request.user).select_related("customer", "complaint")

    def retrieve(self, request, *args, **kwargs):
        follow_up = self.get_object()
        return self.with_etag(Response(FollowUpSerializer(follow_up).data), follow_up)

    def _require_handler(self) -> None:
        if not may_handle_follow_ups(self.request.user):
            raise PermissionDenied(_("Your role may not work follow-ups."))

    @extend_schema(
        summary=_("Record the outcome (contacted, resolved, could not reach): closes it"),
        request=OutcomeSerializer,
        parameters=[IF_MATCH],
        responses={200: FollowUpSerializer},
    )
    @action(detail=True, methods=["post"])
    def record(self, request, pk=None):
        self._require_handler()
        follow_up = self.get_object()
        serializer = OutcomeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        version = self.expected_version(fields)
        follow_up = services.follow_up_record(
            follow_up=follow_up,
            by=request.user,
            outcome=fields["outcome"],
            note=fields["note"],
            version=version,
        )
        follow_up = self.get_queryset().get(pk=follow_up.pk)
        return self.with_etag(Response(FollowUpSerializer(follow_up).data), follow_up)

    @extend_schema(
        summary=_("Raise a complaint for the customer with the survey's answers attached (once)"),
        request=RaiseComplaintSerializer,
        responses={201: FollowUpSerializer},
    )
    @action(detail=True, methods=["post"], url_path="raise-complaint")
    def raise_complaint(self, request, pk=None):
        self._require_handler()
        follow_up = self.get_object()
        serializer = RaiseComplaintSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.follow_up_raise_complaint(
            follow_up=follow_up, by=request.user, category=serializer.validated_data.get("category")
        )
        follow_up = self.get_queryset().get(pk=follow_up.pk)
        return self.with_etag(
            Response(FollowUpSerializer(follow_up).data, status=status.HTTP_201_CREATED), follow_up
        )
