"""Forms of the complaint desk. They parse and check input; every write goes through complaints.services."""

from __future__ import annotations

from html import escape

from django import forms
from django.conf import settings
from django.db.models import Q
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from accounts.models import Contractor, Department, Role, User
from core.api import MAX_ID
from core.forms import VersionField, VersionRequiredMixin
from core.masking import mask_phone
from core.validators import validate_single_line_text
from customers.forms import style_widgets
from customers.models import Customer
from properties.models import Project, Unit

from . import selectors
from .models import (
    Channel,
    Complaint,
    ComplaintType,
    GroupCase,
    ImprovementItem,
    RootCause,
    Severity,
    Status,
)
from .services import ACTION_ROLES, RESPONSE_METHODS

BLANK = ("", "---------")


def category_choices(*, include_parents: bool) -> list:
    """The active category tree as a grouped select: 房屋质量 → 渗漏, 裂缝 … (from the cache)."""
    categories = [c for c in selectors.categories().values() if c.is_active]
    children: dict[int, list] = {}
    for category in categories:
        if category.parent_id:
            children.setdefault(category.parent_id, []).append(category)
    choices: list = [BLANK]
    for root in categories:
        if root.parent_id is not None:
            continue
        leaves = children.get(root.id, [])
        if not leaves:
            choices.append((root.id, root.name))
            continue
        options = [(root.id, _("All of %(name)s") % {"name": root.name})] if include_parents else []
        options += [(leaf.id, leaf.name) for leaf in leaves]
        choices.append((root.name, options))
    return choices


def colleagues(user, roles) -> forms.models.QuerySet:
    """Active staff of the given roles working on the user's projects (everyone for the group)."""
    staff = User.objects.filter(is_active=True, role__in=roles)
    scope = user.scope
    if not scope.is_unrestricted:
        staff = staff.filter(
            Q(projects__in=scope.project_ids) | Q(city_companies__in=scope.city_company_ids)
        ).distinct()
    return staff.order_by("display_name", "username")


class FastSelect(forms.Select):
    """A <select> written in Python. Django renders every <option> through a template: on the
    board's filters and bulk-assign form (hundreds of options for a group administrator) that
    cost more than all of the page's queries."""

    def render(self, name, value, attrs=None, renderer=None):
        selected = set(self.format_value(value))
        parts = [
            format_html("<select{}>", flatatt(self.build_attrs(self.attrs, {**(attrs or {}), "name": name})))
        ]

        def option(option_value, label) -> str:
            option_value = "" if option_value is None else str(option_value)
            chosen = option_value in selected
            if chosen:
                selected.clear()  # a single select marks its first match only, as Django does
            return f'<option value="{escape(option_value)}"{" selected" if chosen else ""}>{escape(str(label))}</option>'

        for option_value, label in self.choices:
            if isinstance(label, list | tuple):
                parts.append(f'<optgroup label="{escape(str(option_value))}">')
                parts.extend(option(v, text) for v, text in label)
                parts.append("</optgroup>")
            else:
                parts.append(option(option_value, label))
        parts.append("</select>")
        return mark_safe("".join(parts))  # noqa: S308 (every value and label is escaped above)


class _StyledForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_widgets(self)


