"""Staff pages of the complaint desk: the SLA board, hotline intake, the complaint page and its
actions, work orders, the supervisor view and improvement items. Thin: reads through
complaints.selectors, writes through complaints.services."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from cursor_pagination import CursorPage, CursorPaginator
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.db.models import BooleanField, DateTimeField, F, Func, IntegerField, Value
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import Department, Role
from crm.masking import mask_phone
from crm.paging import (
    PAGE_SIZE,
    BrokenCursor,
    broken_link,
    cursor_datetime,
    cursor_id,
    cursor_parts,
    newest_first_page,
    pager_context,
)
from crm.rows import local_text, row_url
from customers import selectors as customer_selectors
from customers.forms import add_service_errors
from customers.models import Customer
from customers.services import ConcurrentEditError

from . import forms, selectors, services
from .models import (
    Channel,
    Complaint,
    ComplaintType,
    ImprovementItem,
    Severity,
    SlaTarget,
    Status,
    WorkOrder,
)
from .sla import sla_state
from .templatetags.complaints_tags import sla_badge_class, sla_remaining, sla_state_label

# --- keyset paging over a datetime ---------------------------------------------------------------


class RowCompare(Func):
    """`(a, b) > (x, y)`: one SQL row-value comparison (PostgreSQL, SQLite ≥ 3.15). Unlike the
    expanded `a > x OR (a = x AND b > y)`, it is a range condition on a btree index over (a, b)."""

    output_field = BooleanField()

    def __init__(self, columns: list, operator: str, values: list):
        if operator not in ("<", ">") or len(columns) != len(values):
            raise ValueError("RowCompare needs < or > and as many values as columns")
        super().__init__(*columns, *values)
        self.operator = operator

    def as_sql(self, compiler, connection, **extra_context):
        parts, params = [], []
        for expression in self.get_source_expressions():
            sql, expression_params = compiler.compile(expression)
            parts.append(sql)
            params.extend(expression_params)
        width = len(parts) // 2
        return f"({', '.join(parts[:width])}) {self.operator} ({', '.join(parts[width:])})", params


class DueCursorPaginator(CursorPaginator):
    """Keyset paging on (a due time, id), both ascending, a missing due time last.

    The page after (x, y) is `(due, id) > (x, y)` in one row comparison, so PostgreSQL walks an index
    on (due, id) (the board's complaint_board_current_due) from the cursor: constant cost at any depth.
    Rows without a due time come after every dated row, ordered by id; a page that crosses from the
    dated rows into them takes a second query. The cursor writes the datetime the way the database
    adapts it, so that ties on the due time page correctly on SQLite (which compares stored text) too.
    """

    def __init__(self, queryset, ordering: tuple[str, str]):
        super().__init__(queryset, ordering)
        self.due, self.id = ordering
        self.base = queryset

    def position_from_instance(self, instance):
        position = []
        for order in self.ordering:
            value = getattr(instance, order.lstrip("-"))
            if value is None:
                position.append(self.none_string)
            elif isinstance(value, datetime.datetime):
                position.append(str(connection.ops.adapt_datetimefield_value(value)))
            else:
                position.append(str(value))
        return position

    def is_valid(self, cursor: str | None) -> bool:
        """A broken cursor is a 400, never a database error."""
        if not cursor:
            return True
        try:
            self._position(cursor)
        except BrokenCursor:
            return False
        return True

    def page_from_request(self, request):
        after, before = request.GET.get("after"), request.GET.get("before")
        if not (self.is_valid(after) and self.is_valid(before)):
            return None
        if before:
            return self.page(last=PAGE_SIZE, before=before)
        return self.page(first=PAGE_SIZE, after=after)

    def _position(self, cursor: str) -> tuple[datetime.datetime | None, int]:
        due, pk = cursor_parts(self, cursor, 2)
        return (None if due is None else cursor_datetime(due)), cursor_id(pk)

    def _beyond(self, due, pk: int, operator: str):
        return RowCompare(
            [F(self.due), F(self.id)], operator, [Value(due, DateTimeField()), Value(pk, IntegerField())]
        )

    def page(self, first=None, last=None, after=None, before=None):
        dated = self.base.filter(**{f"{self.due}__isnull": False})
        undated = self.base.filter(**{f"{self.due}__isnull": True})
        forwards, backwards = (F(self.due).asc(), F(self.id).asc()), (F(self.due).desc(), F(self.id).desc())
        if last is not None:  # the page before `before`, walking backwards
            size, (due, pk) = last, self._position(before)
            if due is None:
                rows = list(undated.filter(**{f"{self.id}__lt": pk}).order_by(F(self.id).desc())[: size + 1])
                if len(rows) <= size:
                    rows += list(dated.order_by(*backwards)[: size + 1 - len(rows)])
            else:
                rows = list(dated.filter(self._beyond(due, pk, "<")).order_by(*backwards)[: size + 1])
            items = rows[:size][::-1]
            return CursorPage(items, self, has_next=True, has_previous=len(rows) > size)
        size = first
        if after is None:
            rows = list(self.queryset[: size + 1])  # ordered by (due NULLS LAST, id)
        else:
            due, pk = self._position(after)
            if due is None:
                rows = list(undated.filter(**{f"{self.id}__gt": pk}).order_by(self.id)[: size + 1])
            else:
                rows = list(dated.filter(self._beyond(due, pk, ">")).order_by(*forwards)[: size + 1])
                if len(rows) <= size:
                    rows += list(undated.order_by(self.id)[: size + 1 - len(rows)])
        return CursorPage(rows[:size], self, has_next=len(rows) > size, has_previous=after is not None)


def _is_htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _require(user, action: str) -> None:
    if not services.may(user, action):
        raise PermissionDenied(_("Your role may not do this."))


def _require_supervisor(user) -> None:
    _require(user, "group")


# --- the SLA board -------------------------------------------------------------------------------

SLA_STATE_LABELS = {
    "on_time": gettext_lazy("On time"),
    "warning": gettext_lazy("Warning"),
    "breached": gettext_lazy("Breached"),
    "paused": gettext_lazy("Paused"),
}


def _labels(choices) -> dict[str, str]:
    return {value: str(label) for value, label in choices}


def _label_board_rows(rows, now: datetime.datetime) -> None:
    """Everything a board row prints, worked out once per page: the template only reads attributes
    (each get_FOO_display() and each included badge template costs more than the row's SQL)."""
    categories, projects = selectors.categories(), selectors.projects()
    statuses, types, channels = (
        _labels(Status.choices),
        _labels(ComplaintType.choices),
        _labels(Channel.choices),
    )
    severities, targets = _labels(Severity.choices), _labels(SlaTarget.choices)
    departments = _labels(Department.choices)
    detail_url = row_url("complaints:detail")
    for complaint in rows:
        complaint.detail_url = detail_url(complaint.pk)
        complaint.sla = state = sla_state(complaint, now)
        complaint.due_text = local_text(state.due_at, "%m-%d %H:%M")
        complaint.sla_badge_class = sla_badge_class(state.label)
        complaint.sla_state_text = sla_state_label(state.label)
        complaint.sla_remaining_text = sla_remaining(state.remaining) if state.remaining is not None else ""
        category = categories.get(complaint.category_id)
        complaint.category_label = category.label if category else ""
        complaint.project_name = projects.get(complaint.project_id, ("", None))[0]
        complaint.phone_masked = mask_phone(complaint.customer_phone or complaint.reporter_phone or "")
        complaint.status_label = statuses.get(complaint.status, complaint.status)
        complaint.type_label = types.get(complaint.complaint_type, complaint.complaint_type)
        complaint.channel_label = channels.get(complaint.channel, complaint.channel)
        complaint.severity_label = severities.get(complaint.severity, complaint.severity)
        complaint.sla_target_label = targets.get(complaint.sla_target, "")
        complaint.department_label = departments.get(complaint.department, "")
        complaint.select_label = _("Select %(number)s") % {"number": complaint.number}


@login_required
@require_GET
def sla_board(request):
    """The SLA board: a page of open complaints by nearest due time and the four counters, in two
    queries; every choice list and label comes from the cached reference data."""
    user = request.user
    may_assign = services.may(user, "dispatch")
    handlers = selectors.colleague_choices(user, services.ACTION_ROLES["respond"])
    form = forms.BoardFilterForm(request.GET or None, user=user, handler_choices=handlers)
    filters = form.selector_filters() if form.is_valid() else {}
    paginator = DueCursorPaginator(
        selectors.sla_board(user=user, filters=filters), ordering=("current_due", "id")
    )
    page = paginator.page_from_request(request)
    if page is None:
        return broken_link(request)
    now = timezone.now()
    _label_board_rows(page, now)
    counters = selectors.sla_counters(user=user, filters=filters)
    counter_query = request.GET.copy()
    for key in ("sla", "after", "before"):
        counter_query.pop(key, None)
    return render(
        request,
        "complaints/board.html",
        {
            "form": form,
            "counters": [
                {"state": state, "label": SLA_STATE_LABELS[state], "count": counters[state]}
                for state in selectors.SLA_STATES
            ],
            "active_sla": filters.get("sla") or "",
            "counter_query": counter_query.urlencode(),
            "may_assign": may_assign,
            "assign_form": forms.BulkAssignForm(user=user, handler_choices=handlers, auto_id="assign_%s")
            if may_assign
            else None,
            "now": now,
            **pager_context(request, paginator, page),
        },
    )


@login_required
@require_POST
def bulk_assign(request):
    _require(request.user, "dispatch")
    form = forms.BulkAssignForm(request.POST, user=request.user)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields and form.fields[field].label else ""
            messages.error(request, f"{label} {' '.join(errors)}".strip())
        return redirect(_board_url(request))
    count = services.complaint_bulk_assign(
        complaints=list(form.cleaned_data["complaints"]),
        by=request.user,
        handler=form.cleaned_data["handler"],
        department=form.cleaned_data["department"],
    )
    skipped = len(form.cleaned_data["complaints"]) - count
    messages.success(
        request,
        _("%(count)d complaints assigned to %(handler)s.")
        % {"count": count, "handler": form.cleaned_data["handler"]},
    )
    if skipped:
        messages.warning(
            request, _("%(count)d could not be dispatched in their current status.") % {"count": skipped}
        )
    return redirect(_board_url(request))


MAX_SELECTED = 200  # complaint ids taken from the board's ticks (a page holds PAGE_SIZE)


def _complaint_ids(values) -> list[str]:
    """The ids among `values` (the board's ticked rows, or `?from=` in a link), at most MAX_SELECTED."""
    return [value for value in values if value.isdigit()][:MAX_SELECTED]


@login_required
@require_POST
def improvement_from_selection(request):
    """The board's "improvement item from selected": the new-item form, with the ticked complaints'
    numbers filled in (the ids travel in the URL; the numbers are read within the user's scope)."""
    _require(request.user, "improvement")
    ids = _complaint_ids(request.POST.getlist("complaints"))
    if not ids:
        messages.error(request, _("Tick at least one complaint."))
        return redirect(_board_url(request))
    return redirect(f"{reverse('complaints:improvements')}?from={','.join(ids)}")


def _board_url(request) -> str:
    back = request.POST.get("next", "")
    return reverse("complaints:board") + (f"?{back}" if back and "\n" not in back else "")


# --- intake ------------------------------------------------------------------------------------------


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def hotline(request):
    """热线: find the caller by phone (or its last 4 digits), pick the customer and unit, then record.
    The phone is posted and the callers listed on the POST's answer: never in a URL, so never in an
    access log. A GET shows the empty search, whatever `?q=` it carries."""
    _require(request.user, "create")
    form = forms.HotlineSearchForm(request.POST if request.method == "POST" else None)
    customers, query = [], None
    if form.is_valid():
        query, customers = customer_selectors.customer_search(user=request.user, text=form.cleaned_data["q"])
    return render(
        request,
        "complaints/hotline.html",
        {"form": form, "customers": customers, "searched": form.is_bound and form.is_valid(), "query": query},
        status=400 if form.errors and form.data.get("q", "").strip() else 200,
    )


def _customer_for_intake(user, raw) -> Customer:
    if not raw or not str(raw).isdigit():
        raise Http404(_("Choose the caller first."))
    return get_object_or_404(Customer.objects.visible_to(user).prefetch_related("phones"), pk=raw)


@login_required
@require_http_methods(["GET", "POST"])
def complaint_create(request):
    user = request.user
    _require(user, "create")
    raw_customer = request.POST.get("customer") or request.GET.get("customer")
    if not raw_customer:
        return redirect("complaints:hotline")
    customer = _customer_for_intake(user, raw_customer)
    initial = {}
    if request.GET.get("unit", "").isdigit():
        initial["unit"] = int(request.GET["unit"])
    form = forms.ComplaintForm(
        request.POST or None, request.FILES or None, user=user, customer=customer, initial=initial
    )
    if not request.POST and "unit" not in initial and form.fields["unit"].queryset.count() == 1:
        form.initial["unit"] = form.fields["unit"].queryset.first().pk
    duplicates = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        duplicates = selectors.possible_duplicates(
            user=user,
            customer_id=customer.pk,
            category_id=data["category"].pk,
            unit_id=data["unit"].pk if data.get("unit") else None,
        )
        if duplicates and not data.get("save_anyway"):
            # Show what is already open for this owner and let the agent decide.
            form.data = form.data.copy()
            form.data["save_anyway"] = "1"
            messages.warning(
                request, _("This owner already has open complaints in this category. Check them first.")
            )
        else:
            try:
                complaint = services.complaint_create(by=user, customer=customer, **form.service_fields())
            except ValidationError as error:
                add_service_errors(form, error, field_aliases={"received_at": "__all__"})
            else:
                messages.success(request, _("Complaint %(number)s recorded.") % {"number": complaint.number})
                return redirect("complaints:detail", pk=complaint.pk)
    return render(
        request,
        "complaints/form.html",
        {
            "form": form,
            "customer": customer,
            "duplicates": duplicates,
            "confirm_duplicates": bool(duplicates),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_GET
def duplicates(request):
    """htmx: open complaints of the same owner or unit in the chosen category, shown while typing."""
    customer = _customer_for_intake(request.user, request.GET.get("customer"))
    category = request.GET.get("category", "")
    unit = request.GET.get("unit", "")
    found = selectors.possible_duplicates(
        user=request.user,
        customer_id=customer.pk,
        category_id=int(category) if category.isdigit() else None,
        unit_id=int(unit) if unit.isdigit() else None,
    )
    return render(request, "complaints/_duplicates.html", {"duplicates": found})


# --- the complaint page ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    """One button on the complaint page: its form, who may (services.ACTION_ROLES), when, and the service."""

    slug: str
    label: str
    permission: str
    form: type
    run: Callable
    available: Callable[[Complaint], bool]
    style: str = "outline-primary"
    needs_user: bool = False
    needs_complaint: bool = False


def _in_transition(action: str) -> Callable[[Complaint], bool]:
    return lambda complaint: complaint.status in services.TRANSITIONS[action]


def _handling(complaint: Complaint) -> bool:
    return complaint.is_open and complaint.status != Status.RESOLVED


def _run_dispatch(complaint, by, data, files):
    return services.complaint_dispatch(
        complaint=complaint,
        by=by,
        department=data["department"],
        handler=data.get("handler"),
        note=data.get("note", ""),
        expected_version=data.get("version"),
    )


def _run_work_order(complaint, by, data, files):
    return services.work_order_create(
        complaint=complaint,
        by=by,
        description=data["description"],
        due_at=data["due_at"],
        department=data.get("department") or "",
        contractor=data.get("contractor"),
        assignee=data.get("assignee"),
        expected_version=data.get("version"),
    )


def _run_improvement(complaint, by, data, files):
    return services.improvement_item_create(
        by=by,
        complaints=[complaint],
        title=data["title"],
        department=data["department"],
        root_cause=data.get("root_cause") or "",
        description=data.get("description") or "",
        due_on=data.get("due_on"),
    )


ACTIONS: dict[str, Action] = {
    a.slug: a
    for a in (
        Action(
            "dispatch",
            gettext_lazy("Dispatch"),
            "dispatch",
            forms.DispatchForm,
            _run_dispatch,
            _in_transition("dispatch"),
            "primary",
            needs_user=True,
        ),
        Action(
            "respond",
            gettext_lazy("Record contact"),
            "respond",
            forms.RespondForm,
            lambda c, by, d, f: services.complaint_respond(
                complaint=c,
                by=by,
                method=d["method"],
                content=d["content"],
                expected_version=d.get("version"),
            ),
            lambda c: c.is_open,
            "primary",
        ),
        Action(
            "plan",
            gettext_lazy("Agree plan"),
            "agree_plan",
            forms.PlanForm,
            lambda c, by, d, f: services.complaint_agree_plan(
                complaint=c, by=by, plan=d["plan"], expected_version=d.get("version")
            ),
            _in_transition("agree_plan"),
        ),
        Action(
            "work-order",
            gettext_lazy("Create work order"),
            "create_work_order",
            forms.WorkOrderForm,
            _run_work_order,
            _in_transition("create_work_order"),
            needs_complaint=True,
        ),
        Action(
            "resolve",
            gettext_lazy("Resolve"),
            "resolve",
            forms.ResolveForm,
            lambda c, by, d, f: services.complaint_resolve(
                complaint=c, by=by, resolution=d["resolution"], expected_version=d.get("version")
            ),
            _in_transition("resolve"),
            "success",
        ),
        Action(
            "return-visit",
            gettext_lazy("Return visit"),
            "return_visit",
            forms.ReturnVisitForm,
            lambda c, by, d, f: services.complaint_return_visit(
                complaint=c,
                by=by,
                reached=d["reached"],
                satisfaction=d.get("satisfaction"),
                comment=d.get("comment", ""),
                expected_version=d.get("version"),
            ),
            _in_transition("return_visit"),
            "primary",
        ),
        Action(
            "close",
            gettext_lazy("Close"),
            "close",
            forms.CloseForm,
            lambda c, by, d, f: services.complaint_close(
                complaint=c,
                by=by,
                root_cause=d["root_cause"],
                note=d.get("note", ""),
                expected_version=d.get("version"),
            ),
            _in_transition("close"),
            "success",
        ),
        Action(
            "reopen",
            gettext_lazy("Reopen"),
            "reopen",
            forms.ReasonForm,
            lambda c, by, d, f: services.complaint_reopen(
                complaint=c, by=by, reason=d["reason"], expected_version=d.get("version")
            ),
            _in_transition("reopen"),
            "outline-danger",
        ),
        Action(
            "pause",
            gettext_lazy("Pause clock"),
            "pause",
            forms.ReasonForm,
            lambda c, by, d, f: services.complaint_pause(
                complaint=c, by=by, reason=d["reason"], expected_version=d.get("version")
            ),
            lambda c: _handling(c) and not c.is_paused,
            "outline-secondary",
        ),
        Action(
            "resume",
            gettext_lazy("Resume clock"),
            "resume",
            forms.ResumeForm,
            lambda c, by, d, f: services.complaint_resume(
                complaint=c, by=by, note=d.get("note", ""), expected_version=d.get("version")
            ),
            lambda c: c.is_paused,
            "outline-secondary",
        ),
        Action(
            "major-report",
            gettext_lazy("Major complaint report"),
            "major_report",
            forms.MajorReportForm,
            lambda c, by, d, f: services.major_report_save(
                complaint=c,
                by=by,
                cause=d["cause"],
                handling=d["handling"],
                lessons=d["lessons"],
                expected_version=d.get("version"),
            ),
            lambda c: c.severity == Severity.MAJOR,
            "outline-danger",
        ),
        Action(
            "note",
            gettext_lazy("Add note"),
            "note",
            forms.NoteForm,
            lambda c, by, d, f: services.complaint_add_note(
                complaint=c, by=by, note=d["note"], expected_version=d.get("version")
            ),
            lambda c: True,
            "outline-secondary",
        ),
        Action(
            "attachment",
            gettext_lazy("Upload attachment"),
            "note",
            forms.AttachmentForm,
            lambda c, by, d, f: services.attachment_add(complaint=c, by=by, upload=d["file"]),
            lambda c: True,
            "outline-secondary",
        ),
        Action(
            "group-case",
            gettext_lazy("Join group case"),
            "group",
            forms.GroupCaseJoinForm,
            lambda c, by, d, f: services.complaint_join_group_case(
                complaint=c, by=by, group_case=d["group_case"], expected_version=d.get("version")
            ),
            lambda c: c.is_open and c.group_case_id is None,
            "outline-secondary",
            needs_complaint=True,
        ),
        Action(
            "improvement",
            gettext_lazy("Improvement item"),
            "improvement",
            forms.ImprovementForm,
            _run_improvement,
            lambda c: True,
            "outline-secondary",
        ),
        Action(
            "link-customer",
            gettext_lazy("Link to the customer"),
            "link_customer",
            forms.LinkCustomerForm,
            lambda c, by, d, f: services.complaint_link_customer(
                complaint=c, by=by, customer=d["match"], expected_version=d.get("version")
            ),
            lambda c: c.customer_id is None,
            "warning",
            needs_user=True,
            needs_complaint=True,
        ),
    )
}
DONE_MESSAGES = {
    "dispatch": gettext_lazy("Dispatched."),
    "respond": gettext_lazy("Contact recorded."),
    "plan": gettext_lazy("Plan recorded."),
    "work-order": gettext_lazy("Work order issued."),
    "resolve": gettext_lazy("Marked resolved."),
    "return-visit": gettext_lazy("Return visit recorded."),
    "close": gettext_lazy("Complaint closed."),
    "reopen": gettext_lazy("Complaint reopened."),
    "pause": gettext_lazy("Clock paused."),
    "resume": gettext_lazy("Clock resumed."),
    "major-report": gettext_lazy("Report saved."),
    "note": gettext_lazy("Note added."),
    "attachment": gettext_lazy("Attachment uploaded."),
    "improvement": gettext_lazy("Improvement item created."),
    "group-case": gettext_lazy("Added to the group case."),
    "link-customer": gettext_lazy("Linked to the customer."),
}


def _complaint_or_404(user, pk: int) -> Complaint:
    try:
        return selectors.complaint_detail(user=user, pk=pk)
    except Complaint.DoesNotExist:
        raise Http404(_("No such complaint.")) from None


def _action_form(action: Action, user, complaint: Complaint, data=None, files=None):
    kwargs = {"user": user} if action.needs_user else {}
    if action.needs_complaint:
        kwargs["complaint"] = complaint
    initial = {"version": complaint.version}
    if action.slug == "dispatch":
        initial.update(department=complaint.department, handler=complaint.handler_id)
    if action.slug == "improvement":
        initial.update(
            title=complaint.title, department=complaint.department, root_cause=complaint.root_cause
        )
    return action.form(data, files, initial=initial, auto_id=f"{action.slug}-%s", **kwargs)


def _sla_clocks(complaint: Complaint, now: datetime.datetime) -> list[dict]:
    """The three promises: due, met at, and (for the running one) the badge state."""
    current = sla_state(complaint, now)
    clocks = []
    for target, met_at in (
        (SlaTarget.FIRST_RESPONSE, complaint.first_responded_at),
        (SlaTarget.PLAN, complaint.plan_agreed_at),
        (SlaTarget.RESOLUTION, complaint.resolved_at if complaint.status != Status.REOPENED else None),
    ):
        due = complaint.due_at_for(target)
        if met_at is not None:
            state = "met" if due is None or met_at <= due else "met_late"
            remaining = None
        elif target == complaint.sla_target:
            state, remaining = current.label, current.remaining
        else:
            state, remaining = ("pending" if complaint.is_open else "none"), None
        clocks.append(
            {"label": target.label, "due": due, "met_at": met_at, "state": state, "remaining": remaining}
        )
    return clocks


def _render_detail(request, complaint: Complaint, bound: tuple[str, object] | None = None, status: int = 200):
    user = request.user
    actions = []
    for action in ACTIONS.values():
        if not (services.may(user, action.permission) and action.available(complaint)):
            continue
        is_bound = bool(bound and bound[0] == action.slug)
        form = bound[1] if is_bound else _action_form(action, user, complaint)
        if getattr(form, "offers_nothing", False):
            continue  # e.g. no open group case to join in this project
        actions.append({"action": action, "form": form, "open": is_bound})
    now = timezone.now()
    return render(
        request,
        "complaints/detail.html",
        {
            "complaint": complaint,
            "sla": sla_state(complaint, now),
            "clocks": _sla_clocks(complaint, now),
            "actions": actions,
            "now": now,
            "may_see_customer": user.may_see_customers(),
            "reporter_phone_masked": mask_phone(complaint.reporter_phone),
            "needs_major_report": complaint.severity == Severity.MAJOR
            and not hasattr(complaint, "major_report"),
        },
        status=status,
    )


@login_required
@require_GET
def complaint_detail(request, pk: int):
    return _render_detail(request, _complaint_or_404(request.user, pk))


@login_required
@require_POST
def complaint_action(request, pk: int, action: str):
    """Every action posts here; scope first (404), then role (403), then the service decides."""
    spec = ACTIONS.get(action)
    if spec is None:
        raise Http404
    user = request.user
    complaint = _complaint_or_404(user, pk)
    if not services.may(user, spec.permission):
        raise PermissionDenied(_("Your role may not do this."))
    form = _action_form(spec, user, complaint, request.POST, request.FILES)
    if form.is_valid():
        try:
            spec.run(complaint, user, form.cleaned_data, request.FILES)
        except ConcurrentEditError as error:
            messages.error(request, " ".join(error.messages))
            form.add_error(None, _("Reload the page to see the latest state, then try again."))
            return _render_detail(request, complaint, bound=(spec.slug, form), status=409)
        except ValidationError as error:
            add_service_errors(form, error)
            messages.error(request, _("%(action)s was not saved; see the form.") % {"action": spec.label})
        else:
            messages.success(request, DONE_MESSAGES[spec.slug])
            return redirect("complaints:detail", pk=complaint.pk)
    return _render_detail(request, complaint, bound=(spec.slug, form), status=400)


# --- work orders --------------------------------------------------------------------------------------


def _may_work_on_orders(user) -> bool:
    return services.may(user, "work_order")


# The columns the work-order list prints: not the complaint's text, nor the users' passwords.
WORK_ORDER_LIST_COLUMNS = (
    "number", "description", "department", "contractor__name", "assignee__username",
    "assignee__display_name", "assignee__first_name", "assignee__last_name", "due_at", "status",
    "complaint__project_id",
)  # fmt: skip


def _label_work_order_rows(rows) -> None:
    """What a work-order row prints, worked out once per page (see _label_board_rows)."""
    projects = selectors.projects()
    statuses, departments = _labels(WorkOrder.Status.choices), _labels(Department.choices)
    detail_url = row_url("complaints:work-order")
    for order in rows:
        order.detail_url = detail_url(order.pk)
        order.project_name = projects.get(order.complaint.project_id, ("", None))[0]
        order.due_text = local_text(order.due_at, "%Y-%m-%d %H:%M")
        order.status_label = statuses.get(order.status, order.status)
        order.department_label = departments.get(order.department, "")


@login_required
@require_GET
def work_order_list(request):
    orders = (
        WorkOrder.objects.visible_to(request.user)
        .select_related("complaint", "contractor", "assignee")
        .only(*WORK_ORDER_LIST_COLUMNS)
    )
    show = request.GET.get("show", "open")
    if show == "open":
        orders = orders.exclude(status__in=[WorkOrder.Status.DONE, WorkOrder.Status.CANCELLED])
    paginator = DueCursorPaginator(orders, ordering=("due_at", "id"))
    page = paginator.page_from_request(request)
    if page is None:
        return broken_link(request)
    _label_work_order_rows(page)
    return render(
        request,
        "complaints/work_order_list.html",
        {"show": show, "now": timezone.now(), **pager_context(request, paginator, page)},
    )


def _work_order_or_404(user, pk: int) -> WorkOrder:
    return get_object_or_404(
        WorkOrder.objects.visible_to(user)
        .select_related(
            "complaint", "complaint__project", "complaint__unit", "contractor", "assignee", "issued_by"
        )
        .prefetch_related("notes__author"),
        pk=pk,
    )


WORK_ORDER_ACTIONS = {
    "accept": (forms.WorkOrderAcceptForm, gettext_lazy("Accepted.")),
    "progress": (forms.WorkOrderNoteForm, gettext_lazy("Progress noted.")),
    "complete": (forms.WorkOrderNoteForm, gettext_lazy("Work order completed.")),
}


def _render_work_order(request, work_order: WorkOrder, bound=None, status: int = 200):
    may_act = _may_work_on_orders(request.user) and work_order.is_open
    action_forms = {}
    if may_act:
        for name, (form_class, _done) in WORK_ORDER_ACTIONS.items():
            if name == "accept" and work_order.status != WorkOrder.Status.ISSUED:
                continue
            if bound and bound[0] == name:
                action_forms[name] = bound[1]
            else:
                action_forms[name] = form_class(initial={"version": work_order.version}, auto_id=f"{name}-%s")
    return render(
        request,
        "complaints/work_order_detail.html",
        {
            "work_order": work_order,
            "action_forms": action_forms,
            "open_action": bound[0] if bound else "",
            "may_see_complaint": Complaint.objects.visible_to(request.user)
            .filter(pk=work_order.complaint_id)
            .exists(),
        },
        status=status,
    )


@login_required
@require_GET
def work_order_detail(request, pk: int):
    return _render_work_order(request, _work_order_or_404(request.user, pk))


@login_required
@require_POST
def work_order_action(request, pk: int, action: str):
    if action not in WORK_ORDER_ACTIONS:
        raise Http404
    work_order = _work_order_or_404(request.user, pk)
    if not _may_work_on_orders(request.user):
        raise PermissionDenied(_("Your role may not do this."))
    form_class, done = WORK_ORDER_ACTIONS[action]
    form = form_class(request.POST, request.FILES, auto_id=f"{action}-%s")
    if form.is_valid():
        data = form.cleaned_data
        try:
            if action == "accept":
                services.work_order_accept(
                    work_order=work_order, by=request.user, expected_version=data.get("version")
                )
            elif action == "progress":
                services.work_order_progress(
                    work_order=work_order,
                    by=request.user,
                    note=data["note"],
                    photo=data.get("photo"),
                    expected_version=data.get("version"),
                )
            else:
                services.work_order_complete(
                    work_order=work_order,
                    by=request.user,
                    note=data["note"],
                    photo=data.get("photo"),
                    expected_version=data.get("version"),
                )
        except ConcurrentEditError as error:
            messages.error(request, " ".join(error.messages))
            return _render_work_order(request, work_order, bound=(action, form), status=409)
        except ValidationError as error:
            add_service_errors(form, error)
            messages.error(request, _("Not saved; see the form."))
        else:
            messages.success(request, done)
            return redirect("complaints:work-order", pk=work_order.pk)
    return _render_work_order(request, work_order, bound=(action, form), status=400)


# --- supervisor view, group cases, improvement items -------------------------------------------------


@login_required
@require_GET
def supervisor(request):
    _require_supervisor(request.user)
    view = selectors.supervisor_view(user=request.user)
    proposals = selectors.group_case_proposals(user=request.user)
    return render(request, "complaints/supervisor.html", {"view": view, "proposals": proposals})


@login_required
@require_POST
def group_case_create(request):
    _require(request.user, "group")
    # From the supervisor view's proposals, or from the rows ticked on the board (which sends "next").
    back = _board_url(request) if "next" in request.POST else reverse("complaints:supervisor")
    form = forms.GroupCaseForm(request.POST, user=request.user)
    if not form.is_valid():
        messages.error(request, _("Choose at least two open complaints you can see."))
        return redirect(back)
    complaints = list(form.cleaned_data["complaints"].select_related("unit"))
    try:
        case = services.group_case_create(
            by=request.user, title=form.cleaned_data["title"], complaints=complaints
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(back)
    messages.success(
        request,
        _("Group case %(number)s created with %(count)d complaints.")
        % {"number": case.number, "count": len(complaints)},
    )
    return redirect("complaints:detail", pk=complaints[0].pk)


def _numbers_from(request) -> dict:
    """`?from=12,13`: the numbers of those complaints the user may see, for the new item's form."""
    ids = _complaint_ids(request.GET.get("from", "").split(","))
    if not ids:
        return {}
    visible = Complaint.objects.visible_to(request.user).filter(pk__in=ids).order_by("pk")
    numbers = list(visible.values_list("number", flat=True))
    return {"complaint_numbers": " ".join(numbers)} if numbers else {}


def _improvements_visible_to(user):
    return (
        ImprovementItem.objects.visible_to(user)
        .select_related("project", "owner", "created_by")
        .prefetch_related("complaints")
    )


@login_required
@require_http_methods(["GET", "POST"])
def improvements(request):
    user = request.user
    if not (services.may(user, "improvement") or user.role == Role.READONLY_MANAGER):
        raise PermissionDenied(_("Your role may not see improvement items."))
    may_edit = services.may(user, "improvement")
    form = (
        forms.ImprovementListForm(request.POST or None, initial=_numbers_from(request)) if may_edit else None
    )
    if request.method == "POST":
        _require(user, "improvement")
        if form.is_valid():
            numbers = form.numbers()
            complaints = list(Complaint.objects.visible_to(user).filter(number__in=numbers))
            missing = set(numbers) - {c.number for c in complaints}
            if missing:
                form.add_error(
                    "complaint_numbers", _("Not found: %(numbers)s") % {"numbers": ", ".join(sorted(missing))}
                )
            else:
                try:
                    services.improvement_item_create(
                        by=user,
                        complaints=complaints,
                        title=form.cleaned_data["title"],
                        department=form.cleaned_data["department"],
                        root_cause=form.cleaned_data.get("root_cause") or "",
                        description=form.cleaned_data.get("description") or "",
                        due_on=form.cleaned_data.get("due_on"),
                    )
                except ValidationError as error:
                    add_service_errors(form, error)
                else:
                    messages.success(request, _("Improvement item created."))
                    return redirect("complaints:improvements")
    items = _improvements_visible_to(user)
    status = request.GET.get("status", "")
    if status in ImprovementItem.Status.values:
        items = items.filter(status=status)
    page, pager = newest_first_page(request, items)
    if page is None:
        return broken_link(request)
    return render(
        request,
        "complaints/improvements.html",
        {
            **pager,
            "items": page,
            "form": form,
            "may_edit": may_edit,
            "statuses": ImprovementItem.Status.choices,
            "status": status,
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def improvement_status(request, pk: int):
    _require(request.user, "improvement")
    item = get_object_or_404(_improvements_visible_to(request.user), pk=pk)
    form = forms.ImprovementStatusForm(request.POST)
    if form.is_valid():
        services.improvement_item_set_status(item=item, by=request.user, status=form.cleaned_data["status"])
        messages.success(request, _("Status changed."))
    else:
        messages.error(request, _("Unknown status."))
    return redirect("complaints:improvements")
