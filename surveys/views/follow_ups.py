"""The closed loop's pages: the follow-ups by due time, one follow-up with its outcome and its complaint."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from complaints.services import may as may_do_complaint
from core.paging import DueCursorPaginator, broken_link, pager_context
from core.rows import local_text, row_url
from customers.forms import add_service_errors
from customers.models import Customer
from customers.services import ConcurrentEditError
from properties.selectors import projects_by_id

from ..deadlines import follow_up_deadline_state
from ..forms.follow_ups import FollowUpFilterForm, FollowUpOutcomeForm, RaiseComplaintForm
from ..models import FollowUp
from ..permissions import may_handle_follow_ups, may_view_surveys
from ..selectors.follow_ups import answer_lines, final_answers, follow_up_detail, follow_up_list
from ..services import follow_ups as services


def _require_viewer(user) -> None:
    if not may_view_surveys(user):
        raise PermissionDenied(_("Your role may not see surveys."))


def _label_rows(rows, now) -> None:
    """What a row prints, worked out once per page (core.rows)."""
    projects = projects_by_id()
    statuses = dict(FollowUp.Status.choices)
    detail_url = row_url("surveys:follow_up")
    for follow_up in rows:
        follow_up.detail_url = detail_url(follow_up.pk)
        follow_up.project_name = projects.get(follow_up.project_id, ("", None))[0]
        follow_up.due_text = local_text(follow_up.due_at, "%Y-%m-%d %H:%M")
        follow_up.status_label = statuses.get(follow_up.status, follow_up.status)
        follow_up.deadline = follow_up_deadline_state(follow_up, now)


@login_required
@require_GET
def follow_up_list_view(request):
    """The follow-ups in scope, nearest due first; open ones unless another status is asked for."""
    _require_viewer(request.user)
    data = request.GET.copy()
    data.setdefault("status", FollowUp.Status.OPEN)
    form = FollowUpFilterForm(data, user=request.user)
    if not form.is_valid():
        return render(request, "surveys/follow_up_list.html", {"form": form, "page": []}, status=400)
    follow_ups = follow_up_list(
        user=request.user,
        status=form.cleaned_data["status"],
        project_id=form.cleaned_data["project"],
        overdue=form.cleaned_data["overdue"],
    )
    paginator = DueCursorPaginator(follow_ups, ordering=("due_at", "id"))
    page = paginator.page_from_request(request)
    if page is None:
        return broken_link(request)
    _label_rows(page, timezone.now())
    return render(
        request, "surveys/follow_up_list.html", {"form": form, **pager_context(request, paginator, page)}
    )


def _follow_up_or_404(user, pk: int) -> FollowUp:
    _require_viewer(user)
    try:
        return follow_up_detail(user=user, pk=pk)
    except FollowUp.DoesNotExist as error:
        raise Http404 from error


def _render_detail(
    request, follow_up: FollowUp, *, outcome_form=None, complaint_form=None, status: int = 200
):
    user = request.user
    may_handle = may_handle_follow_ups(user)
    answers = final_answers(follow_up.invitation)
    may_raise = may_handle and not follow_up.complaint_id and may_do_complaint(user, "create")
    if may_raise and complaint_form is None:
        category = services.default_category(follow_up, answers)
        complaint_form = RaiseComplaintForm(initial={"category": category.pk if category else None})
    if may_handle and follow_up.is_open and outcome_form is None:
        outcome_form = FollowUpOutcomeForm(initial={"version": follow_up.version})
    phone = follow_up.customer.primary_phone
    return render(
        request,
        "surveys/follow_up_detail.html",
        {
            "follow_up": follow_up,
            "answers": answer_lines(answers),
            "deadline": follow_up_deadline_state(follow_up),
            "phone_masked": phone.masked if phone else "",
            "may_see_customer": Customer.objects.visible_to(user).filter(pk=follow_up.customer_id).exists(),
            "outcome_form": outcome_form if may_handle and follow_up.is_open else None,
            "complaint_form": complaint_form if may_raise else None,
            "alerts": sorted(follow_up.alerts.all(), key=lambda alert: alert.level),
        },
        status=status,
    )


@login_required
@require_GET
def follow_up_detail_view(request, pk: int):
    return _render_detail(request, _follow_up_or_404(request.user, pk))


def _require_handler(user) -> None:
    if not may_handle_follow_ups(user):
        raise PermissionDenied(_("Your role may not do this."))


@login_required
@require_POST
def follow_up_record_view(request, pk: int):
    """Scope first (404), then role (403), then the service decides (a stale version: 409)."""
    follow_up = _follow_up_or_404(request.user, pk)
    _require_handler(request.user)
    form = FollowUpOutcomeForm(request.POST)
    if form.is_valid():
        try:
            services.follow_up_record(
                follow_up=follow_up,
                by=request.user,
                outcome=form.cleaned_data["outcome"],
                note=form.cleaned_data["note"],
                version=form.cleaned_data["version"],
            )
        except ConcurrentEditError as error:
            messages.error(request, " ".join(error.messages))
            form.add_error(None, _("Reload the page to see the latest state, then try again."))
            return _render_detail(request, follow_up, outcome_form=form, status=409)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Outcome recorded; the follow-up is closed."))
            return redirect("surveys:follow_up", pk=follow_up.pk)
    return _render_detail(request, follow_up, outcome_form=form, status=400)


@login_required
@require_POST
def follow_up_raise_complaint_view(request, pk: int):
    follow_up = _follow_up_or_404(request.user, pk)
    _require_handler(request.user)
    form = RaiseComplaintForm(request.POST)
    if form.is_valid():
        try:
            complaint = services.follow_up_raise_complaint(
                follow_up=follow_up, by=request.user, category=form.cleaned_data["category"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Complaint %(number)s raised.") % {"number": complaint.number})
            return redirect("surveys:follow_up", pk=follow_up.pk)
    follow_up = _follow_up_or_404(request.user, pk)  # re-read: a refusal may mean someone raised it since
    return _render_detail(request, follow_up, complaint_form=form, status=400)
