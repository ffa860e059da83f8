"""Risk pre-control checkpoints in the API: read, plan, edit (version), add follow-up actions."""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.models import User
from core.api import ScopedPrimaryKeyRelatedField, VersionedUpdateMixin
from properties.models import Project

from ..models import RiskAction, RiskCheckpoint
from ..services import risk as services
from ._common import MayViewRegisters, created, write_schema


class RiskActionSerializer(serializers.ModelSerializer):
    class Meta:
        model = RiskAction
        fields = ["id", "text", "owner", "due_on", "status", "note", "version"]
        read_only_fields = fields


class RiskCheckpointSerializer(serializers.ModelSerializer):
    actions = RiskActionSerializer(many=True, read_only=True)

    class Meta:
        model = RiskCheckpoint
        fields = ["id", "project", "kind", "owner", "planned_on", "done_on", "findings", "actions", "version"]
        read_only_fields = fields


class RiskCheckpointWriteSerializer(serializers.Serializer):
    project = ScopedPrimaryKeyRelatedField(queryset=Project.objects.all())
    kind = serializers.ChoiceField(choices=RiskCheckpoint.Kind.choices)
    owner = serializers.PrimaryKeyRelatedField(queryset=User.objects.all(), required=False, allow_null=True)
    planned_on = serializers.DateField(required=False, allow_null=True)
    done_on = serializers.DateField(required=False, allow_null=True)
    findings = serializers.CharField(required=False, allow_blank=True, max_length=8000)
    version = serializers.IntegerField(required=False, min_value=1)


class RiskActionWriteSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=300)
    owner = serializers.PrimaryKeyRelatedField(queryset=User.objects.all(), required=False, allow_null=True)
    due_on = serializers.DateField(required=False, allow_null=True)


@extend_schema_view(
    list=extend_schema(summary=_("Risk pre-control checkpoints in scope, with their follow-up actions")),
    retrieve=extend_schema(summary=_("One checkpoint; ETag carries the version")),
    create=write_schema(
        _("Plan a checkpoint for a project"),
        RiskCheckpointWriteSerializer,
        RiskCheckpointSerializer,
        versioned=False,
        code=201,
    ),
    partial_update=write_schema(
        _("Edit a checkpoint: owner, dates, findings (send its version)"),
        RiskCheckpointWriteSerializer,
        RiskCheckpointSerializer,
    ),
)
class RiskCheckpointViewSet(
    VersionedUpdateMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = RiskCheckpointSerializer
    permission_classes = [MayViewRegisters]
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "patch", "head", "options"]
    filterset_fields = ["project", "kind"]

    def get_queryset(self):
        return RiskCheckpoint.objects.visible_to(self.request.user).prefetch_related(
            Prefetch("actions", queryset=RiskAction.objects.order_by("id"))
        )

    def _fresh(self, checkpoint):
        return self.get_queryset().get(pk=checkpoint.pk)

    def retrieve(self, request, *args, **kwargs):
        checkpoint = self.get_object()
        return self.with_etag(Response(RiskCheckpointSerializer(checkpoint).data), checkpoint)

    def create(self, request, *args, **kwargs):
        serializer = RiskCheckpointWriteSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        fields.pop("version", None)
        checkpoint = services.risk_checkpoint_create(by=request.user, **fields)
        return created(RiskCheckpointSerializer, self._fresh(checkpoint), self)

    def partial_update(self, request, *args, **kwargs):
        checkpoint = self.get_object()
        serializer = RiskCheckpointWriteSerializer(
            data=request.data, partial=True, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        version = self.expected_version(fields)
        fields.pop("project", None)
        fields.pop("kind", None)
        checkpoint = services.risk_checkpoint_update(
            by=request.user, checkpoint=checkpoint, version=version, **fields
        )
        checkpoint = self._fresh(checkpoint)
        return self.with_etag(Response(RiskCheckpointSerializer(checkpoint).data), checkpoint)

    @write_schema(
        _("Add a follow-up action to the checkpoint's findings"),
        RiskActionWriteSerializer,
        RiskCheckpointSerializer,
        versioned=False,
        code=201,
    )
    @action(detail=True, methods=["post"], url_path="actions")
    def add_action(self, request, pk=None):
        checkpoint = self.get_object()
        serializer = RiskActionWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.risk_action_create(by=request.user, checkpoint=checkpoint, **serializer.validated_data)
        return created(RiskCheckpointSerializer, self._fresh(checkpoint), self)