# --- the SLA board ------------------------------------------------------------------------------


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
        choices=[("open", _("All open")), *Status.choices],
        required=False,
        widget=FastSelect,
    )
    complaint_type = forms.ChoiceField(
        label=_("Type"), choices=[BLANK, *ComplaintType.choices], required=False, widget=FastSelect
    )
    mine_only = forms.BooleanField(label=_("Mine only"), required=False)
    sla = forms.ChoiceField(
        choices=[BLANK, *((s, s) for s in ("on_time", "warning", "breached", "paused"))],
        required=False,
        widget=forms.HiddenInput,
    )

    def __init__(self, *args, user, handler_choices: list | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].choices = [BLANK, *selectors.visible_projects(user)]
        self.fields["category"].choices = category_choices(include_parents=True)
        if handler_choices is None:
            handler_choices = selectors.colleague_choices(user, ACTION_ROLES["respond"])
        self.fields["handler"].choices = [BLANK, *handler_choices]

    def selector_filters(self) -> dict:
        data = self.cleaned_data
        return {
            "project": data.get("project"),
            "category": data.get("category"),
            "severity": data.get("severity") or None,
            "channel": data.get("channel") or None,
            "handler": data.get("handler"),
            "status": data.get("status") or "open",
            "complaint_type": data.get("complaint_type") or None,
            "mine_only": data.get("mine_only") or False,
            "sla": data.get("sla") or None,
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


# --- intake ---------------------------------------------------------------------------------------


class HotlineSearchForm(_StyledForm):
    """Posted, never `?q=`: the caller's phone in a URL would be kept by every access log."""

    q = forms.CharField(
        label=_("Caller's phone"),
        max_length=100,
        validators=[validate_single_line_text],
        widget=forms.TextInput(
            attrs={
                "placeholder": _("full number or last 4 digits"),
                "autofocus": True,
                "inputmode": "tel",
                "autocomplete": "off",
            }
        ),
    )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; size and type are checked by services.attachment_add."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(item, initial) for item in data if item]
        return [super().clean(data, initial)] if data else []


class ComplaintForm(_StyledForm):
    complaint_type = forms.ChoiceField(
        label=_("Type"), choices=ComplaintType.choices, initial=ComplaintType.COMPLAINT
    )
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial=Channel.HOTLINE)
    category = forms.TypedChoiceField(label=_("Category"), coerce=int)
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices, initial=Severity.NORMAL)
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.none(), required=False)
    project = forms.ModelChoiceField(
        label=_("Responsible project"),
        queryset=Project.objects.none(),
        required=False,
        help_text=_("Taken from the unit when a unit is chosen."),
    )
    title = forms.CharField(label=_("Subject"), max_length=200)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}))
    attachments = MultipleFileField(
        label=_("Attachments"), required=False, help_text=_("Photos, PDF, Word, audio or video; 10 MB each.")
    )
    save_anyway = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user, customer, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices(include_parents=False)
        units = (
            Unit.objects.visible_to(user)
            .filter(household__customer=customer)
            .select_related("project")
            .distinct()
        )
        self.fields["unit"].queryset = units
        self.fields["unit"].label_from_instance = lambda unit: f"{unit.project.name} {unit.code}"
        self.fields["project"].queryset = Project.objects.visible_to(user).order_by("name")
        self.fields["category"].widget.attrs["autofocus"] = True

    def clean_category(self):
        category = selectors.category(self.cleaned_data["category"])  # from the cached tree
        if category is None or not category.is_active:
            raise forms.ValidationError(_("Choose a category."))
        return category

    def service_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "complaint_type": data["complaint_type"],
            "channel": data["channel"],
            "category": data["category"],
            "severity": data["severity"],
            "unit": data.get("unit"),
            "project": data.get("project") or (data["unit"].project if data.get("unit") else None),
            "title": data["title"],
            "description": data["description"],
            "attachments": data.get("attachments") or [],
        }


# --- actions on a complaint -----------------------------------------------------------------------


class VersionedForm(VersionRequiredMixin, _StyledForm):
    """Every action carries the version the user saw: a stale page is a conflict, not an overwrite,
    and a post without one is refused (core.forms.VersionRequiredMixin)."""

    version = VersionField()


class DispatchForm(VersionedForm):
    department = forms.ChoiceField(label=_("Department"), choices=[BLANK, *Department.choices])
    handler = forms.ModelChoiceField(label=_("Handler"), queryset=User.objects.none(), required=False)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["handler"].queryset = colleagues(user, ACTION_ROLES["respond"])


class RespondForm(VersionedForm):
    method = forms.ChoiceField(label=_("Contact by"), choices=list(RESPONSE_METHODS.items()), initial="call")
    content = forms.CharField(label=_("What was said"), widget=forms.Textarea(attrs={"rows": 3}))


class PlanForm(VersionedForm):
    plan = forms.CharField(label=_("Plan agreed with the owner"), widget=forms.Textarea(attrs={"rows": 3}))


