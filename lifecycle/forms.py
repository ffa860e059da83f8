"""The touchpoint pages' forms: the list's filter, an outcome, the rates' period."""

from __future__ import annotations

import datetime

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Department, User
from core.forms import VersionField, VersionRequiredMixin
from customers.forms import style_widgets
from properties import selectors as property_selectors
from properties.forms import PlaceFilterForm

from .models import Commitment, RenovationItem, Step, Touchpoint
from .services.touchpoints import OUTCOMES

WHEN_LABELS = [
    ("all", _("Overdue, today and this week")),
    ("overdue", _("Overdue")),
    ("today", _("Due today")),
    ("week", _("Later this week")),
]


class MyTouchpointsFilterForm(forms.Form):
    when = forms.ChoiceField(label=_("Due"), choices=WHEN_LABELS, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_widgets(self)

    def clean_when(self) -> str:
        return self.cleaned_data["when"] or "all"


class TouchpointOutcomeForm(VersionRequiredMixin, forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=[(v, label) for v, label in Touchpoint.Status.choices if v in OUTCOMES]
    )
    note = forms.CharField(label=_("Note"), max_length=2000, required=False)
    version = VersionField()


class RatesFilterForm(forms.Form):
    since = forms.DateField(label=_("Due from"), required=False)
    until = forms.DateField(label=_("Due until"), required=False)
    project = forms.TypedChoiceField(label=_("Project"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].choices = [("", "---------"), *property_selectors.visible_projects(user)]
        style_widgets(self)

    def clean(self):
        data = super().clean()
        today = timezone.localdate()
        data["until"] = data.get("until") or today
        data["since"] = data.get("since") or data["until"] - datetime.timedelta(days=90)
        if data["since"] > data["until"]:
            self.add_error("until", _("The end of the period is before its start."))
        elif (data["until"] - data["since"]).days > 366:
            self.add_error("since", _("Choose a period of at most a year."))
        return data


BLANK = ("", "---------")


class TouchpointListFilterForm(PlaceFilterForm):
    """The filters of the list of every touchpoint in scope (the dashboards drill here with
    ?due_from=…&due_to=…, &on_time=1|0, or &overdue=1)."""

    due_from = forms.DateField(
        label=_("Due from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    due_to = forms.DateField(
        label=_("Due until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    step = forms.ChoiceField(label=_("6+2 step"), choices=[BLANK, *Step.choices], required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[
            BLANK,
            ("pending", _("Still to do")),
            ("completed", _("Completed (done or reached)")),
            *Touchpoint.Status.choices,
        ],
        required=False,
    )
    on_time = forms.TypedChoiceField(
        label=_("Done on time"),
        choices=[BLANK, ("1", _("Done by the due time")), ("0", _("Not done by the due time"))],
        coerce=lambda value: value == "1",
        empty_value=None,
        required=False,
    )
    overdue = forms.TypedChoiceField(
        label=_("Overdue"),
        choices=[BLANK, ("1", _("Overdue now"))],
        coerce=lambda value: value == "1",
        empty_value=False,
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_widgets(self)

    def clean(self):
        data = super().clean()
        self.check_range("due_from", "due_to")
        return data


# The registers' forms: a commitment on a contract, its settling, and the project list's filters.


def project_staff(project):
    """Active staff of the project (its own, its city company's, the group admins)."""
    return (
        User.objects.filter(is_active=True)
        .filter(Q(projects=project) | Q(city_companies=project.city_company_id) | Q(role="group_admin"))
        .distinct()
        .order_by("display_name", "username")
    )


class CommitmentForm(forms.Form):
    text = forms.CharField(label=_("Promise"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    promised_by = forms.ModelChoiceField(
        label=_("Promised by (staff)"), queryset=User.objects.none(), required=False
    )
    promised_by_name = forms.CharField(
        label=_("…or their name"),
        max_length=50,
        required=False,
        help_text=_("For a salesperson without an account (or who has left)."),
    )
    department = forms.ChoiceField(
        label=_("Responsible department"), choices=[("", "—"), *Department.choices], required=False
    )
    due_on = forms.DateField(
        label=_("Due date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    evidence = forms.FileField(label=_("Evidence"), required=False)

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["promised_by"].queryset = project_staff(project)

    def clean(self):
        data = super().clean()
        if not data.get("promised_by") and not (data.get("promised_by_name") or "").strip():
            self.add_error("promised_by_name", _("Say who promised it: a staff member or their name."))
        return data


class CommitmentSettleForm(VersionRequiredMixin, forms.Form):
    status = forms.ChoiceField(
        label=_("Outcome"),
        choices=[(Commitment.Status.FULFILLED, _("Fulfilled")), (Commitment.Status.WAIVED, _("Waived"))],
    )
    note = forms.CharField(label=_("Note"), max_length=2000, required=False)
    version = VersionField()


class CommitmentFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("All")), *Commitment.Status.choices], required=False
    )
    department = forms.ChoiceField(
        label=_("Department"), choices=[("", _("All")), *Department.choices], required=False
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)

    def filter(self, queryset):
        if not self.is_valid():
            return queryset.none()
        data = self.cleaned_data
        if data["status"]:
            queryset = queryset.filter(status=data["status"])
        if data["department"]:
            queryset = queryset.filter(department=data["department"])
        if data["overdue"]:
            queryset = queryset.overdue()
        return queryset


class RenovationItemForm(forms.Form):
    category = forms.ChoiceField(label=_("Category"), choices=RenovationItem.Category.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    complaint = forms.IntegerField(label=_("From complaint (id)"), required=False, min_value=1)
    due_on = forms.DateField(
        label=_("Due date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class RenovationUpdateForm(VersionRequiredMixin, forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=RenovationItem.Status.choices)
    note = forms.CharField(label=_("Progress note"), required=False, max_length=2000)
    version = VersionField()
