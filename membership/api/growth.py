"""Referrals and purchase intentions in the API: list and record them (phones masked); the counts of
intentions per project and unit type."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api import ScopedPrimaryKeyRelatedField
from core.api_input import QuerySerializer
from properties.models import Project

from ..models import Member, PurchaseIntention, Referral
from ..selectors.growth import intention_counts, intention_list, referral_list
from ..services.intentions import intention_register
from ..services.referrals import referral_create
from ._common import ClubPermission, MaskedPhoneField, MemberRefSerializer


class ReferralSerializer(serializers.ModelSerializer):
    referrer = MemberRefSerializer(read_only=True)
    friend_phone_masked = MaskedPhoneField(source="friend_phone")
    contract_number = serializers.CharField(source="contract.number", read_only=True, default=None)

    class Meta:
        model = Referral
        fields = [
            "id",
            "referrer",
            "friend_name",
            "friend_phone_masked",
            "project",
            "status",
            "contract",
            "contract_number",
            "attributed_at",
            "created_at",
        ]
        read_only_fields = fields


class ReferralCreateSerializer(serializers.Serializer):
    referrer = ScopedPrimaryKeyRelatedField(queryset=Member.objects.all())
    friend_name = serializers.CharField(max_length=50)
    friend_phone = serializers.CharField(
        max_length=20, help_text=_("Clear mobile number; never echoed back.")
    )
    friend_id_number = serializers.CharField(
        max_length=40, required=False, allow_blank=True, default="", help_text=_("Optional, clear.")
    )
    project = ScopedPrimaryKeyRelatedField(queryset=Project.objects.all())


class ReferralQuerySerializer(QuerySerializer):
    status = serializers.ChoiceField(choices=Referral.Status.choices, required=False)
    project = serializers.IntegerField(required=False, min_value=1)


@extend_schema_view(
    list=extend_schema(
        summary=_("Referrals (老带新) in scope, newest first (the friend's phone masked)"),
        parameters=[ReferralQuerySerializer],
    ),
    create=extend_schema(
        summary=_("Record that a member referred a friend to a project"),
        request=ReferralCreateSerializer,
        responses={201: ReferralSerializer},
    ),
)
class ReferralViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    queryset = Referral.objects.none()
    serializer_class = ReferralSerializer
    permission_classes = [ClubPermission]

    def get_queryset(self):
        query = ReferralQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return referral_list(
            user=self.request.user,
            status=query.validated_data.get("status", ""),
            project_id=query.validated_data.get("project"),
        )

    def create(self, request, *args, **kwargs):
        serializer = ReferralCreateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        referral = referral_create(by=request.user, **serializer.validated_data)
        referral = referral_list(user=request.user).get(pk=referral.pk)
        return Response(ReferralSerializer(referral).data, status=status.HTTP_201_CREATED)


class PurchaseIntentionSerializer(serializers.ModelSerializer):
    phone_masked = MaskedPhoneField(source="phone")

    class Meta:
        model = PurchaseIntention
        fields = [
            "id",
            "project",
            "member",
            "name",
            "phone_masked",
            "unit_type",
            "budget_10k",
            "notes",
            "channel",
            "created_at",
        ]
        read_only_fields = fields


class PurchaseIntentionCreateSerializer(serializers.Serializer):
    project = ScopedPrimaryKeyRelatedField(queryset=Project.objects.all())
    name = serializers.CharField(max_length=50)
    phone = serializers.CharField(max_length=20, help_text=_("Clear mobile number; never echoed back."))
    unit_type = serializers.ChoiceField(choices=PurchaseIntention.UnitType.choices)
    budget_10k = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=1_000_000)
    notes = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class IntentionQuerySerializer(QuerySerializer):
    project = serializers.IntegerField(required=False, min_value=1)
    unit_type = serializers.ChoiceField(choices=PurchaseIntention.UnitType.choices, required=False)


class IntentionCountsSerializer(serializers.Serializer):
    project = serializers.IntegerField(source="project_id")
    project_name = serializers.CharField()
    by_unit_type = serializers.DictField(
        child=serializers.IntegerField(), help_text=_("Unit type → registrations.")
    )
    total = serializers.IntegerField()


@extend_schema_view(
    list=extend_schema(
        summary=_("Purchase intentions (意向登记) in scope, newest first (phones masked)"),
        parameters=[IntentionQuerySerializer],
    ),
    create=extend_schema(
        summary=_("Register a purchase intention for an upcoming project"),
        request=PurchaseIntentionCreateSerializer,
        responses={201: PurchaseIntentionSerializer},
    ),
)
class PurchaseIntentionViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    queryset = PurchaseIntention.objects.none()
    serializer_class = PurchaseIntentionSerializer
    permission_classes = [ClubPermission]

    def _query(self) -> dict:
        query = IntentionQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return query.validated_data

    def get_queryset(self):
        query = self._query()
        return intention_list(
            user=self.request.user, project_id=query.get("project"), unit_type=query.get("unit_type", "")
        ).select_related(None)

    def create(self, request, *args, **kwargs):
        serializer = PurchaseIntentionCreateSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        intention = intention_register(by=request.user, **serializer.validated_data)
        return Response(PurchaseIntentionSerializer(intention).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary=_("Registrations per project and unit type (one grouped query)"),
        parameters=[IntentionQuerySerializer],
        responses={200: IntentionCountsSerializer(many=True)},
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def counts(self, request):
        counts = intention_counts(user=request.user, project_id=self._query().get("project"))
        return Response(IntentionCountsSerializer(counts, many=True).data)
