"""REST API v1 of customers, households and contracts: /api/v1/customers, household-members, contracts.

- Scope: querysets go through `visible_to(user)`; a row outside the scope answers 404.
  References in a payload (project, unit, customer...) resolve within the scope only.
- Roles: reading needs `may_see_customers`, writing `may_edit_customers` (403 otherwise).
- Personal data: phones and ID numbers leave the server masked. The clear value comes only
  from `POST /customers/{id}/reveal/`, which asks a reason and writes the access log.
- Concurrency: customers and contracts carry `version`. An update must say which version it
  edited, in the body (`"version": 3`) or as `If-Match: "3"` (the ETag of the retrieve).
  Missing → 428 Precondition Required; stale → 409 Conflict.
- Writes go through customers.services; serializers check the shape of the input only.
"""

from __future__ import annotations

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import exceptions, mixins, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.models import PersonalField, RevealReason
from accounts.services import RevealLimitReached, personal_data_reveal
from core.api import IF_MATCH, VERSIONED_RESPONSES, ScopedPrimaryKeyRelatedField, VersionedUpdateMixin
from properties.models import CityCompany, Project, Unit

from . import services
from .filters import ContractFilter, CustomerFilter, HouseholdMemberFilter
from .models import Contract, Customer, CustomerPhone, HouseholdMember, HouseholdRole, IdType, Stage
from .selectors import customer_list


