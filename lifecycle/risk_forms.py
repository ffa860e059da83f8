"""The risk page's forms: a red-line item (add, edit with its version, a photo), a buyer's signed
acknowledgement of a disclosure version, a risk checkpoint (plan, edit with its version) and its
follow-up actions. They check the input; the rules (scope, roles, versions) are the services'."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import VersionField, VersionRequiredMixin
from customers.forms import style_widgets
from customers.models import Contract

from .forms import project_staff
from .models import Disclosure, RedLineItem, RiskAction, RiskCheckpoint

DATE_WIDGET = forms.DateInput(attrs={"type": "date"})


class StyledForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_widgets(self)


class RedLineItemForm(VersionRequiredMixin, StyledForm):
    """Add (version_required False, with an optional first photo) or edit an item."""

    side = forms.ChoiceField(label=_("Side"), choices=RedLineItem.Side.choices)
    kind = forms.ChoiceField(label=_("Type"), choices=RedLineItem.Kind.choices)
    location = forms.CharField(label=_("Location"), max_length=200)
    distance_m = forms.DecimalField(
        label=_("Distance (m)"), max_digits=8, decimal_places=1, min_value=0, required=False
    )
    description = forms.CharField(
        label=_("Description"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )
    material = forms.BooleanField(
        label=_("Material"),
        required=False,
        help_text=_("Buyers must acknowledge it before their handover."),
    )
    photo = forms.FileField(label=_("Photo"), required=False)
    version = VersionField()

    def __init__(self, *args, creating: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.version_required = not creating
        if not creating:
            del self.fields["photo"]  # an item's photos are added one by one on its page

    def item_fields(self) -> dict:
        return {
            name: self.cleaned_data[name]
            for name in ("side", "kind", "location", "distance_m", "description", "material")
        }


class RedLinePhotoForm(StyledForm):
    photo = forms.FileField(label=_("Photo"))


class AcknowledgementForm(StyledForm):
    """A buyer's signature under a disclosure version; the contract is named by its number."""

    contract_number = forms.CharField(label=_("Contract number"), max_length=40)
    disclosure = forms.ModelChoiceField(label=_("Disclosure version"), queryset=Disclosure.objects.none())
    signed_by_name = forms.CharField(label=_("Signed by"), max_length=50)
    signed_on = forms.DateField(label=_("Signed on"), widget=DATE_WIDGET)
    signed_file = forms.FileField(label=_("Signed file"), required=False)

    def __init__(self, *args, project, user, **kwargs):
        self.project, self.user = project, user
        super().__init__(*args, **kwargs)
        self.fields["disclosure"].queryset = Disclosure.objects.filter(project=project).order_by("-number")
        self.fields["disclosure"].label_from_instance = lambda disclosure: (
            _("Version %(number)s of %(day)s")
            % {
                "number": disclosure.number,
                "day": disclosure.published_at.date().isoformat(),
            }
        )

    def clean_contract_number(self) -> Contract:
        number = self.cleaned_data["contract_number"].strip()
        contract = (
            Contract.objects.visible_to(self.user)
            .filter(number=number, unit__project=self.project)
            .select_related("unit")
            .first()
        )
        if contract is None:
            raise forms.ValidationError(_("No contract with this number in this project."))
        return contract


class RiskCheckpointForm(VersionRequiredMixin, StyledForm):
    """Plan a checkpoint (version_required False: its kind is chosen) or edit one (the kind stays)."""

    kind = forms.ChoiceField(label=_("Checkpoint"), choices=RiskCheckpoint.Kind.choices)
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=None, required=False)
    planned_on = forms.DateField(label=_("Planned date"), required=False, widget=DATE_WIDGET)
    done_on = forms.DateField(label=_("Done date"), required=False, widget=DATE_WIDGET)
    findings = forms.CharField(
        label=_("Findings"), required=False, max_length=8000, widget=forms.Textarea(attrs={"rows": 3})
    )
    version = VersionField()

    def __init__(self, *args, project, creating: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.version_required = not creating
        self.fields["owner"].queryset = project_staff(project)
        if not creating:
            del self.fields["kind"]

    def checkpoint_fields(self) -> dict:
        return {name: self.cleaned_data[name] for name in ("owner", "planned_on", "done_on", "findings")}


class RiskActionForm(StyledForm):
    text = forms.CharField(label=_("Follow-up action"), max_length=300)
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=None, required=False)
    due_on = forms.DateField(label=_("Due date"), required=False, widget=DATE_WIDGET)

    def __init__(self, *args, project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = project_staff(project)


class RiskActionUpdateForm(VersionRequiredMixin, StyledForm):
    status = forms.ChoiceField(label=_("Status"), choices=RiskAction.Status.choices)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)
    version = VersionField()
