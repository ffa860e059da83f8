"""Forms of the inspection tablet and the sign-off page. They parse input; delivery.services.inspection
and delivery.services.defects decide and write."""

from __future__ import annotations

import base64
import binascii
from decimal import ROUND_HALF_UP, Decimal

from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.translation import gettext_lazy as _

from accounts.models import Contractor
from core.forms import VersionField, VersionRequiredMixin
from customers.forms import style_widgets
from properties.forms import PlaceFilterForm

from ..models import (
    ChecklistItem,
    ChecklistTemplate,
    DefectSeverity,
    Inspection,
    InspectionCheck,
    RoomType,
    Trade,
)
from ..services.inspection import MAX_KEYS, MAX_SIGNATURE_BYTES, HandoverDocument

BLANK = ("", "---------")
PNG_DATA_URL = "data:image/png;base64,"
PIN_PLACES = Decimal("0.0001")


class _StyledForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_widgets(self)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several photos in one input; size and type are checked by defects.validate_photo."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []


def contractors_working_on(project_id: int):
    """The companies a defect of the project may go to (the service refuses the others)."""
    return Contractor.objects.working_on(project_id).order_by("name")


class InspectionStartForm(_StyledForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=Inspection.Kind.choices)
    template = forms.ModelChoiceField(
        label=_("Checklist"),
        queryset=ChecklistTemplate.objects.filter(is_active=True),
        required=False,
        empty_label=_("Standard checklist"),
    )


