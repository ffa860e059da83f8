"""The SLA board's filters and its bulk assignment."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Department, User
from core.validators import validate_single_line_text

from .. import selectors, words
from ..models import (
    Channel,
    Complaint,
    ComplaintType,
    RootCause,
    Severity,
    Status,
)
from ..services import ACTION_ROLES
from ._common import BLANK, FastSelect, _StyledForm, category_choices, colleagues


class BoardFilterForm(_StyledForm):
    """The filters above the SLA board; choices limited to what the user may see. Every choice list
    comes from the cached reference data (complaints.selectors): no query to show or check them."""

    project = forms.TypedChoiceField(
        label=_("Project"), coerce=int, required=False, empty_value=None, widget=FastSelect
    )
    category = forms.TypedChoiceField(
        label=_("Category"), coerce=int, required=False, empty_value=None, widget=FastSelect
    )
    severity = forms.ChoiceField(
        label=_("Severity"), choices=[BLANK, *Severity.choices], required=False, widget=FastSelect
    )
    channel = forms.ChoiceField(
        label=_("Channel"), choices=[BLANK, *Channel.choices], required=False, widget=FastSelect
    )
    handler = forms.TypedChoiceField(
        label=_("Handler"), coerce=int, required=False, empty_value=None, widget=FastSelect
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("open", _("All open")), ("all", _("All, closed too")), *Status.choices],
        required=False,
        widget=FastSelect,
    )
    complaint_type = forms.ChoiceField(
        label=_("Type"), choices=[BLANK, *ComplaintType.choices], required=False, widget=FastSelect
    )
    mine_only = forms.BooleanField(label=_("Mine only"), required=False)
    # A number or words of the subject or description (complaints.selectors.text_condition).
    q = forms.CharField(
        label=_("Number or words"), max_length=100, required=False, validators=[validate_single_line_text]
    )
    sla = forms.ChoiceField(
        choices=[BLANK, *((s, s) for s in ("on_time", "warning", "breached", "paused"))],
        required=False,
        widget=forms.HiddenInput,
    )

    # The dashboards' drill-down filters (dashboards.measures.complaints): kept as hidden fields, listed
    # above the board while set. Each date range is inclusive, in local days.
    city = forms.TypedChoiceField(coerce=int, required=False, empty_value=None, widget=forms.HiddenInput)
    received_from = forms.DateField(required=False, widget=forms.HiddenInput)
    received_to = forms.DateField(required=False, widget=forms.HiddenInput)
    # First responses that fell due in due_from..due_to: counted (due), on time or late (complaints.conditions).
    first_response = forms.ChoiceField(
        choices=[BLANK, ("due", "due"), ("on_time", "on_time"), ("late", "late")],
        required=False,
        widget=forms.HiddenInput,
    )
    due_from = forms.DateField(required=False, widget=forms.HiddenInput)
    due_to = forms.DateField(required=False, widget=forms.HiddenInput)
    resolved = forms.ChoiceField(choices=[BLANK, ("1", "1")], required=False, widget=forms.HiddenInput)
    resolved_from = forms.DateField(required=False, widget=forms.HiddenInput)
    resolved_to = forms.DateField(required=False, widget=forms.HiddenInput)
    repeat = forms.ChoiceField(choices=[BLANK, ("1", "1")], required=False, widget=forms.HiddenInput)
    escalation_level = forms.TypedChoiceField(
        choices=[BLANK, *((str(n), str(n)) for n in (0, 1, 2, 3))],
        coerce=int,
        required=False,
        empty_value=None,
        widget=forms.HiddenInput,
    )
    root_cause = forms.ChoiceField(
        choices=[BLANK, ("none", "none"), *RootCause.choices], required=False, widget=forms.HiddenInput
    )

    DRILL_FIELDS = (
        "city",
        "received_from",
        "received_to",
        "first_response",
        "due_from",
        "due_to",
        "resolved",
        "resolved_from",
        "resolved_to",
        "repeat",
        "escalation_level",
        "root_cause",
    )

    def __init__(self, *args, user, handler_choices: list | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["project"].choices = [BLANK, *selectors.visible_projects(user)]
        # Read only when the filter is set (an empty hidden field costs no query).
        self.fields["city"].choices = lambda: [BLANK, *selectors.visible_city_companies(user)]
        self.fields["category"].choices = category_choices(include_parents=True)
        if handler_choices is None:
            handler_choices = selectors.colleague_choices(user, ACTION_ROLES["respond"])
        self.fields["handler"].choices = [BLANK, *handler_choices]

    def clean(self):
        data = super().clean()
        for prefix in ("received", "due", "resolved"):
            start, end = data.get(f"{prefix}_from"), data.get(f"{prefix}_to")
            if start and end and end < start:
                self.add_error(f"{prefix}_to", _("The end is before the start."))
        if data.get("first_response") and not (data.get("due_from") or data.get("due_to")):
            self.add_error("first_response", _("Say when the first responses fell due."))
        if words.too_many_projects(data.get("q"), self.user, data.get("project")):
            self.add_error(
                "q",
                _(
                    "A two-character word is looked for in at most %(count)d projects at once: choose a "
                    "project, or type three characters or more."
                )
                % {"count": words.PAIR_PROJECT_LIMIT},
            )
        return data

    def drill_down(self) -> list[tuple[str, str]]:
        """The drill-down filters set, as (name, value) to show above the board."""
        return [
            (name, self.data.get(name, ""))
            for name in self.DRILL_FIELDS
            if self.cleaned_data.get(name) not in (None, "")
        ]

    def selector_filters(self) -> dict:
        data = self.cleaned_data
        drill = {name: data.get(name) for name in self.DRILL_FIELDS if data.get(name) not in (None, "")}
        return {
            **drill,
            "project": data.get("project"),
            "category": data.get("category"),
            "severity": data.get("severity") or None,
            "channel": data.get("channel") or None,
            "handler": data.get("handler"),
            "status": data.get("status") or "open",
            "complaint_type": data.get("complaint_type") or None,
            "mine_only": data.get("mine_only") or False,
            "sla": data.get("sla") or None,
            "q": (data.get("q") or "").strip() or None,
        }


class BulkAssignForm(_StyledForm):
    complaints = forms.ModelMultipleChoiceField(queryset=Complaint.objects.none())
    handler = forms.ModelChoiceField(label=_("Handler"), queryset=User.objects.none(), widget=FastSelect)
    department = forms.ChoiceField(
        label=_("Department"), choices=[BLANK, *Department.choices], widget=FastSelect
    )

    def __init__(self, *args, user, handler_choices: list | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["complaints"].queryset = Complaint.objects.visible_to(user).open()
        self.fields["handler"].queryset = colleagues(user, ACTION_ROLES["respond"])  # checks the choice
        if handler_choices is not None:  # shown from the cache (complaints.selectors.colleague_choices)
            self.fields["handler"].choices = [BLANK, *handler_choices]
