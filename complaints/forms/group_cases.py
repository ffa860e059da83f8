"""Group cases (群诉) and improvement items (缺陷反馈)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Department

from ..models import (
    Complaint,
    GroupCase,
    ImprovementItem,
    RootCause,
)
from ._common import BLANK, VersionedForm, _StyledForm


class ImprovementForm(VersionedForm):
    version_required = False  # creates an improvement item; the complaint's row does not change

    title = forms.CharField(label=_("Title"), max_length=200)
    department = forms.ChoiceField(label=_("Department"), choices=[BLANK, *Department.choices])
    root_cause = forms.ChoiceField(label=_("Root cause"), choices=[BLANK, *RootCause.choices], required=False)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    due_on = forms.DateField(label=_("Due"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


class ImprovementListForm(ImprovementForm):
    complaint_numbers = forms.CharField(
        label=_("Complaint numbers"),
        required=False,
        help_text=_("Separated by spaces or commas, e.g. TS-202501-000012"),
    )

    def numbers(self) -> list[str]:
        text = self.cleaned_data.get("complaint_numbers", "")
        return [n for n in text.replace(",", " ").replace("，", " ").split() if n]


class ImprovementStatusForm(_StyledForm):
    status = forms.ChoiceField(label=_("Status"), choices=ImprovementItem.Status.choices)


class GroupCaseForm(_StyledForm):
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    complaints = forms.ModelMultipleChoiceField(queryset=Complaint.objects.none())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["complaints"].queryset = Complaint.objects.visible_to(user).open()


class GroupCaseJoinForm(VersionedForm):
    """On a complaint's page: join one of the open group cases of its project."""

    group_case = forms.ModelChoiceField(label=_("Group case"), queryset=GroupCase.objects.none())

    def __init__(self, *args, complaint, **kwargs):
        super().__init__(*args, **kwargs)
        cases = GroupCase.objects.filter(project_id=complaint.project_id, status=GroupCase.Status.OPEN)
        field = self.fields["group_case"]
        field.queryset = cases  # a post checks its choice against it
        self.offers_nothing = False  # the page hides the action when there is nothing to join
        if not self.is_bound:  # shown: the cases read once, for the choices and for that check
            open_cases = list(cases.only("id", "number", "title"))
            field.choices = [BLANK, *((case.pk, f"{case.number} · {case.title}") for case in open_cases)]
            self.offers_nothing = not open_cases
