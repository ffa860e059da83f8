"""The actions on a complaint, posted from its page: each form carries the version the page showed."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Contractor, Department, Role, User
from core.api import MAX_ID
from core.masking import mask_phone
from customers.models import Customer

from .. import selectors
from ..models import (
    Complaint,
    ComplaintType,
    RootCause,
    Severity,
)
from ..services import ACTION_ROLES, RESPONSE_METHODS
from ._common import BLANK, VersionedForm, category_choices, colleagues


class DispatchForm(VersionedForm):
    department = forms.ChoiceField(label=_("Department"), choices=[BLANK, *Department.choices])
    handler = forms.ModelChoiceField(label=_("Handler"), queryset=User.objects.none(), required=False)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["handler"].queryset = colleagues(user, ACTION_ROLES["respond"])


class RespondForm(VersionedForm):
    method = forms.ChoiceField(label=_("Contact by"), choices=list(RESPONSE_METHODS.items()), initial="call")
    content = forms.CharField(label=_("What was said"), widget=forms.Textarea(attrs={"rows": 3}))


class PlanForm(VersionedForm):
    plan = forms.CharField(label=_("Plan agreed with the owner"), widget=forms.Textarea(attrs={"rows": 3}))


class WorkOrderForm(VersionedForm):
    department = forms.ChoiceField(
        label=_("Department"), choices=[BLANK, *Department.choices], required=False
    )
    contractor = forms.ModelChoiceField(
        label=_("Contractor"), queryset=Contractor.objects.none(), required=False
    )
    assignee = forms.ModelChoiceField(label=_("Assignee"), queryset=User.objects.none(), required=False)
    description = forms.CharField(label=_("Task"), widget=forms.Textarea(attrs={"rows": 2}))
    due_at = forms.DateTimeField(
        label=_("Due"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    def __init__(self, *args, complaint: Complaint, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["due_at"].help_text = _("Empty: due in %(hours)s hours.") % {
            "hours": settings.WORK_ORDER_DEFAULT_HOURS
        }
        # Only companies engaged on the complaint's project, and people working on it: the service
        # refuses the others (complaints.services.work_order_create).
        contractors = Contractor.objects.working_on(complaint.project_id)
        self.fields["contractor"].queryset = contractors.order_by("name")
        self.fields["assignee"].queryset = (
            User.objects.working_on(complaint.project)
            .filter(Q(role=Role.CONTRACTOR, contractor__in=contractors) | Q(role=Role.DEPARTMENT_STAFF))
            .order_by("display_name", "username")
        )


class ResolveForm(VersionedForm):
    resolution = forms.CharField(label=_("How it was solved"), widget=forms.Textarea(attrs={"rows": 3}))


class ReturnVisitForm(VersionedForm):
    reached = forms.TypedChoiceField(
        label=_("Owner reached?"),
        choices=[("yes", _("Yes")), ("no", _("No, unreachable"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        initial="yes",
    )
    satisfaction = forms.TypedChoiceField(
        label=_("Satisfaction (1–5)"),
        choices=[BLANK, *((n, str(n)) for n in range(5, 0, -1))],
        coerce=int,
        required=False,
        empty_value=None,
    )
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reached"].widget.attrs["class"] = "form-check-input"


class CloseForm(VersionedForm):
    root_cause = forms.ChoiceField(label=_("Root cause"), choices=[BLANK, *RootCause.choices])
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ReasonForm(VersionedForm):
    reason = forms.CharField(label=_("Reason"), max_length=200)


class ResumeForm(VersionedForm):
    note = forms.CharField(label=_("Note"), required=False)


class ReclassifyForm(VersionedForm):
    """Type, category and severity as they should have been recorded, and why they change."""

    complaint_type = forms.ChoiceField(label=_("Type"), choices=ComplaintType.choices)
    category = forms.TypedChoiceField(label=_("Category"), coerce=int)
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Shown on the timeline; the SLA clocks are planned again under the new policy."),
    )

    def __init__(self, *args, complaint: Complaint, **kwargs):
        super().__init__(*args, **kwargs)
        self.current_category_id = complaint.category_id
        choices = category_choices(include_parents=False)
        current = selectors.categories().get(complaint.category_id)
        if current is not None and not current.is_active:  # kept while only the severity changes
            choices.append((current.id, current.label))
        self.fields["category"].choices = choices

    def clean_category(self):
        category = selectors.category(self.cleaned_data["category"])  # from the cached tree
        if category is None or not (category.is_active or category.pk == self.current_category_id):
            raise forms.ValidationError(_("Choose a category."))
        return category


class MajorReportForm(VersionedForm):
    cause = forms.CharField(label=_("Cause"), widget=forms.Textarea(attrs={"rows": 3}))
    handling = forms.CharField(label=_("Handling"), widget=forms.Textarea(attrs={"rows": 3}))
    lessons = forms.CharField(label=_("Lessons"), widget=forms.Textarea(attrs={"rows": 3}))


class NoteForm(VersionedForm):
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}))


class AttachmentForm(VersionedForm):
    version_required = False  # a file is added to the complaint; its row does not change

    file = forms.FileField(label=_("File"))


class LinkCustomerForm(VersionedForm):
    """On an unmatched public complaint's page: the customer it is about, among those whose phone or
    name is the contact as given, or by the number on their 360 page."""

    customer = forms.ModelChoiceField(
        label=_("Possible matches"), queryset=Customer.objects.none(), required=False
    )
    customer_number = forms.IntegerField(
        label=_("or the customer number"),
        help_text=_("The number in the address of the customer's 360 page, /customers/<number>/."),
        required=False,
        min_value=1,
        max_value=MAX_ID,
    )

    def __init__(self, *args, user, complaint, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        field = self.fields["customer"]
        field.queryset = selectors.unmatched_complaint_matches(user=user, complaint=complaint)
        field.label_from_instance = lambda customer: " · ".join(
            part for part in (customer.name, mask_phone(customer.primary_phone_number or "")) if part
        )
        field.empty_label = (
            _("Choose a match") if field.queryset.exists() else _("No customer has this phone or name")
        )

    def clean(self):
        data = super().clean()
        chosen, number = data.get("customer"), data.get("customer_number")
        if chosen is None and number:
            chosen = Customer.objects.visible_to(self.user).filter(pk=number).first()
            if chosen is None:
                self.add_error("customer_number", _("No customer with this number within your scope."))
        elif chosen is None and not self.errors:
            raise forms.ValidationError(_("Choose a match or enter the customer number."))
        data["match"] = chosen
        return data
