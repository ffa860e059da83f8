"""Intake: the hotline search and the new-complaint form."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core.validators import validate_single_line_text
from properties.models import Project, Unit

from .. import selectors
from ..models import (
    Channel,
    ComplaintType,
    Severity,
)
from ._common import _StyledForm, category_choices


class HotlineSearchForm(_StyledForm):
    """Posted, never `?q=`: the caller's phone in a URL would be kept by every access log."""

    q = forms.CharField(
        label=_("Caller's phone"),
        max_length=100,
        validators=[validate_single_line_text],
        widget=forms.TextInput(
            attrs={
                "placeholder": _("full number or last 4 digits"),
                "autofocus": True,
                "inputmode": "tel",
                "autocomplete": "off",
            }
        ),
    )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; size and type are checked by services.attachment_add."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []


class ComplaintForm(_StyledForm):
    complaint_type = forms.ChoiceField(
        label=_("Type"), choices=ComplaintType.choices, initial=ComplaintType.COMPLAINT
    )
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial=Channel.HOTLINE)
    category = forms.TypedChoiceField(label=_("Category"), coerce=int)
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices, initial=Severity.NORMAL)
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.none(), required=False)
    project = forms.ModelChoiceField(
        label=_("Responsible project"),
        queryset=Project.objects.none(),
        required=False,
        help_text=_("Taken from the unit when a unit is chosen."),
    )
    title = forms.CharField(label=_("Subject"), max_length=200)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}))
    attachments = MultipleFileField(
        label=_("Attachments"), required=False, help_text=_("Photos, PDF, Word, audio or video; 10 MB each.")
    )
    save_anyway = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user, customer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices(include_parents=False)
        units = (
            Unit.objects.visible_to(user)
            .filter(household__customer=customer)
            .select_related("project")
            .distinct()
        )
        self.fields["unit"].queryset = units
        self.fields["unit"].label_from_instance = lambda unit: f"{unit.project.name} {unit.code}"
        self.fields["project"].queryset = Project.objects.visible_to(user).order_by("name")
        self.fields["category"].widget.attrs["autofocus"] = True

    def clean_category(self):
        category = selectors.category(self.cleaned_data["category"])  # from the cached tree
        if category is None or not category.is_active:
            raise forms.ValidationError(_("Choose a category."))
        return category

    def service_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "complaint_type": data["complaint_type"],
            "channel": data["channel"],
            "category": data["category"],
            "severity": data["severity"],
            "unit": data.get("unit"),
            "project": data.get("project") or (data["unit"].project if data.get("unit") else None),
            "title": data["title"],
            "description": data["description"],
            "attachments": data.get("attachments") or [],
        }
