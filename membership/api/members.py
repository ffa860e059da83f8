"""Members in the API: list and read them (phone and ID number masked), enrol one (the enrolment rules
of membership.services.enrolment, as 400 field messages), correct their details (with the version)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from core.api import IF_MATCH, VERSIONED_RESPONSES, ScopedPrimaryKeyRelatedField, VersionedUpdateMixin
from core.api_input import QuerySerializer
from core.masking import mask_email, mask_id_number
from customers.models import Education, Gender
from customers.models.value import RfmSegment, ValueClass
from properties.models import CityCompany, Project

from ..models import EnrolmentChannel, Interest, Member, Tier
from ..selectors.members import MemberFilters, current_consents, member_detail, member_list
from ..services.enrolment import member_enrol, member_update
from ._common import ClubPermission, MaskedPhoneField

MEMBER_FIELDS = [
    "id",
    "number",
    "name",
    "gender",
    "birth_date",
    "nationality",
    "employer",
    "education",
    "phone_masked",
    "id_number_masked",
    "email_masked",
    "city_company",
    "project",
    "customer",
    "link_status",
    "referred_by",
    "channel",
    "enrolled_at",
    "left_at",
    "tier",
    "tier_reason",
    "points_balance",
    "interests",
    "care_wish",
    "version",
    "created_at",
    "updated_at",
]


class MemberSerializer(serializers.ModelSerializer):
    """A member as staff see them in the API: phone, ID number and email masked, whatever the role."""

    phone_masked = MaskedPhoneField(source="phone")
    id_number_masked = serializers.SerializerMethodField(help_text=_("Masked, e.g. 4403**********1234."))
    email_masked = serializers.SerializerMethodField(help_text=_("Masked, e.g. zh***@example.com."))
    interests = serializers.ListField(child=serializers.ChoiceField(choices=Interest.choices), read_only=True)

    class Meta:
        model = Member
        fields = MEMBER_FIELDS
        read_only_fields = fields

    def get_id_number_masked(self, member: Member) -> str:
        return mask_id_number(member.id_number or "")

    def get_email_masked(self, member: Member) -> str:
        return mask_email(member.email) if member.email else ""


class ConsentStateSerializer(serializers.Serializer):
    club_data = serializers.BooleanField(
        allow_null=True, help_text=_("The latest answer; null: never asked.")
    )
    marketing = serializers.BooleanField(allow_null=True)


class MemberDetailSerializer(MemberSerializer):
    consents = serializers.SerializerMethodField()

    class Meta(MemberSerializer.Meta):
        fields = [*MEMBER_FIELDS, "consents"]
        read_only_fields = fields

    @extend_schema_field(ConsentStateSerializer)
    def get_consents(self, member: Member) -> dict:
        current = current_consents(member)
        return {kind: (c.granted if c else None) for kind, c in current.items()}


class MemberDetailsInputSerializer(serializers.Serializer):
    """The member's own details (enrolment and correction); the service checks the rules."""

    name = serializers.CharField(max_length=50, required=False, allow_blank=True)
    gender = serializers.ChoiceField(choices=Gender.choices, required=False, allow_blank=True)
    birth_date = serializers.DateField(required=False, allow_null=True)
    nationality = serializers.CharField(max_length=50, required=False, allow_blank=True)
    employer = serializers.CharField(max_length=100, required=False, allow_blank=True)
    education = serializers.ChoiceField(choices=Education.choices, required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True)
    id_number = serializers.CharField(
        max_length=40, required=False, allow_blank=True, write_only=True, help_text=_("Clear ID number.")
    )
    interests = serializers.ListField(
        child=serializers.ChoiceField(choices=Interest.choices), required=False, max_length=len(Interest)
    )
    care_wish = serializers.CharField(max_length=200, required=False, allow_blank=True)


