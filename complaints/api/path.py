"""What intake and each action of the handling path take in: shapes only, the services decide."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from accounts.models import Department
from core.api import MAX_ID, BoundedPrimaryKeyRelatedField, ScopedPrimaryKeyRelatedField
from customers.models import Customer
from customers.selectors import primary_phone_number
from properties.models import Project, Unit

from .. import selectors, services
from ..models import Category, Channel, ComplaintType, GroupCase, RootCause, Severity
from ._common import VersionedActionSerializer, _active_staff


class CachedCategoryField(BoundedPrimaryKeyRelatedField):
    """A category id, resolved from the cached category tree (complaints.selectors.category)."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not str(data).isdigit() or int(data) > MAX_ID:
            self.fail("incorrect_type", data_type=type(data).__name__)
        category = selectors.category(int(data))
        if category is None:
            self.fail("does_not_exist", pk_value=data)
        return category


class ComplaintCreateSerializer(serializers.Serializer):
    """接待. The project defaults to the unit's, then to the customer's registered project."""

    # Read with what the 201 answer shows (the customer's phone, the unit's project): no second look.
    customer = ScopedPrimaryKeyRelatedField(
        queryset=Customer.objects.defer("id_number").annotate(primary_phone_number=primary_phone_number())
    )
    unit = ScopedPrimaryKeyRelatedField(
        queryset=Unit.objects.select_related("project"), required=False, allow_null=True
    )
    project = ScopedPrimaryKeyRelatedField(queryset=Project.objects.all(), required=False, allow_null=True)
    category = CachedCategoryField(queryset=Category.objects.all())
    complaint_type = serializers.ChoiceField(choices=ComplaintType.choices)
    channel = serializers.ChoiceField(choices=Channel.choices)
    severity = serializers.ChoiceField(choices=Severity.choices, default=Severity.NORMAL)
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(max_length=10000)
    received_at = serializers.DateTimeField(required=False, help_text=_("Defaults to now."))
    attachments = serializers.ListField(
        child=serializers.FileField(),
        required=False,
        max_length=10,
        help_text=_("Photos, PDF, Word, audio or video (multipart/form-data), 10 MB each."),
    )


class DispatchSerializer(VersionedActionSerializer):
    department = serializers.ChoiceField(choices=Department.choices)
    handler = BoundedPrimaryKeyRelatedField(queryset=_active_staff(), required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class RespondSerializer(VersionedActionSerializer):
    method = serializers.ChoiceField(choices=list(services.RESPONSE_METHODS.items()))
    content = serializers.CharField(max_length=5000, help_text=_("What was said to the owner."))


class AgreePlanSerializer(VersionedActionSerializer):
    plan = serializers.CharField(max_length=5000)


class ResolveSerializer(VersionedActionSerializer):
    resolution = serializers.CharField(max_length=5000)


class ReturnVisitInputSerializer(VersionedActionSerializer):
    reached = serializers.BooleanField(help_text=_("Whether the owner was reached."))
    satisfaction = serializers.IntegerField(min_value=1, max_value=5, required=False, allow_null=True)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")


class CloseSerializer(VersionedActionSerializer):
    root_cause = serializers.ChoiceField(choices=RootCause.choices)
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")


class ReasonSerializer(VersionedActionSerializer):
    reason = serializers.CharField(max_length=200)


class ResumeSerializer(VersionedActionSerializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class MajorReportInputSerializer(VersionedActionSerializer):
    cause = serializers.CharField(max_length=10000)
    handling = serializers.CharField(max_length=10000)
    lessons = serializers.CharField(max_length=10000)


class ReclassifySerializer(VersionedActionSerializer):
    """Only what changes need be sent; the SLA policy is chosen again and the clocks re-planned."""

    complaint_type = serializers.ChoiceField(choices=ComplaintType.choices, required=False)
    category = CachedCategoryField(queryset=Category.objects.all(), required=False)
    severity = serializers.ChoiceField(choices=Severity.choices, required=False)
    reason = serializers.CharField(max_length=500, help_text=_("Why; shown on the timeline."))


class GroupCaseJoinSerializer(VersionedActionSerializer):
    group_case = ScopedPrimaryKeyRelatedField(
        queryset=GroupCase.objects.all(), help_text=_("An open group case of the complaint's project.")
    )


class NoteSerializer(VersionedActionSerializer):
    note = serializers.CharField(max_length=5000)


class LinkCustomerSerializer(VersionedActionSerializer):
    customer = ScopedPrimaryKeyRelatedField(queryset=Customer.objects.all())
