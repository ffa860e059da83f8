"""Forms of the planning pages: batches, units, readiness, slots, booking and the queue.
They parse and check input; every write goes through delivery.services.planning."""

from __future__ import annotations

import datetime
import re

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import User
from core.forms import VersionField, VersionRequiredMixin
from customers.forms import style_widgets
from properties.models import Building, Phase, Project, Unit

from ..models import AppointmentSlot, Handover, HandoverBatch, ReadinessItem
from ..services.planning import BOOKERS, NEXT_STATUS

BLANK = ("", "---------")
# Unit codes and windows may be separated by commas (also Chinese ones), semicolons or new lines.
_SEPARATORS = re.compile(r"[\s,，;；、]+")
_WINDOW = re.compile(r"^(\d{1,2}):?(\d{2})\s*[-–~至到]\s*(\d{1,2}):?(\d{2})$")


class _StyledForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_widgets(self)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


def project_staff(project: Project):
    """Active staff who may work on a handover of this project (the team, the lead, item owners)."""
    return (
        User.objects.filter(is_active=True, role__in=BOOKERS)
        .filter(Q(projects=project) | Q(city_companies=project.city_company_id) | Q(role="group_admin"))
        .distinct()
        .order_by("display_name", "username")
    )


def building_label(building: Building) -> str:
    return _("Building %(number)s") % {"number": building.number}


def parse_unit_codes(text: str) -> list[str]:
    return [code.upper() for code in _SEPARATORS.split(text or "") if code]


def units_from_codes(project: Project, text: str) -> tuple[list[Unit], list[str]]:
    """The project's units named in `text` (3-1-502 3-1-601 …) and the codes that name none."""
    codes = parse_unit_codes(text)
    units = list(Unit.objects.filter(project=project, code__in=codes).select_related("building"))
    found = {u.code.upper() for u in units}
    return units, [code for code in codes if code not in found]


