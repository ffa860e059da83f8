"""What every survey endpoint shares: who may read, and the question shapes."""

from __future__ import annotations

from rest_framework import permissions, serializers

from ..models import Question
from ..permissions import may_view_surveys


class MayViewSurveys(permissions.BasePermission):
    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and may_view_surveys(request.user))


class QuestionSerializer(serializers.ModelSerializer):
    text = serializers.CharField(source="display_text", read_only=True)

    class Meta:
        model = Question
        fields = [
            "code",
            "position",
            "kind",
            "text",
            "dimension",
            "role",
            "required",
            "options",
            "show_if_question",
            "show_if_values",
        ]
        read_only_fields = fields
