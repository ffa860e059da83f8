"""Forms of the rectification pages: list filters, issuing orders, each defect action, the
re-inspection, statistics. They parse and check input; every write goes through
delivery.services.rectification."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import Contractor, Department, Role
from complaints.forms import MultipleFileField
from complaints.models import RootCause
from core.forms import VersionField, VersionRequiredMixin
from customers.forms import style_widgets
from properties.models import Building, Project

from ..models import Defect, DefectPhoto, DefectSeverity, RectificationOrder, RoomType, Trade
from ..selectors.rectification import OPEN, RECORDED

BLANK = ("", "---------")
DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _check_range(form: forms.Form, first: str, last: str) -> None:
    """A from–to pair of dates in order (else the `last` field's error)."""
    data = form.cleaned_data
    if data.get(first) and data.get(last) and data[first] > data[last]:
        form.add_error(last, _("The end of the period is before its start."))


class _StyledForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_widgets(self)


def _photos_field(required: bool = False, label=None) -> MultipleFileField:
    return MultipleFileField(
        label=label or _("Photos"),
        required=required,
        help_text=_("JPEG, PNG or WebP, up to 10 MB each, at most 10."),
        widget=_PhotoInput(),
    )


class _PhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True

    def __init__(self, attrs=None):
        # On a tablet "capture" opens the camera; on a laptop it is a file picker.
        super().__init__({"accept": "image/*", "multiple": True, **(attrs or {})})


# --- lists -------------------------------------------------------------------------------------------


class DefectFilterForm(_StyledForm):
    """The filters above the defect list (and of its Excel export); choices limited to the user's scope."""

    project = forms.ModelChoiceField(label=_("Project"), queryset=Project.objects.none(), required=False)
    building = forms.ModelChoiceField(label=_("Building"), queryset=Building.objects.none(), required=False)
    unit = forms.CharField(
        label=_("Unit"),
        required=False,
        max_length=50,
        widget=forms.TextInput(attrs={"placeholder": "3-1-502"}),
    )
    trade = forms.ChoiceField(label=_("Trade"), choices=[BLANK, *Trade.choices], required=False)
    severity = forms.ChoiceField(
        label=_("Severity"), choices=[BLANK, *DefectSeverity.choices], required=False
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[BLANK, (OPEN, _("All open")), (RECORDED, _("All but cancelled")), *Defect.Status.choices],
        required=False,
    )
    contractor = forms.ModelChoiceField(
        label=_("Contractor"), queryset=Contractor.objects.none(), required=False
    )
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    # The dashboards' drill-down: a city company, where the defect was recorded, found or fixed when.
    city = forms.IntegerField(label=_("City company"), required=False, min_value=1, widget=forms.HiddenInput)
    stage = forms.ChoiceField(
        label=_("Recorded"),
        choices=[BLANK, ("handover", _("At the handover")), ("warranty", _("After the handover (warranty)"))],
        required=False,
    )
    found_from = forms.DateField(label=_("Found from"), required=False, widget=DATE_INPUT)
    found_to = forms.DateField(label=_("Found until"), required=False, widget=DATE_INPUT)
    fixed_from = forms.DateField(label=_("Fixed from"), required=False, widget=DATE_INPUT)
    fixed_to = forms.DateField(label=_("Fixed until"), required=False, widget=DATE_INPUT)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.visible_to(user).order_by("name")
        self.fields["building"].queryset = (
            Building.objects.visible_to(user).select_related("project").order_by("project__name", "number")
        )
        if user.role == Role.CONTRACTOR:
            del self.fields["contractor"]  # a contractor sees only their own anyway
        else:
            self.fields["contractor"].queryset = Contractor.objects.filter(is_active=True)

    def clean(self):
        data = super().clean()
        _check_range(self, "found_from", "found_to")
        _check_range(self, "fixed_from", "fixed_to")
        return data

    def selector_filters(self) -> dict:
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "", False)}


