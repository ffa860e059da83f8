"""Forms of the staff pages. They parse and check input; every write goes through customers.services."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import fields_for_model
from django.utils.translation import gettext_lazy as _

from accounts.models import PersonalField, RevealReason
from core.forms import VersionField, VersionRequiredMixin
from core.validators import validate_single_line_text
from properties import selectors as property_selectors
from properties.models import CityCompany, Project

from .models import AcquisitionChannel, Customer, HouseholdRole, IdType, Stage, ValueClass
from .services import CUSTOMER_FIELDS
from .validators import normalize_mobile, validate_mobile

PHONE_SLOTS = 3


def style_widgets(form: forms.Form) -> None:
    """Bootstrap classes on every widget, so that templates render fields with a plain {{ field }}."""
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.HiddenInput):
            continue
        if isinstance(widget, forms.CheckboxInput):
            css = "form-check-input"
        elif isinstance(widget, forms.Select):
            css = "form-select"
        else:
            css = "form-control"
        widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


def add_service_errors(form: forms.Form, error: ValidationError, field_aliases: dict | None = None) -> None:
    """Put a service's ValidationError on the form: dict keys on their fields, the rest on top."""
    field_aliases = field_aliases or {}
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            field = field_aliases.get(field, field)
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


class CustomerListFilterForm(forms.Form):
    """The filters above the customer list; choices are limited to what the user may see."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        validators=[validate_single_line_text],
        widget=forms.TextInput(attrs={"placeholder": _("name, phone, last 4 digits, unit")}),
    )
    city_company = forms.TypedChoiceField(
        label=_("City company"), coerce=int, required=False, empty_value=None
    )
    project = forms.TypedChoiceField(label=_("Project"), coerce=int, required=False, empty_value=None)
    stage = forms.ChoiceField(label=_("Stage"), choices=[("", "---------"), *Stage.choices], required=False)
    acquisition_channel = forms.ChoiceField(
        label=_("Acquisition channel"),
        choices=[("", "---------"), *AcquisitionChannel.choices],
        required=False,
    )
    value_class = forms.ChoiceField(
        label=_("Value class"), choices=[("", "---------"), *ValueClass.choices], required=False
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # From the cached reference data: showing and checking the choices costs no query.
        self.fields["city_company"].choices = [
            ("", "---------"),
            *property_selectors.visible_city_companies(user),
        ]
        self.fields["project"].choices = [("", "---------"), *property_selectors.visible_projects(user)]
        style_widgets(self)

    def selector_filters(self) -> dict:
        data = self.cleaned_data
        return {
            "q": data.get("q", "").strip(),
            "city_company": data.get("city_company"),
            "project": data.get("project"),
            "stage": data.get("stage") or None,
            "acquisition_channel": data.get("acquisition_channel") or None,
            "value_class": data.get("value_class") or None,
        }


class CustomerForm(VersionRequiredMixin, forms.Form):
    """Create or edit a customer. Clear phones and ID numbers are never put back into the page:

    on edit, the ID number and each phone slot start empty and show the masked value as a
    placeholder; left empty they keep the stored value. An edit carries the customer's version.
    """

    version = VersionField()

    def __init__(self, *args, user, customer: Customer | None = None, **kwargs):
        self.customer = customer
        self.version_required = customer is not None
        self.existing_phones = list(customer.phones.all()) if customer else []
        super().__init__(*args, **kwargs)
        model_fields = fields_for_model(Customer, fields=CUSTOMER_FIELDS)
        for name in CUSTOMER_FIELDS:
            self.fields[name] = model_fields[name]
        self.fields["city_company"].queryset = CityCompany.objects.visible_to(user).order_by("name")
        self.fields["city_company"].required = False
        self.fields["city_company"].help_text = _("Taken from the project when left empty.")
        self.fields["registered_project"].queryset = Project.objects.visible_to(user).select_related(
            "city_company"
        )
        # A referrer is picked by customer number: a select of every customer would not scale.
        self.fields["referrer"] = forms.ModelChoiceField(
            label=_("Referred by (customer no.)"),
            queryset=Customer.objects.visible_to(user),
            required=False,
            widget=forms.NumberInput(attrs={"min": 1}),
            help_text=_("The number shown on the referrer's customer page."),
        )
        self.fields["birth_date"].widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        self.fields["deceased_on"].widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        self.fields["deceased_on"].help_text = _(
            "Recorded when the family tells us: no more surveys or mailings."
        )
        self.fields["notes"].widget = forms.Textarea(attrs={"rows": 3})
        self.fields["id_number"].widget.attrs["autocomplete"] = "off"
        for slot in range(PHONE_SLOTS):
            field = forms.CharField(
                label=_("Mobile %(n)s") % {"n": slot + 1} if slot else _("Primary mobile"),
                required=False,
                max_length=20,
                widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
            )
            if slot < len(self.existing_phones):
                field.widget.attrs["placeholder"] = self.existing_phones[slot].masked
                field.help_text = _("Leave empty to keep.")
                self.fields[f"remove_phone_{slot}"] = forms.BooleanField(label=_("Remove"), required=False)
            self.fields[f"phone_{slot}"] = field
        if customer is not None:
            self.fields["id_number"].widget.attrs["placeholder"] = customer.id_number_masked
            self.fields["id_number"].help_text = _("Leave empty to keep the stored number.")
            self.fields["referrer"].queryset = self.fields["referrer"].queryset.exclude(pk=customer.pk)
        style_widgets(self)

    def phone_rows(self):
        """(input, remove checkbox or None) per slot, for the template."""
        return [
            (
                self[f"phone_{slot}"],
                self[f"remove_phone_{slot}"] if f"remove_phone_{slot}" in self.fields else None,
            )
            for slot in range(PHONE_SLOTS)
        ]

    def identity_fields(self):
        return [
            self[name] for name in ("name", "gender", "birth_date", "id_type", "id_number", "nationality")
        ]

    def profile_fields(self):
        return [self[name] for name in ("employer", "education", "address", "email", "preferred_channel")]

    def origin_fields(self):
        return [
            self[name]
            for name in (
                "city_company",
                "registered_project",
                "acquisition_channel",
                "referrer",
                "deceased_on",
                "notes",
            )
        ]

    def _clean_phone_slot(self, slot: int) -> str:
        number = normalize_mobile(self.cleaned_data.get(f"phone_{slot}", ""))
        if number:
            try:
                validate_mobile(number)
            except ValidationError as error:
                self.add_error(f"phone_{slot}", error)
        return number

    def clean(self):
        data = super().clean()
        for slot in range(PHONE_SLOTS):
            data[f"phone_{slot}"] = self._clean_phone_slot(slot)
        return data

    def phones(self) -> list[str] | None:
        """The phone list for the service, or None on edit when nothing about the phones changed."""
        numbers, changed = [], False
        for slot in range(PHONE_SLOTS):
            typed = self.cleaned_data.get(f"phone_{slot}")
            existing = self.existing_phones[slot].number if slot < len(self.existing_phones) else None
            if self.cleaned_data.get(f"remove_phone_{slot}"):
                changed = True
                continue
            if typed:
                changed = changed or typed != existing
                numbers.append(typed)
            elif existing:
                numbers.append(existing)
        return numbers if (changed or self.customer is None) else None

    def customer_fields(self) -> dict:
        fields = {name: self.cleaned_data.get(name) for name in CUSTOMER_FIELDS}
        for name in ("gender", "id_type", "education", "acquisition_channel", "id_number"):
            fields[name] = fields[name] or ""
        if self.customer is not None and not fields["id_number"]:
            del fields["id_number"]  # empty keeps the stored number
        if fields.get("id_number") == "":
            fields["id_number"] = None
        return fields


DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class StyledForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_widgets(self)


class SearchForm(forms.Form):
    """The global search box. It is posted, never sent as `?q=`: a phone or ID number in a URL ends up
    in every web-server and proxy log on the way."""

    q = forms.CharField(max_length=100, validators=[validate_single_line_text])


class RevealForm(StyledForm):
    """A purpose from the list and a written detail; accounts.services.personal_data_reveal checks both."""

    field = forms.ChoiceField(choices=PersonalField.choices, widget=forms.HiddenInput)
    reason_code = forms.ChoiceField(
        label=_("Purpose"), choices=[("", _("Purpose…")), *RevealReason.choices], required=False
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("Details, e.g. owner called about the leak")}),
    )


class CustomerMergeForm(forms.Form):
    """The merge confirmation: the versions of both records as the user saw them."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    duplicate_version = forms.IntegerField(widget=forms.HiddenInput)


