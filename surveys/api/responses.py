"""Survey responses in the API: the answers of completed surveys in scope (no phone or ID number)."""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, viewsets

from ..models import Answer, Invitation
from ._common import MayViewSurveys


class AnswerSerializer(serializers.ModelSerializer):
    question = serializers.CharField(source="question.code", read_only=True)
    dimension = serializers.CharField(read_only=True)
    role = serializers.CharField(read_only=True)

    class Meta:
        model = Answer
        fields = ["question", "dimension", "role", "score", "choices", "text"]
        read_only_fields = fields


class ResponseSerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    answers = AnswerSerializer(many=True, read_only=True)

    class Meta:
        model = Invitation
        fields = [
            "id",
            "campaign",
            "customer",
            "customer_name",
            "city_company",
            "project",
            "unit",
            "segment",
            "mode",
            "interviewer",
            "completed_at",
            "answers",
        ]
        read_only_fields = fields


@extend_schema_view(
    list=extend_schema(summary=_("Completed survey responses in scope, with their answers (no phone or ID)")),
    retrieve=extend_schema(summary=_("One completed response with its answers")),
)
class ResponseViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = ResponseSerializer
    permission_classes = [MayViewSurveys]
    lookup_value_regex = r"\d+"
    filterset_fields = ["campaign", "project", "segment", "customer"]

    def get_queryset(self):
        answers = (
            Answer.objects.filter(is_final=True).select_related("question").order_by("question__position")
        )
        return (
            Invitation.objects.visible_to(self.request.user)
            .completed()
            .select_related("customer")
            .prefetch_related(Prefetch("answers", queryset=answers))
        )
