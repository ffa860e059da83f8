"""The follow-up pages' forms: the list's filters, the outcome, raising a complaint."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from complaints.models import Category
from core.forms import VersionField, VersionRequiredMixin
from customers.forms import style_widgets
from properties import selectors as property_selectors

from ..models import FollowUp
from ..services.follow_ups import OUTCOMES


class FollowUpFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *FollowUp.Status.choices]
    )
    project = forms.TypedChoiceField(label=_("Project"), coerce=int, required=False, empty_value=None)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # From the cached reference data: showing and checking the choices costs no query.
        self.fields["project"].choices = [("", "---------"), *property_selectors.visible_projects(user)]
        style_widgets(self)


class FollowUpOutcomeForm(VersionRequiredMixin, forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[(value, label) for value, label in FollowUp.Status.choices if value in OUTCOMES],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("Note"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    version = VersionField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_widgets(self)
        self.fields["outcome"].widget.attrs["class"] = "form-check-input"


class RaiseComplaintForm(forms.Form):
    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.filter(is_active=True).select_related("parent")
        style_widgets(self)
