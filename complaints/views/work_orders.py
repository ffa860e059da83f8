"""Work orders (派单): the list, a work order's page, and accepting, reporting and completing it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from accounts.models import Department, Role
from core.listing import ListSort, SortColumn, bounded_count, sort_word, sorting_context
from core.paging import broken_link, pager_context, rows_of_page
from core.rows import local_text, row_url
from customers.forms import add_service_errors
from customers.services import ConcurrentEditError

from .. import forms, selectors, services
from ..models import Complaint, WorkOrder
from ..work_order_deadlines import work_order_deadline_state
from ._common import _labels


def _may_work_on_orders(user) -> bool:
    return services.may(user, "work_order")


# The columns the work-order list prints: not the complaint's text, nor the users' passwords.
WORK_ORDER_LIST_COLUMNS = (
    "number", "description", "department", "contractor__name", "assignee__username",
    "assignee__display_name", "assignee__first_name", "assignee__last_name", "due_at", "status",
    "warned", "escalation_level", "project_id",
)  # fmt: skip

# By due time (work_order_open_due_project / work_order_due_project, read either way) or by number, the
# id (work_order_open_id_project for the open ones, the primary key for all).
WORK_ORDER_SORT = ListSort(
    (SortColumn("due", field="due_at"), SortColumn("number", descending_first=True)), default="due"
)


def _label_work_order_rows(rows, now) -> None:
    """What a work-order row prints, worked out once per page (see _label_board_rows)."""
    projects = selectors.projects()
    statuses, departments = _labels(WorkOrder.Status.choices), _labels(Department.choices)
    detail_url = row_url("complaints:work-order")
    for order in rows:
        order.detail_url = detail_url(order.pk)
        order.project_name = projects.get(order.project_id, ("", None))[0]
        order.due_text = local_text(order.due_at, "%Y-%m-%d %H:%M")
        order.status_label = statuses.get(order.status, order.status)
        order.department_label = departments.get(order.department, "")
        order.deadline = work_order_deadline_state(order, now)


@login_required
@require_GET
def work_order_list(request):
    orders = WorkOrder.objects.visible_to(request.user)
    show = request.GET.get("show", "open")
    if show == "open":
        orders = orders.exclude(status__in=[WorkOrder.Status.DONE, WorkOrder.Status.CANCELLED])
    # The page's keys first: a walk of work_order_open_due_project (or the others) that reads only the
    # index, skipping other projects' orders there; then its 25 rows by id (crm_bench10, city head:
    # 16 → 2 ms of SQL: it no longer visits each walked order's row and complaint).
    paginator, sort = WORK_ORDER_SORT.paginator(orders.only("id", "due_at"), sort_word(request))
    page = paginator.page_from_request(request)
    if page is None:
        return broken_link(request)
    rows = WorkOrder.objects.select_related("contractor", "assignee").only(*WORK_ORDER_LIST_COLUMNS)
    page = rows_of_page(page, rows)
    _label_work_order_rows(page, timezone.now())
    return render(
        request,
        "complaints/work_order_list.html",
        {
            "show": show,
            # Counted for contractors only: a staff scope's count walks the open orders of every project
            # but its own to find 1,000 of them (make bench before the project was on the order: 87 ms
            # for a city head), while the page itself stops at 25.
            "list_count": bounded_count(orders) if request.user.role == Role.CONTRACTOR else None,
            **sorting_context(request, WORK_ORDER_SORT, sort),
            **pager_context(request, paginator, page),
        },
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
            "deadline": work_order_deadline_state(work_order),
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