class WorkOrderForm(VersionedForm):
    department = forms.ChoiceField(
        label=_("Department"), choices=[BLANK, *Department.choices], required=False
    )
    contractor = forms.ModelChoiceField(
        label=_("Contractor"), queryset=Contractor.objects.none(), required=False
    )
    assignee = forms.ModelChoiceField(label=_("Assignee"), queryset=User.objects.none(), required=False)
    description = forms.CharField(label=_("Task"), widget=forms.Textarea(attrs={"rows": 2}))
    due_at = forms.DateTimeField(
        label=_("Due"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    def __init__(self, *args, complaint: Complaint, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["due_at"].help_text = _("Empty: due in %(hours)s hours.") % {
            "hours": settings.WORK_ORDER_DEFAULT_HOURS
        }
        # Only companies engaged on the complaint's project, and people working on it: the service
        # refuses the others (complaints.services.work_order_create).
        contractors = Contractor.objects.working_on(complaint.project_id)
        self.fields["contractor"].queryset = contractors.order_by("name")
        self.fields["assignee"].queryset = (
            User.objects.working_on(complaint.project)
            .filter(Q(role=Role.CONTRACTOR, contractor__in=contractors) | Q(role=Role.DEPARTMENT_STAFF))
            .order_by("display_name", "username")
        )


class ResolveForm(VersionedForm):
    resolution = forms.CharField(label=_("How it was solved"), widget=forms.Textarea(attrs={"rows": 3}))


class ReturnVisitForm(VersionedForm):
    reached = forms.TypedChoiceField(
        label=_("Owner reached?"),
        choices=[("yes", _("Yes")), ("no", _("No, unreachable"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        initial="yes",
    )
    satisfaction = forms.TypedChoiceField(
        label=_("Satisfaction (1–5)"),
        choices=[BLANK, *((n, str(n)) for n in range(5, 0, -1))],
        coerce=int,
        required=False,
        empty_value=None,
    )
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reached"].widget.attrs["class"] = "form-check-input"


class CloseForm(VersionedForm):
    root_cause = forms.ChoiceField(label=_("Root cause"), choices=[BLANK, *RootCause.choices])
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class ReasonForm(VersionedForm):
    reason = forms.CharField(label=_("Reason"), max_length=200)


class ResumeForm(VersionedForm):
    note = forms.CharField(label=_("Note"), required=False)


class ReclassifyForm(VersionedForm):
    """Type, category and severity as they should have been recorded, and why they change."""

    complaint_type = forms.ChoiceField(label=_("Type"), choices=ComplaintType.choices)
    category = forms.TypedChoiceField(label=_("Category"), coerce=int)
    severity = forms.ChoiceField(label=_("Severity"), choices=Severity.choices)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Shown on the timeline; the SLA clocks are planned again under the new policy."),
    )

    def __init__(self, *args, complaint: Complaint, **kwargs):
        super().__init__(*args, **kwargs)
        self.current_category_id = complaint.category_id
        choices = category_choices(include_parents=False)
        current = selectors.categories().get(complaint.category_id)
        if current is not None and not current.is_active:  # kept while only the severity changes
            choices.append((current.id, current.label))
        self.fields["category"].choices = choices

    def clean_category(self):
        category = selectors.category(self.cleaned_data["category"])  # from the cached tree
        if category is None or not (category.is_active or category.pk == self.current_category_id):
            raise forms.ValidationError(_("Choose a category."))
        return category


class MajorReportForm(VersionedForm):
    cause = forms.CharField(label=_("Cause"), widget=forms.Textarea(attrs={"rows": 3}))
    handling = forms.CharField(label=_("Handling"), widget=forms.Textarea(attrs={"rows": 3}))
    lessons = forms.CharField(label=_("Lessons"), widget=forms.Textarea(attrs={"rows": 3}))


class NoteForm(VersionedForm):
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}))


class AttachmentForm(VersionedForm):
    version_required = False  # a file is added to the complaint; its row does not change

    file = forms.FileField(label=_("File"))


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


class LinkCustomerForm(VersionedForm):
    """On an unmatched public complaint's page: the customer it is about, among those whose phone or
    name is the contact as given, or by the number on their 360 page."""

    customer = forms.ModelChoiceField(
        label=_("Possible matches"), queryset=Customer.objects.none(), required=False
    )
    customer_number = forms.IntegerField(
        label=_("or the customer number"),
        help_text=_("The number in the address of the customer's 360 page, /customers/<number>/."),
        required=False,
        min_value=1,
        max_value=MAX_ID,
    )

    def __init__(self, *args, user, complaint, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        field = self.fields["customer"]
        field.queryset = selectors.unmatched_complaint_matches(user=user, complaint=complaint)
        field.label_from_instance = lambda customer: " · ".join(
            part for part in (customer.name, mask_phone(customer.primary_phone_number or "")) if part
        )
        field.empty_label = (
            _("Choose a match") if field.queryset.exists() else _("No customer has this phone or name")
        )

    def clean(self):
        data = super().clean()
        chosen, number = data.get("customer"), data.get("customer_number")
        if chosen is None and number:
            chosen = Customer.objects.visible_to(self.user).filter(pk=number).first()
            if chosen is None:
                self.add_error("customer_number", _("No customer with this number within your scope."))
        elif chosen is None and not self.errors:
            raise forms.ValidationError(_("Choose a match or enter the customer number."))
        data["match"] = chosen
        return data


# --- work orders ------------------------------------------------------------------------------------


class WorkOrderAcceptForm(VersionedForm):
    pass


class WorkOrderNoteForm(VersionedForm):
    note = forms.CharField(label=_("Progress note"), widget=forms.Textarea(attrs={"rows": 2}))
    photo = forms.FileField(label=_("Photo"), required=False)


def local_now_input() -> str:
    return timezone.localtime().strftime("%Y-%m-%dT%H:%M")
