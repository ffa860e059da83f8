"""List filters of the complaints API. References resolve within the user's scope only.

`category` matches the category and its children; `status=open` every unfinished status;
`sla` the badge state of the clock (on time / warning / breached / paused), computed in SQL
by the same rule as complaints.sla.sla_state.
"""

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from accounts.models import Contractor, Department
from crm.api import MAX_ID
from customers.models import Customer
from notifications.models import Notification
from properties.filters import visible_queryset
from properties.models import Project

from .models import Category, Channel, Complaint, ComplaintType, ImprovementItem, Severity, Status, WorkOrder
from .selectors import sla_condition, with_current_due

OPEN = "open"
STATUS_CHOICES = [(OPEN, _("Open (any unfinished status)")), *Status.choices]
SLA_CHOICES = [
    ("on_time", _("On time")),
    ("warning", _("Warning")),
    ("breached", _("Breached")),
    ("paused", _("Paused")),
]


class ComplaintFilter(filters.FilterSet):
    project = filters.ModelChoiceFilter(queryset=visible_queryset(Project), label=_("project"))
    category = filters.ModelChoiceFilter(
        queryset=Category.objects.all(), method="filter_category", label=_("category (with its children)")
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

    def filter_category(self, queryset, name, value):
        return queryset.filter(Q(category=value) | Q(category__parent=value))

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


class NotificationFilter(filters.FilterSet):
    unread = filters.BooleanFilter(field_name="read_at", lookup_expr="isnull", label=_("unread only"))

    class Meta:
        model = Notification
        fields = ["unread"]
