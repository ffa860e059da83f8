"""The SLA board (/complaints/): open complaints by nearest due time, its counters and bulk actions."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from accounts.models import Department
from core.listing import ListSort, SortColumn, bounded_count, sort_word, sorting_context
from core.masking import mask_phone
from core.paging import broken_link, pager_context
from core.rows import local_text, row_url

from .. import forms, selectors, services
from ..models import Channel, ComplaintType, Severity, SlaTarget, Status
from ..sla import sla_state
from ..templatetags.complaints_tags import sla_badge_class, sla_remaining, sla_state_label
from ._common import _board_url, _complaint_ids, _labels, _require

SLA_STATE_LABELS = {
    "on_time": gettext_lazy("On time"),
    "warning": gettext_lazy("Warning"),
    "breached": gettext_lazy("Breached"),
    "paused": gettext_lazy("Paused"),
}

# The board's orders: by the due time (the index complaint_board_current_due, read either way) and by
# number, i.e. the id (complaint_open_by_id: the open complaints' ids, so the oldest open one is near).
BOARD_SORT = ListSort(
    (SortColumn("due", field="current_due"), SortColumn("number", descending_first=True)), default="due"
)


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
    valid = form.is_valid()
    filters = form.selector_filters() if valid else {}
    board = selectors.sla_board(user=user, filters=filters)
    paginator, sort = BOARD_SORT.paginator(board, sort_word(request))
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
            "drill_down": form.drill_down() if valid else [],
            "filter_errors": []
            if valid or not form.is_bound
            else [f"{name}: {' '.join(errors)}" for name, errors in form.errors.items()],
            # Words: a common one matches most of the scope, whose count would read up to 1,001 rows
            # more from the words' indexes (complaints/words.py, the trigrams), so none.
            "list_count": None if filters.get("q") else bounded_count(board),
            **sorting_context(request, BOARD_SORT, sort),
            **pager_context(request, paginator, page),
        },
        # Unreadable filters (a hand-edited drill-down link): the board without them, the errors, a 400.
        status=200 if valid or not form.is_bound else 400,
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