class OrderFilterForm(_StyledForm):
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[(OPEN, _("Not closed")), ("all", _("All")), *RectificationOrder.Status.choices],
        required=False,
    )
    project = forms.ModelChoiceField(label=_("Project"), queryset=Project.objects.none(), required=False)
    # The dashboards' drill-down: a city company, the orders due in a period, those done by their due time.
    city = forms.IntegerField(label=_("City company"), required=False, min_value=1, widget=forms.HiddenInput)
    due_from = forms.DateField(label=_("Due from"), required=False, widget=DATE_INPUT)
    due_to = forms.DateField(label=_("Due until"), required=False, widget=DATE_INPUT)
    deadline = forms.ChoiceField(
        label=_("Deadline"), choices=[BLANK, ("met", _("Done by the due time"))], required=False
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.visible_to(user).order_by("name")
        if user.role == Role.CONTRACTOR:
            del self.fields["project"]
            del self.fields["city"]

    def clean(self):
        data = super().clean()
        _check_range(self, "due_from", "due_to")
        return data

    def selector_filters(self) -> dict:
        filters = {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}
        status = filters.get("status") or OPEN
        filters["status"] = "" if status == "all" else status
        return filters


class IssueOrdersForm(_StyledForm):
    """整改单 from the defects ticked on the list."""

    defects = forms.ModelMultipleChoiceField(queryset=Defect.objects.none())
    contractor = forms.ModelChoiceField(
        label=_("Contractor for defects without one"),
        queryset=Contractor.objects.filter(is_active=True),
        required=False,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["defects"].queryset = Defect.objects.visible_to(user)
        self.fields["defects"].error_messages["required"] = _("Tick the defects to issue.")


# --- actions on a defect ---------------------------------------------------------------------------


class VersionedForm(VersionRequiredMixin, _StyledForm):
    """Every action carries the version the user saw: a stale page is a conflict, not an overwrite,
    and a post without one is refused (core.forms.VersionRequiredMixin)."""

    version = VersionField()


class ProgressForm(VersionedForm):
    note = forms.CharField(
        label=_("What was done"), required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )
    photos = _photos_field(label=_("Work photos"))


class FixedForm(VersionedForm):
    photos = _photos_field(required=True, label=_("Photos of the result"))
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["photos"].error_messages["required"] = _("Add at least one photo of the fixed defect.")


class CorrectForm(VersionedForm):
    """What was recorded, to put right before the order goes out (services.defect_correct)."""

    room = forms.ChoiceField(label=_("Room"), choices=RoomType.choices)
    location = forms.CharField(label=_("Location"), required=False, max_length=200)
    trade = forms.ChoiceField(label=_("Trade"), choices=Trade.choices)
    severity = forms.ChoiceField(label=_("Severity"), choices=DefectSeverity.choices)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}))
    contractor = forms.ModelChoiceField(
        label=_("Contractor"), queryset=Contractor.objects.filter(is_active=True), required=False
    )


class NoteForm(VersionedForm):
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ReasonForm(VersionedForm):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class OwnerAcceptForm(VersionedForm):
    note = forms.CharField(label=_("Owner's comment"), required=False, max_length=2000)
    photos = _photos_field()


class OwnerRejectForm(VersionedForm):
    reason = forms.CharField(
        label=_("Why the owner does not accept"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )
    photos = _photos_field()


class PhotosForm(VersionedForm):
    stage = forms.ChoiceField(
        label=pgettext_lazy("when a defect photo was taken", "Stage"),
        choices=[
            (DefectPhoto.Stage.FOUND, DefectPhoto.Stage.FOUND.label),
            (DefectPhoto.Stage.REINSPECTION, DefectPhoto.Stage.REINSPECTION.label),
        ],
    )
    photos = _photos_field(required=True)


class ConfirmForm(VersionedForm):
    version_required = False  # opening the repair request is idempotent: a defect links one at most


# --- after handover, statistics --------------------------------------------------------------------------


class AfterHandoverDefectForm(_StyledForm):
    """A defect the owner reports after moving in (保修期内报修)."""

    room = forms.ChoiceField(label=_("Room"), choices=RoomType.choices)
    location = forms.CharField(label=_("Location"), required=False, max_length=200)
    trade = forms.ChoiceField(label=_("Trade"), choices=Trade.choices)
    severity = forms.ChoiceField(
        label=_("Severity"), choices=DefectSeverity.choices, initial=DefectSeverity.NORMAL
    )
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}))
    contractor = forms.ModelChoiceField(
        label=_("Contractor responsible"), queryset=Contractor.objects.filter(is_active=True), required=False
    )
    photos = _photos_field()
    to_complaint = forms.BooleanField(
        label=_("Also open a repair request (报修) for the owner"), required=False, initial=True
    )


class StatsFilterForm(_StyledForm):
    project = forms.ModelChoiceField(label=_("Project"), queryset=Project.objects.none(), required=False)
    found_from = forms.DateField(
        label=_("Found from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    found_to = forms.DateField(
        label=_("Found to"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.visible_to(user).order_by("name")

    def clean(self):
        data = super().clean()
        if data.get("found_from") and data.get("found_to") and data["found_from"] > data["found_to"]:
            self.add_error("found_to", _("The end is before the start."))
        return data


class StatsImprovementForm(_StyledForm):
    """缺陷反馈: an improvement item drawn from a row of the statistics."""

    title = forms.CharField(label=_("Title"), max_length=200)
    department = forms.ChoiceField(label=_("Department"), choices=Department.choices, initial="engineering")
    root_cause = forms.ChoiceField(
        label=_("Root cause"), choices=[BLANK, *RootCause.choices], required=False, initial="construction"
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    project = forms.ModelChoiceField(label=_("Project"), queryset=Project.objects.none(), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.visible_to(user)


class IssueOneForm(VersionedForm):
    version_required = False  # the service issues only open defects outside an order: a retry is refused
    contractor = forms.ModelChoiceField(
        label=_("Contractor"),
        queryset=Contractor.objects.filter(is_active=True),
        required=False,
        help_text=_("Needed when the defect has no contractor yet."),
    )