class CheckForm(forms.Form):
    """One tap on a checklist line. The line must be on the inspection's checklist."""

    item = forms.ModelChoiceField(queryset=ChecklistItem.objects.none())
    result = forms.ChoiceField(choices=InspectionCheck.Result.choices)

    def __init__(self, *args, inspection: Inspection, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = ChecklistItem.objects.filter(template_id=inspection.template_id)
        self.fields["item"].error_messages["invalid_choice"] = _(
            "This line is not on the inspection's checklist."
        )


class PinField(forms.DecimalField):
    """A fraction of the floor plan's width or height; the tablet's many decimals are rounded to 4."""

    def __init__(self, **kwargs):
        super().__init__(min_value=0, max_value=1, required=False, **kwargs)

    def to_python(self, value):
        value = super().to_python(value)
        return None if value is None else value.quantize(PIN_PLACES, rounding=ROUND_HALF_UP)


class InspectionDefectForm(_StyledForm):
    """A defect found on the walk. `client_uuid` is made by the tablet so that a retry finds it."""

    client_uuid = forms.UUIDField(required=False, widget=forms.HiddenInput)
    checklist_item = forms.ModelChoiceField(
        queryset=ChecklistItem.objects.none(), required=False, widget=forms.HiddenInput
    )
    room = forms.ChoiceField(label=_("Room"), choices=RoomType.choices)
    location = forms.CharField(
        label=_("Location"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("e.g. 主卧北墙窗下")}),
    )
    pin_x = PinField(widget=forms.HiddenInput)
    pin_y = PinField(widget=forms.HiddenInput)
    trade = forms.ChoiceField(label=_("Trade"), choices=Trade.choices)
    severity = forms.ChoiceField(
        label=_("Severity"), choices=DefectSeverity.choices, initial=DefectSeverity.NORMAL
    )
    description = forms.CharField(
        label=_("Description"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    contractor = forms.ModelChoiceField(
        label=_("Contractor responsible"), queryset=Contractor.objects.none(), required=False
    )
    photos = MultipleFileField(
        label=_("Photos"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": "image/*", "capture": "environment"}),
    )

    def __init__(self, *args, inspection: Inspection, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["checklist_item"].queryset = ChecklistItem.objects.filter(
            template_id=inspection.template_id
        )
        self.fields["contractor"].queryset = contractors_working_on(inspection.handover.project_id)

    def clean(self):
        data = super().clean()
        if (data.get("pin_x") is None) != (data.get("pin_y") is None):
            self.add_error("pin_x", _("A pin needs both coordinates."))
        return data

    def service_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "room": data["room"],
            "trade": data["trade"],
            "severity": data["severity"],
            "description": data["description"].strip(),
            "location": data.get("location", "").strip(),
            "contractor": data.get("contractor"),
            "pin_x": data.get("pin_x"),
            "pin_y": data.get("pin_y"),
            "photos": data.get("photos") or [],
            "client_uuid": data.get("client_uuid"),
            "checklist_item": data.get("checklist_item"),
        }


class SignOffForm(VersionRequiredMixin, _StyledForm):
    """交房. The signature comes from the tablet's canvas as a PNG data URL, or as an uploaded PNG."""

    documents_handed = forms.MultipleChoiceField(
        label=_("Documents handed over"),
        choices=HandoverDocument.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    water_meter = forms.DecimalField(
        label=_("Water meter (m³)"), min_value=0, max_digits=10, decimal_places=2
    )
    electricity_meter = forms.DecimalField(
        label=_("Electricity meter (kWh)"), min_value=0, max_digits=10, decimal_places=2
    )
    gas_meter = forms.DecimalField(
        label=_("Gas meter (m³)"),
        min_value=0,
        max_digits=10,
        decimal_places=2,
        required=False,
        help_text=_("Leave empty when the unit has no gas."),
    )
    keys_handed = forms.IntegerField(label=_("Keys handed over"), min_value=1, max_value=MAX_KEYS)
    signed_by_name = forms.CharField(label=_("Signed by"), max_length=50)
    signature_data = forms.CharField(required=False, widget=forms.HiddenInput)
    signature = forms.FileField(label=_("Owner's signature"), required=False)
    override_reason = forms.CharField(
        label=_("Reason for handing over with blocking defects"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    version = VersionField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("water_meter", "electricity_meter", "gas_meter"):
            self.fields[name].widget.attrs.update(inputmode="decimal", step="0.01")
        self.fields["keys_handed"].widget.attrs["inputmode"] = "numeric"
        self.fields["documents_handed"].widget.attrs["class"] = "form-check-input"

    def clean(self):
        data = super().clean()
        upload = data.get("signature")
        drawn = (data.get("signature_data") or "").strip()
        if upload is None and drawn:
            upload = self._from_data_url(drawn)
        if upload is None and "signature" not in self.errors:
            self.add_error("signature", _("The owner must sign."))
        data["signature"] = upload
        return data

    def _from_data_url(self, drawn: str):
        if not drawn.startswith(PNG_DATA_URL):
            self.add_error("signature", _("The signature must be a PNG image."))
            return None
        encoded = drawn.removeprefix(PNG_DATA_URL)
        if len(encoded) > MAX_SIGNATURE_BYTES * 4 // 3 + 4:
            self.add_error("signature", _("The signature image is larger than 2 MB."))
            return None
        try:
            content = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            self.add_error("signature", _("The signature could not be read; sign again."))
            return None
        return SimpleUploadedFile("signature.png", content, content_type="image/png")

    def service_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "documents_handed": data.get("documents_handed") or [],
            "water_meter": data["water_meter"],
            "electricity_meter": data["electricity_meter"],
            "gas_meter": data.get("gas_meter"),
            "keys_handed": data["keys_handed"],
            "signature": data["signature"],
            "signed_by_name": data["signed_by_name"],
            "override_reason": data.get("override_reason") or "",
            "version": data.get("version"),
        }


# --- the list of formal handover inspections (the dashboards' first-time pass) ------------------------


class FormalInspectionFilterForm(PlaceFilterForm):
    completed_from = forms.DateField(
        label=_("Completed from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    completed_to = forms.DateField(
        label=_("Completed until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    passed_first_time = forms.TypedChoiceField(
        label=_("Result"),
        choices=[BLANK, ("1", _("Passed the first time")), ("0", _("Defects found"))],
        coerce=lambda value: value == "1",
        empty_value=None,
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_widgets(self)

    def clean(self):
        data = super().clean()
        self.check_range("completed_from", "completed_to")
        return data
