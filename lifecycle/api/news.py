"""Construction news in the API: read-only, the news of the user's projects (drafts included), with
their photos and the send job's progress. Writing and sending are the staff pages'."""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets

from ..models import ConstructionNews, NewsPhoto
from ._common import MayViewRegisters


class NewsPhotoSerializer(serializers.ModelSerializer):
    class Meta:
        model = NewsPhoto
        fields = ["id", "image"]
        read_only_fields = fields


class ConstructionNewsSerializer(serializers.ModelSerializer):
    photos = NewsPhotoSerializer(many=True, read_only=True)

    class Meta:
        model = ConstructionNews
        fields = [
            "id",
            "project",
            "phase",
            "title",
            "text",
            "progress_on",
            "status",
            "photos",
            "send_total",
            "send_done",
            "send_finished_at",
            "version",
            "created_at",
        ]
        read_only_fields = fields


@extend_schema_view(
    list=extend_schema(summary=_("Construction news of the projects in scope, newest first")),
    retrieve=extend_schema(summary=_("One construction news item")),
)
class ConstructionNewsViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = ConstructionNewsSerializer
    permission_classes = [MayViewRegisters]
    lookup_value_regex = r"\d+"
    filterset_fields = ["project", "phase", "status"]

    def get_queryset(self):
        return ConstructionNews.objects.visible_to(self.request.user).prefetch_related(
            Prefetch("photos", queryset=NewsPhoto.objects.order_by("id"))
        )
