"""The touchpoint pages' forms: the list's filter, an outcome, the rates' period."""

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import VersionField, VersionRequiredMixin
from customers.forms import style_widgets
from properties import selectors as property_selectors

from .models import Touchpoint
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
