"""The care tasks page: the birthdays and home anniversaries of the team's members, soonest first
(keyset paging on (due date, id)), each closed as done or skipped with a note."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import DateField, F, IntegerField, Value
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from core.masking import mask_phone
from core.paging import (
    DueCursorPaginator,
    RowCompare,
    broken_link,
    cursor_date,
    cursor_id,
    cursor_parts,
    pager_context,
)

from ..models import CareTask
from ..permissions import may_serve_members, may_view_club
from ..selectors import care as selectors
from ..services.care import care_task_close


class DueDatePaginator(DueCursorPaginator):
    """Keyset paging on (a date, id): the care tasks' (due_on, id), served by their partial index."""

    def _position(self, cursor: str):
        due, pk = cursor_parts(self, cursor, 2)
        return (None if due is None else cursor_date(due)), cursor_id(pk)

    def _beyond(self, due, pk: int, operator: str):
        return RowCompare(
            [F(self.due), F(self.id)], operator, [Value(due, DateField()), Value(pk, IntegerField())]
        )


class CareFilterForm(forms.Form):
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False, choices=CareTask.Status.choices)
    kind = forms.ChoiceField(
        label=gettext_lazy("Occasion"),
        required=False,
        choices=[("", gettext_lazy("Any"))] + CareTask.Kind.choices,
    )


@login_required
@require_GET
def care_task_list(request):
    user = request.user
    if not may_view_club(user):
        raise PermissionDenied(_("Your role may not see the club."))
    form = CareFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    tasks = selectors.care_task_list(
        user=user, status=data.get("status") or CareTask.Status.OPEN, kind=data.get("kind") or ""
    )
    paginator = DueDatePaginator(tasks.order_by("due_on", "id"), ("due_on", "id"))
    page = paginator.page_from_request(request)
    if page is None:
        return broken_link(request)
    for task in page:
        task.member_phone = mask_phone(task.member.phone)
    return render(
        request,
        "membership/care_task_list.html",
        {
            "form": form,
            "today": timezone.localdate(),
            "may_close": may_serve_members(user),
            **pager_context(request, paginator, page),
        },
    )


@login_required
@require_POST
def care_task_close_view(request, pk: int, outcome: str):
    user = request.user
    task = selectors.care_tasks_visible_to(user).filter(pk=pk).first()
    if task is None:
        raise Http404(_("No such care task."))
    try:
        care_task_close(task=task, by=user, outcome=outcome, note=request.POST.get("note", "")[:2000])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Care task closed."))
    return redirect("club:care_tasks")
