"""The follow-up pages' forms: the list's filters, the outcome, raising a complaint."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from complaints import selectors as complaint_selectors
from complaints.forms import category_choices
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
        choices=[
            ("", "---------"),
            *((value, label) for value, label in FollowUp.Status.choices if value in OUTCOMES),
        ],
    )
    note = forms.CharField(label=_("Note"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    version = VersionField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_widgets(self)


class RaiseComplaintForm(forms.Form):
    category = forms.TypedChoiceField(label=_("Category"), coerce=int)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The complaint desk's grouped tree, from its cache (no query).
        self.fields["category"].choices = category_choices(include_parents=True)
        style_widgets(self)

    def clean_category(self) -> Category:
        category = complaint_selectors.category(self.cleaned_data["category"])
        if category is None or not category.is_active:
            raise forms.ValidationError(_("Choose a category."))
        return category