class BatchFilterForm(_StyledForm):
    project = forms.ModelChoiceField(label=_("Project"), queryset=Project.objects.none(), required=False)
    status = forms.ChoiceField(
        label=_("Status"), choices=[BLANK, *HandoverBatch.Status.choices], required=False
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = Project.objects.visible_to(user).order_by("name")


class ProjectPickForm(_StyledForm):
    project = forms.ModelChoiceField(label=_("Project"), queryset=Project.objects.none())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = (
            Project.objects.visible_to(user).select_related("city_company").order_by("name")
        )


class BatchForm(VersionRequiredMixin, _StyledForm):
    """Create or edit a batch of one project. On create, units are typed codes or, when none are
    typed, every unit of the chosen buildings. An edit carries the batch's version."""

    name = forms.CharField(label=_("Name"), max_length=100)
    phase = forms.ModelChoiceField(label=_("Phase"), queryset=Phase.objects.none(), required=False)
    buildings = forms.ModelMultipleChoiceField(
        label=_("Buildings"),
        queryset=Building.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    unit_codes = forms.CharField(
        label=_("Only these units"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "3-1-502 3-1-601"}),
        help_text=_("Leave empty to take every unit of the chosen buildings."),
    )
    starts_on = forms.DateField(label=_("First handover day"), widget=DateInput())
    ends_on = forms.DateField(label=_("Last handover day"), widget=DateInput())
    site = forms.CharField(
        label=_("Site"), max_length=200, help_text=_("Where owners come, e.g. 3栋大堂交付中心")
    )
    lead = forms.ModelChoiceField(label=_("Team lead"), queryset=User.objects.none(), required=False)
    team = forms.ModelMultipleChoiceField(
        label=_("Team"), queryset=User.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    move_units = forms.BooleanField(
        label=_("Move units from other batches"),
        required=False,
        help_text=_("Units already in another batch move here, if not handed over and not booked."),
    )
    version = VersionField()

    def __init__(self, *args, project: Project, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.version_required = editing
        self.project = project
        self.fields["phase"].queryset = Phase.objects.filter(project=project).order_by("name")
        self.fields["buildings"].queryset = Building.objects.filter(project=project).order_by("number")
        self.fields["buildings"].label_from_instance = lambda b: (
            _("Building %(number)s") % {"number": b.number}
        )
        staff = project_staff(project)
        self.fields["lead"].queryset = staff
        self.fields["team"].queryset = staff
        if editing:
            del self.fields["unit_codes"]
            self.fields["move_units"].help_text = _(
                "Units of added buildings that are in another batch move here, if not handed over and not booked."
            )

    def clean(self):
        data = super().clean()
        if data.get("starts_on") and data.get("ends_on") and data["starts_on"] > data["ends_on"]:
            self.add_error("ends_on", _("The last day is before the first day."))
        phase = data.get("phase")
        if phase is not None:
            outside = [b.number for b in data.get("buildings") or () if b.phase_id != phase.pk]
            if outside:
                self.add_error(
                    "buildings",
                    _("Not in the chosen phase: %(numbers)s") % {"numbers": ", ".join(outside)},
                )
        self.units = None
        if data.get("unit_codes"):
            units, unknown = units_from_codes(self.project, data["unit_codes"])
            if unknown:
                self.add_error(
                    "unit_codes",
                    _("No such unit in this project: %(codes)s") % {"codes": ", ".join(unknown[:20])},
                )
            self.units = units
        return data

    def service_fields(self) -> dict:
        data = self.cleaned_data
        names = ("name", "phase", "buildings", "starts_on", "ends_on", "site", "lead", "team")
        return {name: data.get(name) for name in names}


class UnitsAddForm(_StyledForm):
    unit_codes = forms.CharField(
        label=_("Unit codes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "placeholder": "3-1-502 3-1-601"}),
    )
    building = forms.ModelChoiceField(
        label=_("or every unit of building"), queryset=Building.objects.none(), required=False
    )
    move = forms.BooleanField(label=_("Move units from other batches"), required=False)

    def __init__(self, *args, batch: HandoverBatch, **kwargs):
        super().__init__(*args, **kwargs)
        self.batch = batch
        self.fields["building"].queryset = Building.objects.filter(project_id=batch.project_id).order_by(
            "number"
        )
        self.fields["building"].label_from_instance = building_label

    def clean(self):
        data = super().clean()
        self.units = []
        if data.get("unit_codes"):
            units, unknown = units_from_codes(self.batch.project, data["unit_codes"])
            if unknown:
                self.add_error(
                    "unit_codes",
                    _("No such unit in this project: %(codes)s") % {"codes": ", ".join(unknown[:20])},
                )
            self.units += units
        if data.get("building"):
            self.units += list(Unit.objects.filter(building=data["building"]))
        if not self.errors and not self.units:
            self.add_error("unit_codes", _("Type unit codes or choose a building."))
        return data


class ReadinessItemForm(VersionRequiredMixin, _StyledForm):
    status = forms.ChoiceField(label=_("Status"), choices=ReadinessItem.Status.choices)
    owner = forms.ModelChoiceField(
        label=pgettext_lazy("person responsible for a task", "Owner"),
        queryset=User.objects.none(),
        required=False,
    )
    due_on = forms.DateField(label=_("Due"), required=False, widget=DateInput())
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.TextInput())
    version = VersionField()

    def __init__(self, *args, staff, staff_choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = staff
        if staff_choices is not None:
            # The page shows one form per item: render the same evaluated choices, not one query each.
            self.fields["owner"].widget.choices = staff_choices


class ReadinessItemAddForm(_StyledForm):
    title = forms.CharField(label=_("Item"), max_length=200)
    kind = forms.ChoiceField(
        label=_("Kind"), choices=ReadinessItem.Kind.choices, initial=ReadinessItem.Kind.OTHER
    )
    owner = forms.ModelChoiceField(
        label=pgettext_lazy("person responsible for a task", "Owner"),
        queryset=User.objects.none(),
        required=False,
    )
    due_on = forms.DateField(label=_("Due"), required=False, widget=DateInput())

    def __init__(self, *args, staff, staff_choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = staff
        if staff_choices is not None:
            self.fields["owner"].widget.choices = staff_choices


class SlotForm(_StyledForm):
    date = forms.DateField(label=_("Date"), widget=DateInput())
    starts_at = forms.TimeField(label=_("From"), widget=TimeInput())
    ends_at = forms.TimeField(label=_("To"), widget=TimeInput())
    capacity = forms.IntegerField(label=_("Capacity"), min_value=1, max_value=500, initial=4)


WEEKDAYS = (
    (0, _("Mon")),
    (1, _("Tue")),
    (2, _("Wed")),
    (3, _("Thu")),
    (4, _("Fri")),
    (5, _("Sat")),
    (6, _("Sun")),
)


def parse_windows(text: str) -> list[tuple[datetime.time, datetime.time]]:
    windows = []
    for part in _SEPARATORS.split((text or "").strip()):
        if not part:
            continue
        match = _WINDOW.match(part)
        if not match:
            raise forms.ValidationError(
                _("“%(part)s” is not a time window; write e.g. 09:00-10:30.") % {"part": part}
            )
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        try:
            windows.append((datetime.time(h1, m1), datetime.time(h2, m2)))
        except ValueError:
            raise forms.ValidationError(_("“%(part)s” is not a time of day.") % {"part": part}) from None
    return windows


class SlotGenerateForm(_StyledForm):
    """Days × time windows × capacity, e.g. every day of the batch, 09:00-10:30 and 14:00-15:30, 6 owners."""

    first_day = forms.DateField(label=_("From day"), widget=DateInput())
    last_day = forms.DateField(label=_("To day"), widget=DateInput())
    windows = forms.CharField(
        label=_("Time windows"),
        initial="09:00-10:30, 10:30-12:00, 14:00-15:30, 15:30-17:00",
        help_text=_("Separated by commas, e.g. 09:00-10:30, 14:00-15:30"),
    )
    capacity = forms.IntegerField(label=_("Owners per slot"), min_value=1, max_value=500, initial=6)
    weekdays = forms.TypedMultipleChoiceField(
        label=_("Weekdays"),
        choices=WEEKDAYS,
        coerce=int,
        initial=[0, 1, 2, 3, 4, 5, 6],
        widget=forms.CheckboxSelectMultiple,
    )

    def clean_windows(self):
        windows = parse_windows(self.cleaned_data["windows"])
        if not windows:
            raise forms.ValidationError(_("Give at least one time window, e.g. 09:00-10:00."))
        return windows


class SlotChoiceField(forms.ChoiceField):
    """A choice among already-evaluated slots (with their fill level); cleans to the slot."""

    def __init__(self, *args, slots=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.set_slots(slots)

    def set_slots(self, slots) -> None:
        self.slots = {str(slot.pk): slot for slot in slots}
        self.choices = [BLANK, *((str(slot.pk), slot_label(slot)) for slot in slots)]

    def clean(self, value):
        value = super().clean(value)
        return self.slots.get(str(value)) if value else None


def slot_label(slot: AppointmentSlot) -> str:
    free = slot.capacity - getattr(slot, "taken", 0)
    return _("%(date)s %(start)s–%(end)s (%(free)d of %(capacity)d free)") % {
        "date": slot.date.strftime("%Y-%m-%d"),
        "start": slot.starts_at.strftime("%H:%M"),
        "end": slot.ends_at.strftime("%H:%M"),
        "free": free,
        "capacity": slot.capacity,
    }


class BookForm(_StyledForm):
    handover = forms.ModelChoiceField(label=_("Unit"), queryset=Handover.objects.none())
    slot = SlotChoiceField(label=_("Slot"))
    note = forms.CharField(label=_("Note"), required=False, max_length=200)

    def __init__(self, *args, handovers, slots, owners: dict, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["handover"]
        field.queryset = handovers
        field.label_from_instance = lambda h: " · ".join(
            part for part in (h.unit.code, getattr(owners.get(h.unit_id), "name", "")) if part
        )
        self.fields["slot"].set_slots(slots)


class RescheduleForm(VersionRequiredMixin, _StyledForm):
    slot = SlotChoiceField(label=_("New slot"))
    version = VersionField()

    def __init__(self, *args, slots=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slot"].set_slots(slots)


class AppointmentActionForm(VersionRequiredMixin, _StyledForm):
    """Cancel or no-show: the version the user saw and, for a cancellation, why."""

    reason = forms.CharField(label=_("Reason"), required=False, max_length=150)
    version = VersionField()


class AdvanceForm(VersionRequiredMixin, forms.Form):
    to_status = forms.ChoiceField(choices=[(s, s) for s in NEXT_STATUS.values()])
    version = VersionField()


class BatchVersionForm(VersionRequiredMixin, forms.Form):
    """Opening or closing a batch: only the version the page showed."""

    version = VersionField()


class OwnerBookForm(forms.Form):
    slot = forms.TypedChoiceField(label=_("Choose a time"), coerce=int, widget=forms.RadioSelect)

    def __init__(self, *args, slots, **kwargs):
        super().__init__(*args, **kwargs)
        self.slots = {slot.pk: slot for slot in slots}
        self.fields["slot"].choices = [
            (
                slot.pk,
                _("%(date)s %(start)s–%(end)s")
                % {
                    "date": slot.date.strftime("%Y-%m-%d"),
                    "start": slot.starts_at.strftime("%H:%M"),
                    "end": slot.ends_at.strftime("%H:%M"),
                },
            )
            for slot in slots
        ]

    def clean_slot(self):
        return self.slots[self.cleaned_data["slot"]]
