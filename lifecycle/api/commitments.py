"""Sales commitments in the API: list and read in scope, record, edit (version), settle (version)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.models import Department, User
from core.api import ScopedPrimaryKeyRelatedField, VersionedUpdateMixin
from customers.models import Contract

from ..models import Commitment
from ..services import commitments as services
from ._common import MayViewRegisters, created, write_schema


class CommitmentSerializer(serializers.ModelSerializer):
    contract_number = serializers.CharField(source="contract.number", read_only=True)

    class Meta:
        model = Commitment
        fields = [
            "id",
            "contract",
            "contract_number",
            "project",
            "text",
            "promised_by",
            "promised_by_name",
            "evidence",
            "department",
            "due_on",
            "status",
            "settled_by",
            "settled_at",
            "settled_note",
            "version",
            "created_at",
        ]
        read_only_fields = fields


class CommitmentWriteSerializer(serializers.Serializer):
    contract = ScopedPrimaryKeyRelatedField(queryset=Contract.objects.select_related("unit"))
    text = serializers.CharField(max_length=2000)
    promised_by = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.filter(is_active=True), required=False, allow_null=True
    )
    promised_by_name = serializers.CharField(max_length=50, required=False, allow_blank=True)
    department = serializers.ChoiceField(choices=Department.choices, required=False, allow_blank=True)
    due_on = serializers.DateField(required=False, allow_null=True)
    version = serializers.IntegerField(required=False, min_value=1)


class CommitmentSettleSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=[(Commitment.Status.FULFILLED, _("Fulfilled")), (Commitment.Status.WAIVED, _("Waived"))]
    )
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    version = serializers.IntegerField(required=False, min_value=1)


@extend_schema_view(
    list=extend_schema(summary=_("Sales commitments in scope, newest first")),
    retrieve=extend_schema(summary=_("One sales commitment; ETag carries the version")),
    create=write_schema(
        _("Record a commitment on a contract"),
        CommitmentWriteSerializer,
        CommitmentSerializer,
        versioned=False,
        code=201,
    ),
    partial_update=write_schema(
        _("Edit an open commitment (send its version)"), CommitmentWriteSerializer, CommitmentSerializer
    ),
)
class CommitmentViewSet(
    VersionedUpdateMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = CommitmentSerializer
    permission_classes = [MayViewRegisters]
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "patch", "head", "options"]
    filterset_fields = ["project", "contract", "status", "department"]

    def get_queryset(self):
        return Commitment.objects.visible_to(self.request.user).select_related("contract")

    def retrieve(self, request, *args, **kwargs):
        commitment = self.get_object()
        return self.with_etag(Response(CommitmentSerializer(commitment).data), commitment)

    def create(self, request, *args, **kwargs):
        serializer = CommitmentWriteSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        fields.pop("version", None)
        commitment = services.commitment_create(by=request.user, **fields)
        return created(CommitmentSerializer, self.get_queryset().get(pk=commitment.pk), self)

    def partial_update(self, request, *args, **kwargs):
        commitment = self.get_object()
        serializer = CommitmentWriteSerializer(
            data=request.data, partial=True, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        version = self.expected_version(fields)
        fields.pop("contract", None)  # a promise stays on its contract
        commitment = services.commitment_update(
            by=request.user, commitment=commitment, version=version, **fields
        )
        commitment = self.get_queryset().get(pk=commitment.pk)
        return self.with_etag(Response(CommitmentSerializer(commitment).data), commitment)

    @write_schema(
        _("Settle a commitment: fulfilled, or waived with a note"),
        CommitmentSettleSerializer,
        CommitmentSerializer,
    )
    @action(detail=True, methods=["post"])
    def settle(self, request, pk=None):
        commitment = self.get_object()
        serializer = CommitmentSettleSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        version = self.expected_version(fields)
        commitment = services.commitment_settle(
            by=request.user,
            commitment=commitment,
            status=fields["status"],
            note=fields.get("note", ""),
            version=version,
        )
        commitment = self.get_queryset().get(pk=commitment.pk)
        return self.with_etag(Response(CommitmentSerializer(commitment).data), commitment)
