"""The points ledger and the benefits catalogue in the API: read members' entries (read-only: points
move through the services only), list and read benefits, redeem one for a member."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api import VERSIONED_RESPONSES, ScopedPrimaryKeyRelatedField
from core.api_input import QuerySerializer

from ..models import Benefit, Member, PointsEntry, Redemption
from ..selectors.benefits import benefit_list
from ..services.benefits import benefit_redeem
from ._common import ClubPermission, MemberRefSerializer


class PointsEntrySerializer(serializers.ModelSerializer):
    class Meta:
        model = PointsEntry
        fields = ["id", "member", "kind", "points", "reason", "source", "actor", "created_at", "expires_on"]
        read_only_fields = fields


class PointsEntryQuerySerializer(QuerySerializer):
    member = serializers.IntegerField(required=False, min_value=1)
    kind = serializers.ChoiceField(choices=PointsEntry.Kind.choices, required=False)


@extend_schema_view(
    list=extend_schema(
        summary=_("Points entries of the members in scope, newest first (filter by member)"),
        parameters=[PointsEntryQuerySerializer],
    ),
    retrieve=extend_schema(summary=_("One points entry")),
)
class PointsEntryViewSet(viewsets.ReadOnlyModelViewSet):
    """The append-only ledger: entries are written by earning, spending, expiring and adjusting."""

    queryset = PointsEntry.objects.none()
    serializer_class = PointsEntrySerializer
    permission_classes = [ClubPermission]
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        entries = PointsEntry.objects.filter(member__in=Member.objects.visible_to(self.request.user))
        if self.action != "list":
            return entries
        query = PointsEntryQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        if "member" in query.validated_data:
            entries = entries.filter(member_id=query.validated_data["member"])
        if "kind" in query.validated_data:
            entries = entries.filter(kind=query.validated_data["kind"])
        return entries


class BenefitSerializer(serializers.ModelSerializer):
    class Meta:
        model = Benefit
        fields = [
            "id",
            "title",
            "kind",
            "partner",
            "description",
            "city_company",
            "points_cost",
            "per_member_limit",
            "total_limit",
            "redeemed_count",
            "valid_from",
            "valid_until",
            "is_active",
            "version",
        ]
        read_only_fields = fields


class RedeemSerializer(serializers.Serializer):
    member = ScopedPrimaryKeyRelatedField(queryset=Member.objects.all())


class RedemptionSerializer(serializers.ModelSerializer):
    member = MemberRefSerializer(read_only=True)
    points = serializers.IntegerField(source="entry.points", read_only=True)
    balance = serializers.IntegerField(
        source="member.points_balance", read_only=True, help_text=_("The member's points after it.")
    )

    class Meta:
        model = Redemption
        fields = ["id", "benefit", "member", "code", "points", "balance", "redeemed_at"]
        read_only_fields = fields


class BenefitQuerySerializer(QuerySerializer):
    active = serializers.BooleanField(required=False, allow_null=True, default=None)
    kind = serializers.ChoiceField(choices=Benefit.Kind.choices, required=False)


@extend_schema_view(
    list=extend_schema(
        summary=_("The benefits catalogue in scope (every city's and the user's cities')"),
        parameters=[BenefitQuerySerializer],
    ),
    retrieve=extend_schema(summary=_("One benefit")),
)
class BenefitViewSet(viewsets.ReadOnlyModelViewSet):
    """Benefits are created and edited on the staff pages; the API reads them and redeems."""

    queryset = Benefit.objects.none()
    serializer_class = BenefitSerializer
    permission_classes = [ClubPermission]
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        if self.action != "list":
            return Benefit.objects.visible_to(self.request.user)
        query = BenefitQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return benefit_list(
            user=self.request.user,
            active=query.validated_data.get("active"),
            kind=query.validated_data.get("kind", ""),
        ).select_related(None)

    @extend_schema(
        summary=_("Redeem the benefit for a member: spends their points, returns the voucher code"),
        request=RedeemSerializer,
        responses={
            201: RedemptionSerializer,
            400: OpenApiResponse(
                description=_("Not enough points, a limit reached, not valid today, or another city's.")
            ),
            403: VERSIONED_RESPONSES[403],
            404: VERSIONED_RESPONSES[404],
        },
    )
    @action(detail=True, methods=["post"])
    def redeem(self, request, pk=None):
        benefit = self.get_object()
        serializer = RedeemSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        member = serializer.validated_data["member"]
        redemption = benefit_redeem(benefit=benefit, member=member, by=request.user)
        redemption = Redemption.objects.select_related("member", "entry").get(pk=redemption.pk)
        return Response(RedemptionSerializer(redemption).data, status=status.HTTP_201_CREATED)
