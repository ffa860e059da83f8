"""The enrolment forms: staff (within their scope) and the public sign-up page (no login).

The public form resists scripts without a CAPTCHA: a honeypot field people never see, and the time
the page was shown, signed into the form, so that a post faster than a person can type (or a forged
time) is recognised. The view answers such a post as it answers a real one, and saves nothing.
"""

from __future__ import annotations

import time

from django import forms
from django.conf import settings
from django.core import signing
from django.utils.translation import gettext_lazy as _

from core.validators import validate_single_line_text
from customers.forms import style_widgets
from customers.models import Education, Gender
from customers.validators import normalize_mobile, validate_mobile
from properties.models import CityCompany, Project

from ..consent_texts import current_text
from ..models import Consent, Interest

STARTED_SALT = "membership.join.started"
HONEYPOT = "website"


class ProjectChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, project: Project) -> str:
        # Several cities have a 四季花城: the city tells them apart.
        return f"{project.name}（{project.city_company.city}）"


class EnrolmentFields(forms.Form):
    """What a member gives: the documents' fields, interests, where they join, the two consents."""

    name = forms.CharField(label=_("Name"), max_length=50, validators=[validate_single_line_text])
    gender = forms.ChoiceField(label=_("Gender"), choices=Gender.choices, required=False)
    birth_date = forms.DateField(
        label=_("Birth date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    nationality = forms.CharField(
        label=_("Nationality"), max_length=50, initial="中国", validators=[validate_single_line_text]
    )
    employer = forms.CharField(
        label=_("Employer"), max_length=100, required=False, validators=[validate_single_line_text]
    )
    education = forms.ChoiceField(label=_("Education"), choices=Education.choices, required=False)
    phone = forms.CharField(
        label=_("Mobile number"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    email = forms.EmailField(label=_("Email (optional)"), required=False)
    id_number = forms.CharField(
        label=_("ID number (optional)"),
        max_length=40,
        required=False,
        validators=[validate_single_line_text],
        help_text=_("Links your membership to your home purchase records."),
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    interests = forms.MultipleChoiceField(
        label=_("Interests"), choices=Interest.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    club_data_consent = forms.BooleanField(label=_("I agree (required)"), required=False)
    marketing_consent = forms.BooleanField(label=_("I agree (optional)"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.consent_texts = {
            "club_data_consent": current_text(Consent.Kind.CLUB_DATA),
            "marketing_consent": current_text(Consent.Kind.MARKETING),
        }

    def clean_phone(self) -> str:
        number = normalize_mobile(self.cleaned_data["phone"])
        validate_mobile(number)
        return number

    def service_fields(self) -> dict:
        data = self.cleaned_data
        return {
            name: data[name]
            for name in (
                "name",
                "gender",
                "birth_date",
                "nationality",
                "employer",
                "education",
                "phone",
                "email",
                "id_number",
                "interests",
                "club_data_consent",
                "marketing_consent",
                "project",
            )
            if name in data
        }


class StaffEnrolmentForm(EnrolmentFields):
    project = ProjectChoiceField(label=_("Joins at project"), queryset=Project.objects.none(), required=False)
    city_company = forms.ModelChoiceField(
        label=_("Or city company"),
        queryset=CityCompany.objects.none(),
        required=False,
        help_text=_("When the member joins at no particular project."),
    )
    care_wish = forms.CharField(
        label=_("Care wish"),
        max_length=200,
        required=False,
        validators=[validate_single_line_text],
        help_text=_("For example: ask before visiting."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = (
            Project.objects.visible_to(user).select_related("city_company").order_by("name")
        )
        self.fields["city_company"].queryset = CityCompany.objects.visible_to(user).order_by("name")
        self.fields["club_data_consent"].label = _("The member agrees (required)")
        self.fields["marketing_consent"].label = _("The member agrees (optional)")
        style_widgets(self)
        for name in ("interests",):
            self.fields[name].widget.attrs.pop("class", None)

    def service_fields(self) -> dict:
        fields = super().service_fields()
        fields["city_company"] = self.cleaned_data.get("city_company")
        fields["care_wish"] = self.cleaned_data.get("care_wish", "")
        return fields


def started_token(now: float | None = None) -> str:
    return signing.dumps(int(now if now is not None else time.time()), salt=STARTED_SALT)


class PublicJoinForm(EnrolmentFields):
    project = ProjectChoiceField(
        label=_("Project or sales centre where you join"),
        queryset=Project.objects.select_related("city_company").order_by("name", "city_company__city"),
        empty_label=_("Choose a project"),
    )
    # People never see it (hidden by CSS, skipped by keyboard and autofill); scripts fill it in.
    website = forms.CharField(
        label=_("Leave this empty"),
        required=False,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )
    started = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["started"] = started_token()
        style_widgets(self)
        self.fields["interests"].widget.attrs.pop("class", None)
        self.looks_automated = False

    def clean_started(self) -> int:
        """When the page was shown: signed by this server, so a script cannot claim an earlier time."""
        try:
            started = signing.loads(self.cleaned_data["started"], salt=STARTED_SALT)
        except signing.BadSignature:
            self.looks_automated = True
            return 0
        if not isinstance(started, int):
            self.looks_automated = True
            return 0
        if time.time() - started > settings.CLUB_JOIN_MAX_AGE_HOURS * 3600:
            raise forms.ValidationError(_("This form was opened too long ago: please fill it in again."))
        return started

    def clean(self):
        data = super().clean()
        if data.get(HONEYPOT):
            self.looks_automated = True
        started = data.get("started")
        if started and time.time() - started < settings.CLUB_JOIN_MIN_SECONDS:
            self.looks_automated = True
        return data

    def fresh_copy(self) -> PublicJoinForm:
        """The form again, filled in as posted, with a new start time (after an expired one)."""
        data = self.data.copy()
        data["started"] = started_token()
        return PublicJoinForm(data)
