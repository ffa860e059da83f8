"""Forms of the club's growth pages: referrals and the board's period, purchase intentions, events,
registration and the check-in desk. Choices are limited to what the user may see."""

from __future__ import annotations

import datetime
import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.validators import validate_single_line_text
from customers.forms import StyledForm, style_widgets
from customers.models import RfmSegment, ValueClass
from customers.validators import normalize_mobile, validate_mobile
from properties import selectors as property_selectors
from properties.models import CityCompany, Project

from ..models import Event, Interest, Member, PurchaseIntention, Referral, Tier
from ..selectors.growth import FIGURES, projects_taking_intentions
from ..services.events import MAX_GUESTS

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME_WIDGET = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]


class ProjectChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, project: Project) -> str:
        return f"{project.name}（{project.city_company.city}）"


def _projects_in_scope(user):
    return Project.objects.visible_to(user).select_related("city_company").order_by("name", "pk")


class MemberLookupField(forms.CharField):
    """A member by their member number or mobile number, among the members the form allows."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 20)
        kwargs.setdefault("help_text", _("Member number or mobile number."))
        super().__init__(*args, **kwargs)
        self.members = Member.objects.none()

    def clean(self, value):
        text = super().clean(value).strip()
        phone = normalize_mobile(text)
        member = (
            self.members.active().filter(phone=phone).first()
            if re.fullmatch(r"1\d{10}", phone)
            else self.members.active().filter(number=text.upper()).first()
        )
        if member is None:
            raise ValidationError(_("No active club member with this number that you can see."))
        return member


# --- referrals ---------------------------------------------------------------------------------------


class ReferralForm(StyledForm):
    referrer = MemberLookupField(label=_("Referring member"))
    friend_name = forms.CharField(
        label=_("Friend's name"), max_length=50, validators=[validate_single_line_text]
    )
    friend_phone = forms.CharField(
        label=_("Friend's mobile number"), max_length=20, widget=forms.TextInput(attrs={"inputmode": "tel"})
    )
    friend_id_number = forms.CharField(
        label=_("Friend's ID number (optional)"),
        max_length=40,
        required=False,
        help_text=_("Matches the friend's contract even if they sign with another phone."),
    )
    project = ProjectChoiceField(label=_("Project of interest"), queryset=Project.objects.none())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = _projects_in_scope(user)
        self.fields["referrer"].members = Member.objects.visible_to(user)

    def clean_friend_phone(self) -> str:
        number = normalize_mobile(self.cleaned_data["friend_phone"])
        validate_mobile(number)
        return number


class ReferralListFilterForm(StyledForm):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All"))] + list(Referral.Status.choices)
    )
    project = forms.TypedChoiceField(label=_("Project"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].choices = [("", _("All projects"))] + [
            (project.pk, project.name) for project in _projects_in_scope(user)
        ]


class BoardPeriodForm(StyledForm):
    """The board's period (signing dates, inclusive); by default the last twelve months."""

    date_from = forms.DateField(label=_("Signed from"), required=False, widget=DATE_WIDGET)
    date_to = forms.DateField(label=_("Signed until"), required=False, widget=DATE_WIDGET)

    def clean(self):
        data = super().clean()
        today = timezone.localdate()
        data["date_to"] = data.get("date_to") or today
        data["date_from"] = data.get("date_from") or data["date_to"] - datetime.timedelta(days=365)
        if data["date_from"] > data["date_to"]:
            raise ValidationError({"date_to": _("The end of the period is before its start.")})
        return data

    @staticmethod
    def default_period() -> tuple[datetime.date, datetime.date]:
        today = timezone.localdate()
        return today - datetime.timedelta(days=365), today


class BoardListForm(BoardPeriodForm):
    figure = forms.ChoiceField(choices=[(figure, figure) for figure in FIGURES], required=False)
    project = forms.IntegerField(required=False, min_value=1)
    city = forms.IntegerField(required=False, min_value=1)


# --- purchase intentions -----------------------------------------------------------------------------