class HouseholdMemberAddForm(StyledForm):
    unit_code = forms.CharField(
        label=_("Unit"),
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": _("project and unit, e.g. 四季花城 3-1-502")}),
    )
    role = forms.ChoiceField(label=_("Role"), choices=HouseholdRole.choices)
    since = forms.DateField(
        label=_("Since"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )


class HouseholdLinkForm(StyledForm):
    """关联客户: a supervisor names a person recorded elsewhere by their ID number and a unit of theirs."""

    unit_code = forms.CharField(
        label=_("Unit"),
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": _("project and unit, e.g. 四季花城 3-1-502")}),
    )
    id_type = forms.ChoiceField(
        label=_("ID document type"), choices=IdType.choices, initial=IdType.RESIDENT_ID
    )
    id_number = forms.CharField(
        label=_("ID number"), max_length=40, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    role = forms.ChoiceField(label=_("Role"), choices=HouseholdRole.choices)
    since = forms.DateField(label=_("Since"), required=False, widget=DATE_WIDGET)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=200,
        help_text=_("Logged with your name: why this person joins the household."),
    )


class ContractCreateForm(StyledForm):
    unit_code = forms.CharField(
        label=_("Unit"),
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": _("project and unit, e.g. 四季花城 3-1-502")}),
    )
    number = forms.CharField(label=_("Contract number"), max_length=40)
    price = forms.DecimalField(label=_("Price (CNY)"), max_digits=14, decimal_places=2, min_value=0)
    subscribed_on = forms.DateField(label=_("Subscription date (认购)"), required=False, widget=DATE_WIDGET)
    signed_on = forms.DateField(label=_("Signing date"), required=False, widget=DATE_WIDGET)
    contractual_handover_on = forms.DateField(
        label=_("Contractual handover date"), required=False, widget=DATE_WIDGET
    )
    handed_over_on = forms.DateField(label=_("Actual handover date"), required=False, widget=DATE_WIDGET)

    def contract_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.fields if name != "unit_code"}
