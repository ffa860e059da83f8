"""List filters of the complaints API. References resolve within the user's scope only.

`category` matches the category and its children; `status=open` every unfinished status;
`sla` the badge state of the clock (on time / warning / breached / paused), computed in SQL
by the same rule as complaints.sla.sla_state.
"""

from django.core.exceptions import ValidationError
from django.forms import ModelChoiceField
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from accounts.models import Contractor, Department
from core.api import MAX_ID
from customers.models import Customer
from notifications.models import Notification
from properties.filters import visible_queryset
from properties.models import Project

from . import selectors
from .models import Channel, Complaint, ComplaintType, GroupCase, ImprovementItem, Severity, Status, WorkOrder
from .selectors import sla_condition, with_current_due

OPEN = "open"
STATUS_CHOICES = [(OPEN, _("Open (any unfinished status)")), *Status.choices]
SLA_CHOICES = [
    ("on_time", _("On time")),
    ("warning", _("Warning")),
    ("breached", _("Breached")),
    ("paused", _("Paused")),
]


def _one_of(allowed, message):
    """A validator: the value must be in `allowed()` (called only when there is a value to check)."""

    def validate(value) -> None:
        if value not in allowed():
            raise ValidationError(message, code="invalid_choice")

    return validate


class ComplaintFilter(filters.FilterSet):
    """Project and category are checked against the cached reference data (complaints.selectors):
    a filtered page costs no query beyond its own."""

    project = filters.NumberFilter(field_name="project_id", min_value=1, max_value=MAX_ID, label=_("project"))
    category = filters.NumberFilter(
        method="filter_category", min_value=1, max_value=MAX_ID, label=_("category (with its children)")
    )
    severity = filters.ChoiceFilter(choices=Severity.choices, label=_("severity"))
    channel = filters.ChoiceFilter(choices=Channel.choices, label=_("channel"))
    status = filters.ChoiceFilter(choices=STATUS_CHOICES, method="filter_status", label=_("status"))
    complaint_type = filters.ChoiceFilter(choices=ComplaintType.choices, label=_("type"))
    handler = filters.NumberFilter(
        field_name="handler_id", min_value=1, max_value=MAX_ID, label=_("handler (staff id)")
    )
    department = filters.ChoiceFilter(choices=Department.choices, label=_("responsible department"))
    customer = filters.ModelChoiceFilter(queryset=visible_queryset(Customer), label=_("customer"))
    received_at = filters.IsoDateTimeFromToRangeFilter(
        label=_("received between (received_at_after, received_at_before)")
    )
    sla = filters.ChoiceFilter(choices=SLA_CHOICES, method="filter_sla", label=_("SLA state"))
    number = filters.CharFilter(label=_("complaint number"))

    class Meta:
        model = Complaint
        fields = [
            "project",
            "category",
            "severity",
            "channel",
            "status",
            "complaint_type",
            "handler",
            "department",
            "customer",
            "received_at",
            "sla",
            "number",
        ]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        user = getattr(request, "user", None)
        unknown = ModelChoiceField.default_error_messages["invalid_choice"]  # Django's words, translated
        self.filters["project"].extra["validators"] = [
            _one_of(
                lambda: {pk for pk, _name in selectors.visible_projects(user)} if user else set(), unknown
            )
        ]
        self.filters["category"].extra["validators"] = [
            _one_of(lambda: selectors.categories().keys(), unknown)
        ]

    def filter_category(self, queryset, name, value):
        return queryset.filter(category_id__in=selectors.category_and_children(int(value)))

    def filter_status(self, queryset, name, value):
        return queryset.open() if value == OPEN else queryset.filter(status=value)

    def filter_sla(self, queryset, name, value):
        return with_current_due(queryset).filter(sla_condition(value, timezone.now()))


class WorkOrderFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=WorkOrder.Status.choices, label=_("status"))
    contractor = filters.ModelChoiceFilter(queryset=Contractor.objects.all(), label=_("contractor"))
    department = filters.ChoiceFilter(choices=Department.choices, label=_("department"))
    due_at = filters.IsoDateTimeFromToRangeFilter(label=_("due between (due_at_after, due_at_before)"))
    complaint = filters.ModelChoiceFilter(queryset=visible_queryset(Complaint), label=_("complaint"))

    class Meta:
        model = WorkOrder
        fields = ["status", "contractor", "department", "due_at", "complaint"]


class ImprovementItemFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=ImprovementItem.Status.choices, label=_("status"))
    department = filters.ChoiceFilter(choices=Department.choices, label=_("department"))
    project = filters.ModelChoiceFilter(queryset=visible_queryset(Project), label=_("project"))

    class Meta:
        model = ImprovementItem
        fields = ["status", "department", "project"]


class GroupCaseFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=GroupCase.Status.choices, label=_("status"))
    crisis = filters.BooleanFilter(field_name="is_crisis", label=_("crisis"))
    project = filters.ModelChoiceFilter(queryset=visible_queryset(Project), label=_("project"))

    class Meta:
        model = GroupCase
        fields = ["status", "crisis", "project"]


class NotificationFilter(filters.FilterSet):
    unread = filters.BooleanFilter(field_name="read_at", lookup_expr="isnull", label=_("unread only"))

    class Meta:
        model = Notification
        fields = ["unread"]