class MemberEnrolSerializer(MemberDetailsInputSerializer):
    phone = serializers.CharField(max_length=20, help_text=_("Clear mobile number; never echoed back."))
    club_data_consent = serializers.BooleanField(
        default=False, help_text=_("Required: the consent to the club's use of personal data.")
    )
    marketing_consent = serializers.BooleanField(default=False)
    project = ScopedPrimaryKeyRelatedField(queryset=Project.objects.all(), required=False, allow_null=True)
    city_company = ScopedPrimaryKeyRelatedField(
        queryset=CityCompany.objects.all(),
        required=False,
        allow_null=True,
        help_text=_("Without a project: the city company where the member joins."),
    )


class MemberUpdateSerializer(MemberDetailsInputSerializer):
    version = serializers.IntegerField(
        required=False, min_value=1, write_only=True, help_text=_("The version being edited (or If-Match).")
    )


class MemberQuerySerializer(QuerySerializer):
    """The list's filters, as the member list page has them."""

    q = serializers.CharField(
        required=False,
        max_length=50,
        help_text=_("A full mobile number, its last 4 digits, a member number (WK…) or part of the name."),
    )
    tier = serializers.ChoiceField(choices=Tier.choices, required=False)
    city_company = serializers.IntegerField(required=False, min_value=1)
    project = serializers.IntegerField(required=False, min_value=1)
    link_status = serializers.ChoiceField(choices=Member.LinkStatus.choices, required=False)
    value_class = serializers.ChoiceField(choices=ValueClass.choices, required=False)
    rfm_segment = serializers.ChoiceField(choices=RfmSegment.choices, required=False)
    include_left = serializers.BooleanField(
        required=False, default=False, help_text=_("Also members who left.")
    )


@extend_schema_view(
    list=extend_schema(
        summary=_("Club members in scope (phone and ID number masked), newest first"),
        parameters=[MemberQuerySerializer],
    ),
    retrieve=extend_schema(
        summary=_("One member (masked) with their current consents; ETag carries the version"),
        responses={200: MemberDetailSerializer},
    ),
    create=extend_schema(
        summary=_("Enrol a member (18 or older, one active membership per phone, data consent required)"),
        request=MemberEnrolSerializer,
        responses={
            201: MemberDetailSerializer,
            400: OpenApiResponse(description=_("A rule of enrolment; field messages in the body.")),
            403: VERSIONED_RESPONSES[403],
        },
    ),
    partial_update=extend_schema(
        summary=_("Correct a member's details (send the version)"),
        request=MemberUpdateSerializer,
        parameters=[IF_MATCH],
        responses={200: MemberDetailSerializer, **VERSIONED_RESPONSES},
    ),
)
class MemberViewSet(
    VersionedUpdateMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """万客会会员. The phone changes through a new enrolment; consents on the member page."""

    queryset = Member.objects.none()  # for schema introspection; get_queryset() scopes
    serializer_class = MemberSerializer
    permission_classes = [ClubPermission]
    lookup_value_regex = r"\d+"
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        if self.action == "list":
            query = MemberQuerySerializer(data=self.request.query_params)
            query.is_valid(raise_exception=True)
            fields = dict(query.validated_data)
            active_only = not fields.pop("include_left", False)
            return member_list(
                user=self.request.user, filters=MemberFilters(active_only=active_only, **fields)
            )
        return Member.objects.visible_to(self.request.user)

    def _detail(self, pk: int, status_code: int = status.HTTP_200_OK) -> Response:
        member = member_detail(user=self.request.user, pk=pk)
        return self.with_etag(Response(MemberDetailSerializer(member).data, status=status_code), member)

    def retrieve(self, request, *args, **kwargs):
        return self._detail(self.get_object().pk)

    def create(self, request, *args, **kwargs):
        serializer = MemberEnrolSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        member = member_enrol(channel=EnrolmentChannel.STAFF, by=request.user, **serializer.validated_data)
        return self._detail(member.pk, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        member = self.get_object()
        serializer = MemberUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        version = self.expected_version(fields)
        member_update(member=member, by=request.user, expected_version=version, **fields)
        return self._detail(member.pk)
