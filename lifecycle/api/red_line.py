"""The red-line register in the API: items (read, create, edit with version), disclosure versions
(read, publish the project's current items), and a buyer's signed acknowledgement of a version."""

from __future__ import annotations

from django.db.models import Count
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api import ScopedPrimaryKeyRelatedField, VersionedUpdateMixin
from customers.models import Contract
from properties.models import Project

from ..models import Acknowledgement, Disclosure, RedLineItem
from ..services import red_line as services
from ._common import MayViewRegisters, created, write_schema


class RedLineItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = RedLineItem
        fields = [
            "id",
            "project",
            "side",
            "kind",
            "location",
            "distance_m",
            "description",
            "material",
            "version",
            "created_at",
        ]
        read_only_fields = fields


class RedLineItemWriteSerializer(serializers.Serializer):
    project = ScopedPrimaryKeyRelatedField(queryset=Project.objects.all())
    side = serializers.ChoiceField(choices=RedLineItem.Side.choices)
    kind = serializers.ChoiceField(choices=RedLineItem.Kind.choices)
    location = serializers.CharField(max_length=200)
    distance_m = serializers.DecimalField(
        max_digits=8, decimal_places=1, min_value=0, required=False, allow_null=True
    )
    description = serializers.CharField(required=False, allow_blank=True, max_length=4000)
    material = serializers.BooleanField(required=False)
    version = serializers.IntegerField(required=False, min_value=1)


@extend_schema_view(
    list=extend_schema(summary=_("Red-line items in scope")),
    retrieve=extend_schema(summary=_("One red-line item; ETag carries the version")),
    create=write_schema(
        _("Record a red-line item"),
        RedLineItemWriteSerializer,
        RedLineItemSerializer,
        versioned=False,
        code=201,
    ),
    partial_update=write_schema(
        _("Edit a red-line item (send its version)"), RedLineItemWriteSerializer, RedLineItemSerializer
    ),
)
class RedLineItemViewSet(
    VersionedUpdateMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = RedLineItemSerializer
    permission_classes = [MayViewRegisters]
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "patch", "head", "options"]
    filterset_fields = ["project", "side", "kind", "material"]

    def get_queryset(self):
        return RedLineItem.objects.visible_to(self.request.user)

    def retrieve(self, request, *args, **kwargs):
        item = self.get_object()
        return self.with_etag(Response(RedLineItemSerializer(item).data), item)

    def create(self, request, *args, **kwargs):
        serializer = RedLineItemWriteSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        fields.pop("version", None)
        item = services.red_line_item_create(by=request.user, **fields)
        return created(RedLineItemSerializer, item, self)

    def partial_update(self, request, *args, **kwargs):
        item = self.get_object()
        serializer = RedLineItemWriteSerializer(
            data=request.data, partial=True, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        version = self.expected_version(fields)
        fields.pop("project", None)  # an item stays on its project
        item = services.red_line_item_update(by=request.user, item=item, version=version, **fields)
        return self.with_etag(Response(RedLineItemSerializer(item).data), item)


class DisclosureSerializer(serializers.ModelSerializer):
    signed = serializers.IntegerField(
        read_only=True, help_text=_("How many contracts acknowledged this version.")
    )

    class Meta:
        model = Disclosure
        fields = ["id", "project", "number", "items", "snapshot", "published_at", "published_by", "signed"]
        read_only_fields = fields


class PublishSerializer(serializers.Serializer):
    project = ScopedPrimaryKeyRelatedField(queryset=Project.objects.all())


class AcknowledgementSerializer(serializers.ModelSerializer):
    class Meta:
        model = Acknowledgement
        fields = ["id", "contract", "disclosure", "signed_by_name", "signed_on", "recorded_by", "recorded_at"]
        read_only_fields = fields


class AcknowledgeSerializer(serializers.Serializer):
    contract = ScopedPrimaryKeyRelatedField(queryset=Contract.objects.select_related("unit"))
    signed_by_name = serializers.CharField(max_length=50)
    signed_on = serializers.DateField()


@extend_schema_view(
    list=extend_schema(summary=_("Red-line disclosure versions in scope, with their signature counts")),
    retrieve=extend_schema(summary=_("One disclosure version with its frozen items")),
    create=write_schema(
        _("Publish the project's current red-line items as its next version"),
        PublishSerializer,
        DisclosureSerializer,
        versioned=False,
        code=201,
    ),
)
class DisclosureViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    serializer_class = DisclosureSerializer
    permission_classes = [MayViewRegisters]
    lookup_value_regex = r"\d+"
    filterset_fields = ["project"]

    def get_queryset(self):
        return (
            Disclosure.objects.visible_to(self.request.user)
            .annotate(signed=Count("acknowledgements", distinct=True))
            .prefetch_related("items")
        )

    def create(self, request, *args, **kwargs):
        serializer = PublishSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        disclosure = services.disclosure_publish(
            by=request.user, project=serializer.validated_data["project"]
        )
        disclosure = self.get_queryset().get(pk=disclosure.pk)
        return Response(DisclosureSerializer(disclosure).data, status=201)

    @write_schema(
        _("Record a buyer's signed acknowledgement of this version"),
        AcknowledgeSerializer,
        AcknowledgementSerializer,
        versioned=False,
        code=201,
    )
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        disclosure = self.get_object()
        serializer = AcknowledgeSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        acknowledgement = services.acknowledgement_record(
            by=request.user, disclosure=disclosure, **serializer.validated_data
        )
        return Response(AcknowledgementSerializer(acknowledgement).data, status=201)