class IntentionForm(StyledForm):
    name = forms.CharField(label=_("Name"), max_length=50, validators=[validate_single_line_text])
    phone = forms.CharField(
        label=_("Mobile number"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    unit_type = forms.ChoiceField(label=_("Unit type"), choices=PurchaseIntention.UnitType.choices)
    budget_10k = forms.IntegerField(
        label=_("Budget (×10k yuan, optional)"), required=False, min_value=1, max_value=100000
    )
    notes = forms.CharField(
        label=_("Notes (optional)"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean_phone(self) -> str:
        number = normalize_mobile(self.cleaned_data["phone"])
        validate_mobile(number)
        return number


class StaffIntentionForm(IntentionForm):
    project = ProjectChoiceField(label=_("Project"), queryset=Project.objects.none())
    field_order = ["project"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        upcoming = projects_taking_intentions().values("pk")
        self.fields["project"].queryset = _projects_in_scope(user).filter(pk__in=upcoming)


class PublicIntentionForm(IntentionForm):
    # A field people never see (hidden by CSS, not by type=hidden): a form that fills it is a bot's.
    website = forms.CharField(required=False, max_length=200, label=_("Leave this empty"))
    consent = forms.BooleanField(
        label=_("I agree that the sales team may call me about this project."),
        error_messages={"required": _("Please agree so that we may call you.")},
    )

    def is_bot(self) -> bool:
        return bool(self.data.get("website"))


class IntentionFilterForm(StyledForm):
    project = forms.TypedChoiceField(label=_("Project"), required=False, coerce=int, empty_value=None)
    unit_type = forms.ChoiceField(
        label=_("Unit type"),
        required=False,
        choices=[("", _("All"))] + list(PurchaseIntention.UnitType.choices),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].choices = [("", _("All projects"))] + [
            (project.pk, project.name) for project in _projects_in_scope(user)
        ]


# --- events ------------------------------------------------------------------------------------------


class EventForm(forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = Event
        fields = [
            "title",
            "kind",
            "description",
            "city_company",
            "project",
            "place",
            "starts_at",
            "ends_at",
            "capacity",
            "registration_closes_at",
            "attendance_points",
            "status",
        ]
        widgets = {
            "starts_at": DATETIME_WIDGET,
            "ends_at": DATETIME_WIDGET,
            "registration_closes_at": DATETIME_WIDGET,
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        scope = user.scope
        cities = CityCompany.objects.order_by("name")
        if not scope.is_unrestricted:
            project_cities = Project.objects.filter(pk__in=scope.project_ids).values("city_company_id")
            cities = cities.filter(pk__in=set(scope.city_company_ids)) | cities.filter(pk__in=project_cities)
        self.fields["city_company"].queryset = cities
        self.fields["project"].queryset = _projects_in_scope(user)
        for name in ("starts_at", "ends_at", "registration_closes_at"):
            self.fields[name].input_formats = DATETIME_FORMATS
        self.fields["capacity"].min_value = 1
        self.fields["capacity"].widget.attrs["min"] = 1
        style_widgets(self)

    def event_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


class StaffRegistrationForm(StyledForm):
    member = MemberLookupField(label=_("Member"))
    guests = forms.IntegerField(label=_("Accompanying guests"), min_value=0, max_value=MAX_GUESTS, initial=0)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].members = Member.objects.visible_to(user)


class InviteLinkForm(StyledForm):
    member = MemberLookupField(label=_("Member"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].members = Member.objects.visible_to(user)


class MemberRegistrationForm(StyledForm):
    guests = forms.IntegerField(label=_("Accompanying guests"), min_value=0, max_value=MAX_GUESTS, initial=0)


class CheckInSearchForm(StyledForm):
    """The door: the last 4 digits of a phone, or the code (or the scanned address) of a confirmation."""

    q = forms.CharField(
        label=_("Last 4 digits of the phone, or the confirmation code"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autofocus": True, "inputmode": "search"}),
    )

    def clean_q(self) -> dict:
        text = self.cleaned_data["q"].strip()
        if re.fullmatch(r"\d{4}", text):
            return {"phone_tail": text}
        # A scanned QR code carries the confirmation page's address; its last part is the token.
        match = re.search(r"/club/r/([A-Za-z0-9_-]{16,40})/?$", text) or re.fullmatch(
            r"([A-Za-z0-9_-]{16,40})", text
        )
        if match:
            return {"token": match.group(1)}
        raise ValidationError(_("Enter the last 4 digits of the phone, or scan the confirmation's QR code."))


class InvitationAudienceForm(forms.Form):
    """Whom to invite to an event by message: the member list's filters (all optional: everyone in
    scope with marketing consent)."""

    city_company = forms.TypedChoiceField(
        label=_("City company"), coerce=int, required=False, empty_value=None
    )
    project = forms.TypedChoiceField(label=_("Project"), coerce=int, required=False, empty_value=None)
    tier = forms.ChoiceField(label=_("Tier"), choices=[("", "---------"), *Tier.choices], required=False)
    value_class = forms.ChoiceField(
        label=_("Value class"), choices=[("", "---------"), *ValueClass.choices], required=False
    )
    rfm_segment = forms.ChoiceField(
        label=_("RFM segment"), choices=[("", "---------"), *RfmSegment.choices], required=False
    )
    interests = forms.MultipleChoiceField(
        label=_("Interests"),
        choices=Interest.choices,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 3}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        empty = ("", "---------")
        self.fields["city_company"].choices = [empty, *property_selectors.visible_city_companies(user)]
        self.fields["project"].choices = [empty, *property_selectors.visible_projects(user)]
        style_widgets(self)