class CustomerDataPermission(permissions.BasePermission):
    """Customer data: `may_see_customers` to read (and to ask for a reveal), `may_edit_customers` to write."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if not user.may_see_customers():
            self.message = _("Your role may not see customer data.")
            return False
        # A reveal is a POST but changes nothing; the reveal service checks the role per field.
        if request.method in permissions.SAFE_METHODS or getattr(view, "action", None) == "reveal":
            return True
        self.message = _("Your role may not edit customers.")
        return user.may_edit_customers()


# --- Serializers: shape only --------------------------------------------------------------


class CustomerMergeSerializer(serializers.Serializer):
    duplicate = ScopedPrimaryKeyRelatedField(
        queryset=Customer.objects.all(),
        help_text=_("The duplicate record, merged into this one and deleted."),
    )
    duplicate_version = serializers.IntegerField(help_text=_("The duplicate's version as last read."))
    version = serializers.IntegerField(required=False, help_text=_("This customer's version (or If-Match)."))


class MaskedPhoneSerializer(serializers.Serializer):
    number = serializers.CharField(source="masked", read_only=True, help_text=_("Masked, e.g. 138****5678."))
    is_primary = serializers.BooleanField(read_only=True)


class CustomerSerializer(serializers.ModelSerializer):
    """A customer as staff see it: phones and ID number masked, stage derived from contracts."""

    phones = MaskedPhoneSerializer(many=True, read_only=True)
    stage = serializers.ChoiceField(choices=Stage.choices, read_only=True)

    class Meta:
        model = Customer
        fields = [
            "id",
            "city_company",
            "registered_project",
            "name",
            "gender",
            "birth_date",
            "id_type",
            "id_number_masked",
            "nationality",
            "employer",
            "education",
            "address",
            "email",
            "preferred_channel",
            "acquisition_channel",
            "referrer",
            "notes",
            "phones",
            "stage",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class CustomerWriteSerializer(serializers.ModelSerializer):
    """Input of create/update: clear phones and ID number, accepted but never echoed back."""

    city_company = ScopedPrimaryKeyRelatedField(
        queryset=CityCompany.objects.all(),
        required=False,
        help_text=_("Defaults to the registered project's city company."),
    )
    registered_project = ScopedPrimaryKeyRelatedField(
        queryset=Project.objects.all(), required=False, allow_null=True
    )
    referrer = ScopedPrimaryKeyRelatedField(queryset=Customer.objects.all(), required=False, allow_null=True)
    id_number = serializers.CharField(
        write_only=True, required=False, allow_blank=True, max_length=40, help_text=_("Clear ID number.")
    )
    phones = serializers.ListField(
        child=serializers.CharField(max_length=20),
        required=False,
        max_length=10,
        write_only=True,
        help_text=_("Clear mobile numbers, the first is the primary one. On update, replaces the list."),
    )
    version = serializers.IntegerField(
        required=False, min_value=1, write_only=True, help_text=_("The version being edited (updates).")
    )

    class Meta:
        model = Customer
        fields = [
            "city_company",
            "registered_project",
            "name",
            "gender",
            "birth_date",
            "id_type",
            "id_number",
            "nationality",
            "employer",
            "education",
            "address",
            "email",
            "preferred_channel",
            "acquisition_channel",
            "referrer",
            "notes",
            "phones",
            "version",
        ]

    def validate(self, attrs: dict) -> dict:
        if self.instance is None and not (attrs.get("city_company") or attrs.get("registered_project")):
            raise serializers.ValidationError(
                {"city_company": [_("Give the city company or the project where the customer registered.")]}
            )
        return attrs


class RevealSerializer(serializers.Serializer):
    field = serializers.ChoiceField(choices=PersonalField.choices)
    reason_code = serializers.ChoiceField(
        choices=RevealReason.choices,
        help_text=_(
            "The purpose, required: callback (回访), complaint (投诉处理), handover (交付预约), "
            "identity (身份核验) or other (其他)."
        ),
    )
    reason = serializers.CharField(
        max_length=200,
        # accounts.services.REASON_DETAIL_MIN_LETTERS
        help_text=_(
            "The purpose in words, required: at least 4 letters or characters (digits and punctuation "
            "alone are refused); logged."
        ),
    )


@extend_schema_field({"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]})
class RevealedValueField(serializers.JSONField):
    """A string (ID number) or a list of strings (phones)."""


class RevealResultSerializer(serializers.Serializer):
    field = serializers.ChoiceField(choices=PersonalField.choices)
    value = RevealedValueField(help_text=_("The ID number, or every phone number (primary first)."))


class HouseholdMemberSerializer(serializers.ModelSerializer):
    unit = ScopedPrimaryKeyRelatedField(queryset=Unit.objects.all())
    customer = ScopedPrimaryKeyRelatedField(queryset=Customer.objects.all())

    class Meta:
        model = HouseholdMember
        fields = ["id", "unit", "customer", "role", "since", "created_at", "updated_at"]
        # One owner per unit and one row per customer: checked by the service with clear messages.
        validators = []


class HouseholdLinkSerializer(serializers.Serializer):
    unit = ScopedPrimaryKeyRelatedField(queryset=Unit.objects.all())
    id_type = serializers.ChoiceField(choices=IdType.choices)
    id_number = serializers.CharField(max_length=40, write_only=True, help_text=_("Clear ID number."))
    role = serializers.ChoiceField(choices=HouseholdRole.choices)
    since = serializers.DateField(required=False, allow_null=True)
    reason = serializers.CharField(
        max_length=200, help_text=_("Why this person joins the household; logged.")
    )


CONTRACT_OUTPUT_FIELDS = [
    "id",
    "number",
    "unit",
    "project",
    "primary_buyer",
    "status",
    "subscribed_on",
    "signed_on",
    "price",
    "contractual_handover_on",
    "handed_over_on",
    "commitments",
    "is_handover_late",
    "version",
    "created_at",
    "updated_at",
]


class ContractSerializer(serializers.ModelSerializer):
    project = serializers.IntegerField(source="unit.project_id", read_only=True)
    commitments = serializers.CharField(
        read_only=True,
        help_text=_(
            "The promises as free text from before the register: read-only history. The promises are "
            "kept in /api/v1/commitments/."
        ),
    )
    is_handover_late = serializers.BooleanField(read_only=True)

    class Meta:
        model = Contract
        fields = CONTRACT_OUTPUT_FIELDS
        read_only_fields = fields


class ContractCreateSerializer(serializers.ModelSerializer):
    unit = ScopedPrimaryKeyRelatedField(queryset=Unit.objects.all())
    primary_buyer = ScopedPrimaryKeyRelatedField(queryset=Customer.objects.all())

    class Meta:
        model = Contract
        fields = [
            "unit",
            "primary_buyer",
            "number",
            "subscribed_on",
            "signed_on",
            "price",
            "contractual_handover_on",
            "handed_over_on",
        ]
        validators = []  # one active contract per unit: the service says so in words


class ContractUpdateSerializer(serializers.ModelSerializer):
    """The unit and the buyer of a contract do not change; cancel it and sign a new one instead."""

    version = serializers.IntegerField(
        required=False, min_value=1, write_only=True, help_text=_("The version being edited.")
    )

    class Meta:
        model = Contract
        fields = [
            "number",
            "status",
            "subscribed_on",
            "signed_on",
            "price",
            "contractual_handover_on",
            "handed_over_on",
            "version",
        ]
        validators = []


# --- Viewsets -----------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary=_("Customers in scope (masked)")),
    retrieve=extend_schema(summary=_("One customer (masked); ETag carries the version")),
    create=extend_schema(
        request=CustomerWriteSerializer,
        responses={201: CustomerSerializer, **{k: VERSIONED_RESPONSES[k] for k in (400, 403)}},
    ),
    update=extend_schema(
        request=CustomerWriteSerializer,
        parameters=[IF_MATCH],
        responses={200: CustomerSerializer, **VERSIONED_RESPONSES},
    ),
    partial_update=extend_schema(
        request=CustomerWriteSerializer,
        parameters=[IF_MATCH],
        responses={200: CustomerSerializer, **VERSIONED_RESPONSES},
    ),
)
class CustomerViewSet(
    VersionedUpdateMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """客户. Updates need the version (body `version` or If-Match): missing → 428, stale → 409."""

    queryset = Customer.objects.none()  # for schema introspection; get_queryset() scopes
    permission_classes = [CustomerDataPermission]
    filterset_class = CustomerFilter
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return customer_list(user=self.request.user).prefetch_related(
            Prefetch(
                "phones", queryset=CustomerPhone.objects.only("id", "customer_id", "number", "is_primary")
            )
        )

    def get_serializer_class(self):
        if self.action in ("create", "update", "partial_update"):
            return CustomerWriteSerializer
        if self.action == "reveal":
            return RevealSerializer
        return CustomerSerializer

    def _render(self, customer: Customer, status_code: int = status.HTTP_200_OK) -> Response:
        # Re-read through the list queryset: phones and contracts prefetched, stage computed.
        customer = self.get_queryset().get(pk=customer.pk)
        data = CustomerSerializer(customer, context=self.get_serializer_context()).data
        return self.with_etag(Response(data, status=status_code), customer)

    def retrieve(self, request, *args, **kwargs):
        customer = self.get_object()
        return self.with_etag(Response(CustomerSerializer(customer).data), customer)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        fields.pop("version", None)
        customer = services.customer_create(by=request.user, **fields)
        return self._render(customer, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        customer = self.get_object()
        serializer = self.get_serializer(customer, data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        version = self.expected_version(fields)
        customer = services.customer_update(
            customer=customer, by=request.user, expected_version=version, **fields
        )
        return self._render(customer)

    @extend_schema(
        summary=_("Merge a duplicate record into this customer (合并客户)"),
        description=_(
            "Everything of `duplicate` (phones, homes, contracts, complaints, appointments, referrals) moves"
            " to this customer, which keeps its values and takes the duplicate's where it has none; the"
            " duplicate is deleted and the merge logged. Both versions are required: this customer's in"
            " `version` or If-Match, the duplicate's in `duplicate_version`."
        ),
        request=CustomerMergeSerializer,
        parameters=[IF_MATCH],
        responses={200: CustomerSerializer, **VERSIONED_RESPONSES},
    )
    @action(detail=True, methods=["post"])
    def merge(self, request, pk=None):
        survivor = self.get_object()
        serializer = CustomerMergeSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        version = self.expected_version(fields)
        services.customer_merge(
            survivor=survivor,
            duplicate=fields["duplicate"],
            by=request.user,
            expected_version=version,
            expected_duplicate_version=fields["duplicate_version"],
        )
        return self._render(survivor)

    @extend_schema(
        summary=_("Reveal a clear phone list or ID number (logged, limited per user)"),
        description=_(
            "Needs a purpose (`reason_code`) and a written `reason`. Each user may reveal REVEAL_RATE "
            "values (default 30 an hour, page and API together); beyond that the answer is 429 with "
            "Retry-After. A burst (REVEAL_BURST_ALERT, default more than 10 in 10 minutes) notifies the "
            "user's supervisors and city heads."
        ),
        request=RevealSerializer,
        responses={
            200: RevealResultSerializer,
            400: OpenApiResponse(
                description=_("No purpose or reason, a reason without words, or an unknown field.")
            ),
            403: OpenApiResponse(description=_("The role may not reveal this field.")),
            404: OpenApiResponse(description=_("Not found within the user's scope.")),
            429: OpenApiResponse(
                description=_("The user's reveal limit (REVEAL_RATE) is used up; see Retry-After.")
            ),
        },
    )
    @action(detail=True, methods=["post"])
    def reveal(self, request, pk=None):
        """Return one clear value and write a PersonalDataAccess row (channel "api")."""
        customer = self.get_object()
        serializer = RevealSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        field = serializer.validated_data["field"]
        try:
            value = personal_data_reveal(
                user=request.user,
                customer=customer,
                field=field,
                reason_code=serializer.validated_data["reason_code"],
                reason=serializer.validated_data["reason"],
                channel="api",
                ip_address=request.META.get("REMOTE_ADDR") or None,
            )
        except RevealLimitReached as limit:
            # DRF's throttled answer: 429 with Retry-After; the limit itself is the service's one rule.
            raise exceptions.Throttled(wait=limit.retry_after.total_seconds(), detail=str(limit)) from None
        response = Response(RevealResultSerializer({"field": field, "value": value}).data)
        response["Cache-Control"] = "no-store"
        return response


@extend_schema_view(
    create=extend_schema(
        responses={
            201: HouseholdMemberSerializer,
            400: OpenApiResponse(description=_("Invalid input, a second owner, or a duplicate member.")),
            403: OpenApiResponse(description=_("Role may not edit, or the unit is outside the scope.")),
        }
    ),
    destroy=extend_schema(
        responses={
            204: OpenApiResponse(description=_("Removed from the household.")),
            400: OpenApiResponse(description=_("The primary buyer of an active contract stays owner.")),
            403: OpenApiResponse(description=_("Role may not edit customers.")),
        }
    ),
)
class HouseholdMemberViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """住户关系: who belongs to a unit's household. To change a role, remove and add again."""

    queryset = HouseholdMember.objects.none()  # for schema introspection; get_queryset() scopes
    permission_classes = [CustomerDataPermission]
    serializer_class = HouseholdMemberSerializer
    filterset_class = HouseholdMemberFilter
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return HouseholdMember.objects.visible_to(self.request.user).select_related("unit", "customer")

    def perform_create(self, serializer) -> None:
        serializer.instance = services.household_member_add(by=self.request.user, **serializer.validated_data)

    def perform_destroy(self, instance) -> None:
        services.household_member_remove(member=instance, by=self.request.user)

    @extend_schema(
        summary=_("Link a customer recorded elsewhere into a household (关联客户, supervisors, logged)"),
        description=_(
            "A person already recorded by another city company or project, named by ID number, joins a"
            " household of a unit in the caller's scope, which brings them into that scope. Supervisors"
            " and above only; the reason is logged. Creating such a customer or adding them by id is"
            " refused everywhere else."
        ),
        request=HouseholdLinkSerializer,
        responses={
            201: HouseholdMemberSerializer,
            400: OpenApiResponse(
                description=_("Invalid input, no customer with this ID number, a second owner.")
            ),
            403: OpenApiResponse(description=_("Not a supervisor, or the unit is outside the scope.")),
        },
    )
    @action(detail=False, methods=["post"])
    def link(self, request):
        serializer = HouseholdLinkSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        member = services.household_member_link(by=request.user, **serializer.validated_data)
        data = HouseholdMemberSerializer(member, context=self.get_serializer_context()).data
        return Response(data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    retrieve=extend_schema(summary=_("One contract; ETag carries the version")),
    create=extend_schema(
        request=ContractCreateSerializer,
        responses={201: ContractSerializer, **{k: VERSIONED_RESPONSES[k] for k in (400, 403)}},
    ),
    update=extend_schema(
        request=ContractUpdateSerializer,
        parameters=[IF_MATCH],
        responses={200: ContractSerializer, **VERSIONED_RESPONSES},
    ),
    partial_update=extend_schema(
        request=ContractUpdateSerializer,
        parameters=[IF_MATCH],
        responses={200: ContractSerializer, **VERSIONED_RESPONSES},
    ),
)
class ContractViewSet(
    VersionedUpdateMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """购房合同. Updates need the version (body `version` or If-Match): missing → 428, stale → 409."""

    queryset = Contract.objects.none()  # for schema introspection; get_queryset() scopes
    permission_classes = [CustomerDataPermission]
    filterset_class = ContractFilter
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return Contract.objects.visible_to(self.request.user).select_related("unit")

    def get_serializer_class(self):
        if self.action == "create":
            return ContractCreateSerializer
        if self.action in ("update", "partial_update"):
            return ContractUpdateSerializer
        return ContractSerializer

    def _render(self, contract: Contract, status_code: int = status.HTTP_200_OK) -> Response:
        data = ContractSerializer(contract, context=self.get_serializer_context()).data
        return self.with_etag(Response(data, status=status_code), contract)

    def retrieve(self, request, *args, **kwargs):
        return self._render(self.get_object())

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        contract = services.contract_create(by=request.user, **serializer.validated_data)
        return self._render(contract, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        contract = self.get_object()
        serializer = self.get_serializer(contract, data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        version = self.expected_version(fields)
        contract = services.contract_update(
            contract=contract, by=request.user, expected_version=version, **fields
        )
        return self._render(contract)


def register(router) -> None:
    router.register("customers", CustomerViewSet, basename="customer")
    router.register("household-members", HouseholdMemberViewSet, basename="household-member")
    router.register("contracts", ContractViewSet, basename="contract")
