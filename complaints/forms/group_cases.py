"""Group cases (群诉) and improvement items (缺陷反馈)."""

from __future__ import annotations

import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Department, User
from core.validators import validate_single_line_text

from .. import selectors
from ..models import Complaint, GroupCase, ImprovementItem, RootCause
from ..services import CASE_OWNER_ROLES
from ._common import BLANK, FastSelect, VersionedForm, _StyledForm


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


class ImprovementFilterForm(forms.Form):
    """The improvement list's filters (?status=…), and the dashboards' drill-down: a project or city
    company, and the days the items were marked done (inclusive)."""

    status = forms.ChoiceField(
        choices=[BLANK, ("not_done", "not_done"), *ImprovementItem.Status.choices], required=False
    )
    project = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    city = forms.TypedChoiceField(coerce=int, required=False, empty_value=None)
    done_from = forms.DateField(required=False)
    done_to = forms.DateField(required=False)
    # Items of some project only: the dashboards count those.
    in_projects = forms.BooleanField(required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # Read only when set, like the city's.
        self.fields["project"].choices = lambda: [BLANK, *selectors.visible_projects(user)]
        # Read only when the filter is set (an empty hidden field costs no query).
        self.fields["city"].choices = lambda: [BLANK, *selectors.visible_city_companies(user)]

    def clean(self):
        data = super().clean()
        if data.get("done_from") and data.get("done_to") and data["done_to"] < data["done_from"]:
            self.add_error("done_to", _("The end is before the start."))
        return data


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
        cases = GroupCase.objects.filter(
            project_id=complaint.project_id, status__in=GroupCase.Status.joinable()
        )
        field = self.fields["group_case"]
        field.queryset = cases  # a post checks its choice against it
        self.offers_nothing = False  # the page hides the action when there is nothing to join
        if not self.is_bound:  # shown: the cases read once, for the choices and for that check
            open_cases = list(cases.only("id", "number", "title"))
            field.choices = [BLANK, *((case.pk, f"{case.number} · {case.title}") for case in open_cases)]
            self.offers_nothing = not open_cases


# --- a group case's page --------------------------------------------------------------------------


class GroupCaseFilterForm(_StyledForm):
    """The filters above the case list; the projects from the cached reference data."""

    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("All")), *GroupCase.Status.choices], required=False
    )
    crisis = forms.ChoiceField(
        label=_("Crisis"),
        choices=[("", _("Any")), ("yes", _("Crisis only")), ("no", _("No crisis"))],
        required=False,
    )
    project = forms.TypedChoiceField(
        label=_("Project"), coerce=int, required=False, empty_value=None, widget=FastSelect
    )

    # The dashboards' drill-down (group cases opened in a period, in a city company): hidden.
    city = forms.TypedChoiceField(coerce=int, required=False, empty_value=None, widget=forms.HiddenInput)
    opened_from = forms.DateField(required=False, widget=forms.HiddenInput)
    opened_to = forms.DateField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].choices = [BLANK, *selectors.visible_projects(user)]
        # Read only when the filter is set (an empty hidden field costs no query).
        self.fields["city"].choices = lambda: [BLANK, *selectors.visible_city_companies(user)]

    def clean(self):
        data = super().clean()
        if data.get("opened_from") and data.get("opened_to") and data["opened_to"] < data["opened_from"]:
            self.add_error("opened_to", _("The end is before the start."))
        return data

    def selector_filters(self) -> dict:
        data = self.cleaned_data
        crisis = {"yes": True, "no": False}.get(data.get("crisis") or "")
        return {
            "status": data.get("status") or None,
            "crisis": crisis,
            "project": data.get("project"),
            "city": data.get("city"),
            "opened_from": data.get("opened_from"),
            "opened_to": data.get("opened_to"),
        }


class CaseOwnerForm(VersionedForm):
    owner = forms.ModelChoiceField(label=_("Case owner"), queryset=User.objects.none())

    def __init__(self, *args, case: GroupCase, **kwargs):
        super().__init__(*args, **kwargs)
        # The supervisors and heads working on the case's project: the service refuses anyone else.
        self.fields["owner"].queryset = (
            User.objects.working_on(case.project)
            .filter(role__in=CASE_OWNER_ROLES)
            .order_by("display_name", "username")
        )


class CasePlanForm(VersionedForm):
    plan = forms.CharField(
        label=_("Handling plan"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("How the cause is handled for every owner: who does what, by when."),
    )


class CaseMessageForm(_StyledForm):
    """One message to every member's owner. The key is drawn when the page shows the form: the same
    form posted twice (a double click, the browser's resend) names the same message, sent once. It
    changes no field of the case, so it carries no version."""

    key = forms.UUIDField(widget=forms.HiddenInput)
    subject = forms.CharField(label=_("Subject"), max_length=200, validators=[validate_single_line_text])
    text = forms.CharField(
        label=_("Text"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The whole message, as each owner receives it: by SMS, email or WeChat, as they chose."),
    )

    def __init__(self, *args, initial=None, **kwargs):
        super().__init__(*args, initial={"key": uuid.uuid4(), **(initial or {})}, **kwargs)


class CaseCrisisForm(VersionedForm):
    reason = forms.CharField(
        label=_("Why it is a crisis"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The city company's heads and the group administrators are told at once."),
    )


class CaseCrisisClearForm(VersionedForm):
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class CaseResolveForm(VersionedForm):
    resolution = forms.CharField(label=_("How it was solved"), widget=forms.Textarea(attrs={"rows": 3}))


class CaseReportForm(VersionedForm):
    cause = forms.CharField(label=_("Cause"), widget=forms.Textarea(attrs={"rows": 3}))
    handling = forms.CharField(label=_("Handling"), widget=forms.Textarea(attrs={"rows": 3}))
    lessons = forms.CharField(label=_("Lessons"), widget=forms.Textarea(attrs={"rows": 3}))


class CaseCloseForm(VersionedForm):
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class CaseReopenForm(VersionedForm):
    reason = forms.CharField(label=_("Reason"), max_length=200)
