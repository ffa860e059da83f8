"""Forms of the staff pages: the member list's filters, editing a member, consents, reveal, review."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import PersonalField, RevealReason
from core.forms import VersionField, VersionRequiredMixin
from core.validators import validate_single_line_text
from customers.forms import style_widgets
from customers.models import Education, Gender, RfmSegment, ValueClass
from properties import selectors as property_selectors

from ..models import Consent, Interest, Member, Tier
from ..selectors.members import MemberFilters

EMPTY = ("", "---------")


class MemberListFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        validators=[validate_single_line_text],
        widget=forms.TextInput(attrs={"placeholder": _("name, member no., phone or its last 4 digits")}),
    )
    tier = forms.ChoiceField(label=_("Tier"), choices=[EMPTY, *Tier.choices], required=False)
    city_company = forms.TypedChoiceField(
        label=_("City company"), coerce=int, required=False, empty_value=None
    )
    project = forms.TypedChoiceField(label=_("Project"), coerce=int, required=False, empty_value=None)
    link_status = forms.ChoiceField(
        label=_("Customer link"), choices=[EMPTY, *Member.LinkStatus.choices], required=False
    )
    value_class = forms.ChoiceField(
        label=_("Value class"), choices=[EMPTY, *ValueClass.choices], required=False
    )
    rfm_segment = forms.ChoiceField(
        label=_("RFM segment"), choices=[EMPTY, *RfmSegment.choices], required=False
    )
    interests = forms.MultipleChoiceField(
        label=_("Interests"),
        choices=Interest.choices,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 3}),
    )
    left = forms.BooleanField(label=_("Include members who left"), required=False)
    # The dashboards' drill-down.
    at_project = forms.BooleanField(label=_("Registered at a project"), required=False)
    enrolled_from = forms.DateField(
        label=_("Enrolled from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    enrolled_to = forms.DateField(
        label=_("Enrolled until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # From the cached reference data: showing and checking the choices costs no query.
        self.fields["city_company"].choices = [EMPTY, *property_selectors.visible_city_companies(user)]
        self.fields["project"].choices = [EMPTY, *property_selectors.visible_projects(user)]
        style_widgets(self)

    def clean(self):
        data = super().clean()
        first, last = data.get("enrolled_from"), data.get("enrolled_to")
        if first and last and first > last:
            self.add_error("enrolled_to", _("The end of the period is before its start."))
        return data

    def filters(self) -> MemberFilters:
        if not self.is_valid():
            return MemberFilters()
        data = self.cleaned_data
        return MemberFilters(
            q=data.get("q", "").strip(),
            tier=data.get("tier") or None,
            city_company=data.get("city_company"),
            project=data.get("project"),
            link_status=data.get("link_status") or None,
            value_class=data.get("value_class") or None,
            rfm_segment=data.get("rfm_segment") or None,
            interests=tuple(data.get("interests") or ()),
            active_only=not data.get("left"),
            at_project=bool(data.get("at_project")),
            enrolled_from=data.get("enrolled_from"),
            enrolled_to=data.get("enrolled_to"),
        )


class MemberEditForm(VersionRequiredMixin, forms.Form):
    """A member's details. The clear ID number is never put back into the page: the field starts
    empty (the masked value as placeholder) and, left empty, keeps the stored one."""

    version = VersionField()
    name = forms.CharField(label=_("Name"), max_length=50, validators=[validate_single_line_text])
    gender = forms.ChoiceField(label=_("Gender"), choices=Gender.choices, required=False)
    birth_date = forms.DateField(
        label=_("Birth date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    nationality = forms.CharField(
        label=_("Nationality"), max_length=50, validators=[validate_single_line_text]
    )
    employer = forms.CharField(label=_("Employer"), max_length=100, required=False)
    education = forms.ChoiceField(label=_("Education"), choices=Education.choices, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    id_number = forms.CharField(
        label=_("ID number"), max_length=40, required=False, validators=[validate_single_line_text]
    )
    interests = forms.MultipleChoiceField(
        label=_("Interests"), choices=Interest.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    care_wish = forms.CharField(label=_("Care wish"), max_length=200, required=False)

    def __init__(self, *args, id_number_masked: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        style_widgets(self)
        self.fields["interests"].widget.attrs.pop("class", None)
        if id_number_masked:
            self.fields["id_number"].widget.attrs["placeholder"] = id_number_masked
            self.fields["id_number"].help_text = _("Leave empty to keep the stored ID number.")

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        if not data.get("id_number"):
            data.pop("id_number", None)
        return data


class ConsentChangeForm(forms.Form):
    """Staff record a member's answer given by phone or in person."""

    kind = forms.ChoiceField(choices=Consent.Kind.choices)
    granted = forms.TypedChoiceField(choices=[("1", "yes"), ("0", "no")], coerce=lambda value: value == "1")


class MemberRevealForm(forms.Form):
    field = forms.ChoiceField(choices=PersonalField.choices, widget=forms.HiddenInput)
    reason_code = forms.ChoiceField(label=_("Purpose"), choices=RevealReason.choices)
    reason = forms.CharField(label=_("Why"), max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_widgets(self)


class LinkReviewForm(VersionRequiredMixin, forms.Form):
    version = VersionField()
    customer = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
