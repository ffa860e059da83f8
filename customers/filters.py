"""List filters of the customer API. References resolve within the user's scope only.

Phone and ID-number filters match exactly (the clear values never leave the server); a phone
tail (尾号) matches the indexed last four digits.
"""

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from rest_framework.exceptions import ValidationError

from properties.filters import visible_queryset
from properties.models import CityCompany, Project, Unit

from .models import (
    AcquisitionChannel,
    Contract,
    Customer,
    CustomerPhone,
    HouseholdMember,
    HouseholdRole,
    Stage,
    pii_hash_candidates,
)
from .selectors import classify_query


class CustomerFilter(filters.FilterSet):
    city_company = filters.ModelChoiceFilter(queryset=visible_queryset(CityCompany), label=_("city company"))
    project = filters.ModelChoiceFilter(
        field_name="registered_project",  # tells the schema the type; filter_project() does the work
        queryset=visible_queryset(Project),
        method="filter_project",
        label=_("project (registered there or holding a unit there)"),
    )
    stage = filters.ChoiceFilter(choices=Stage.choices, method="filter_stage", label=_("stage"))
    acquisition_channel = filters.ChoiceFilter(
        choices=AcquisitionChannel.choices, label=_("acquisition channel")
    )
    phone = filters.CharFilter(method="filter_phone", label=_("full mobile number"))
    phone_tail = filters.CharFilter(method="filter_phone_tail", label=_("last four digits of a phone (尾号)"))
    name = filters.CharFilter(method="filter_name", label=_("name contains"))
    id_number = filters.CharFilter(method="filter_id_number", label=_("full ID number"))

    class Meta:
        model = Customer
        fields = [
            "city_company",
            "project",
            "stage",
            "acquisition_channel",
            "phone",
            "phone_tail",
            "name",
            "id_number",
        ]

    def filter_project(self, queryset, name, value):
        holding = HouseholdMember.objects.filter(unit__project=value).values("customer_id")
        return queryset.filter(Q(registered_project=value) | Q(pk__in=holding))

    def filter_stage(self, queryset, name, value):
        return queryset.in_stage(value)

    def filter_phone(self, queryset, name, value):
        query = classify_query(value)
        if query.kind != "phone":
            raise ValidationError({"phone": [_("Enter a full mainland mobile number (11 digits).")]})
        return queryset.filter(pk__in=CustomerPhone.objects.filter(number=query.text).values("customer_id"))

    def filter_phone_tail(self, queryset, name, value):
        if classify_query(value).kind != "phone_tail":
            raise ValidationError({"phone_tail": [_("Enter the last four digits of a phone number.")]})
        return queryset.filter(pk__in=CustomerPhone.objects.filter(last4=value).values("customer_id"))

    def filter_name(self, queryset, name, value):
        value = value.strip()
        # One character matches the surname (张), longer text anywhere in the name.
        return (
            queryset.filter(name__startswith=value)
            if len(value) < 2
            else queryset.filter(name__contains=value)
        )

    def filter_id_number(self, queryset, name, value):
        return queryset.filter(id_number_hash__in=pii_hash_candidates(value.strip()))


class HouseholdMemberFilter(filters.FilterSet):
    unit = filters.ModelChoiceFilter(queryset=visible_queryset(Unit), label=_("unit"))
    customer = filters.ModelChoiceFilter(queryset=visible_queryset(Customer), label=_("customer"))
    project = filters.ModelChoiceFilter(
        field_name="unit__project", queryset=visible_queryset(Project), label=_("project")
    )
    role = filters.ChoiceFilter(choices=HouseholdRole.choices, label=_("role"))

    class Meta:
        model = HouseholdMember
        fields = ["unit", "customer", "project", "role"]


class HandoverState:
    PENDING = "pending"
    HANDED_OVER = "handed_over"
    LATE = "late"
    choices = [
        (PENDING, _("Not handed over yet")),
        (HANDED_OVER, _("Handed over")),
        (LATE, _("Not handed over and past the contractual date")),
    ]


class ContractFilter(filters.FilterSet):
    project = filters.ModelChoiceFilter(
        field_name="unit__project", queryset=visible_queryset(Project), label=_("project")
    )
    unit = filters.ModelChoiceFilter(queryset=visible_queryset(Unit), label=_("unit"))
    primary_buyer = filters.ModelChoiceFilter(queryset=visible_queryset(Customer), label=_("primary buyer"))
    status = filters.ChoiceFilter(choices=Contract.Status.choices, label=_("status"))
    signed_on = filters.DateFromToRangeFilter(
        label=_("signing date range (signed_on_after, signed_on_before)")
    )
    handover = filters.ChoiceFilter(
        choices=HandoverState.choices, method="filter_handover", label=_("handover state")
    )
    number = filters.CharFilter(label=_("contract number"))

    class Meta:
        model = Contract
        fields = ["project", "unit", "primary_buyer", "status", "signed_on", "handover", "number"]

    def filter_handover(self, queryset, name, value):
        if value == HandoverState.HANDED_OVER:
            return queryset.filter(handed_over_on__isnull=False)
        pending = queryset.filter(handed_over_on__isnull=True)
        if value == HandoverState.LATE:
            return pending.filter(contractual_handover_on__lt=timezone.localdate())
        return pending
