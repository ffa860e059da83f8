"""The campaign draft's form: questionnaire, target (segments, place), sampling, reminders, expiry."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import VersionField, VersionRequiredMixin
from customers.forms import style_widgets
from customers.models import RfmSegment, ValueClass
from properties.models import Building, CityCompany, Project

from ..models import Campaign, Segment, SurveyTemplateVersion, Trigger
from ..services.campaigns import CAMPAIGN_FIELDS


class TemplateVersionChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: SurveyTemplateVersion) -> str:
        return f"{obj.template.display_name} · v{obj.number}"


class CampaignForm(VersionRequiredMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    template_version = TemplateVersionChoice(
        label=_("Questionnaire"), queryset=SurveyTemplateVersion.objects.none()
    )
    segments = forms.MultipleChoiceField(
        label=_("Segments"),
        choices=Segment.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: all four."),
    )
    value_classes = forms.MultipleChoiceField(
        label=_("Value classes (ABC)"),
        choices=ValueClass.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The club's nightly value class. None ticked: any, also owners not valued yet."),
    )
    rfm_segments = forms.MultipleChoiceField(
        label=_("RFM segments"),
        choices=RfmSegment.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: any, also owners not valued yet."),
    )
    city_company = forms.ModelChoiceField(
        label=_("City company"), queryset=CityCompany.objects.none(), required=False
    )
    project = forms.ModelChoiceField(label=_("Project"), queryset=Project.objects.none(), required=False)
    building = forms.ModelChoiceField(
        label=_("Building"),
        queryset=Building.objects.none(),
        required=False,
        help_text=_("Choose the project and save the draft first; its buildings are then offered."),
    )
    sample_percent = forms.IntegerField(
        label=_("Sample (% per segment)"), min_value=1, max_value=100, required=False
    )
    sample_per_segment = forms.IntegerField(
        label=_("Sample (number per segment)"), min_value=1, max_value=1_000_000, required=False
    )
    sample_seed = forms.IntegerField(
        label=_("Sampling seed"),
        min_value=0,
        max_value=2_000_000_000,
        initial=1,
        help_text=_("The same seed draws the same owners; another seed, another sample."),
    )
    exclude_surveyed_days = forms.IntegerField(
        label=_("Exclude owners surveyed in the last (days)"), min_value=0, max_value=3650, initial=90
    )
    remind_after_days = forms.IntegerField(
        label=_("Remind after (days)"), min_value=1, max_value=60, initial=3
    )
    max_reminders = forms.IntegerField(label=_("At most (reminders)"), min_value=0, max_value=5, initial=2)
    expires_at = forms.DateTimeField(
        label=_("Answers accepted until"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    version = VersionField()

    def __init__(self, *args, user, campaign: Campaign | None = None, **kwargs):
        self.version_required = campaign is not None
        super().__init__(*args, **kwargs)
        self.fields["template_version"].queryset = (
            SurveyTemplateVersion.objects.filter(template__trigger=Trigger.CAMPAIGN, template__is_active=True)
            .select_related("template")
            .order_by("template__code", "-number")
        )
        self.fields["city_company"].queryset = CityCompany.objects.visible_to(user).order_by("name")
        self.fields["project"].queryset = Project.objects.visible_to(user).select_related("city_company")
        project_id = (
            self.data.get("project") if self.is_bound else (campaign.project_id if campaign else None)
        )
        if project_id and str(project_id).isdigit():
            self.fields["building"].queryset = Building.objects.filter(project_id=int(project_id)).order_by(
                "number"
            )
        style_widgets(self)
        for name in ("segments", "value_classes", "rfm_segments"):
            self.fields[name].widget.attrs["class"] = "form-check-input"

    def value_fields(self) -> list:
        """The club's value filters, shown as two boxes of ticks."""
        return [self["value_classes"], self["rfm_segments"]]

    def clean(self):
        data = super().clean()
        if data.get("sample_percent") is not None and data.get("sample_per_segment") is not None:
            self.add_error("sample_per_segment", _("Sample by a share or by a number, not both."))
        return data

    def campaign_fields(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in CAMPAIGN_FIELDS}

    @staticmethod
    def initial_for(campaign: Campaign) -> dict:
        initial = {name: getattr(campaign, name) for name in CAMPAIGN_FIELDS}
        for name in ("template_version", "city_company", "project", "building"):
            initial[name] = getattr(campaign, f"{name}_id")
        initial["version"] = campaign.version
        return initial


class CampaignActionForm(forms.Form):
    """Send or close: the version the page showed (a second click finds a newer one: refused)."""

    version = forms.IntegerField(min_value=1, required=False, widget=forms.HiddenInput)
