"""The touchpoint pages: my touchpoints today (with the outcomes in two clicks), the completion rates, and
the list of every touchpoint in scope (the dashboards' touchpoint figures drill there)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from core.listing import bounded_count
from core.paging import DueCursorPaginator, broken_link, newest_first_page, pager_context
from core.rows import local_text, row_url
from customers.models import CustomerPhone
from customers.services import ConcurrentEditError
from properties.selectors import projects_by_id

from ..deadlines import deadline_state
from ..forms import MyTouchpointsFilterForm, RatesFilterForm, TouchpointListFilterForm, TouchpointOutcomeForm
from ..models import Touchpoint, TouchpointPlan
from ..permissions import may_read_rates, may_record, may_work_touchpoints
from ..selectors import (
    COMPLETED,
    TouchpointFilters,
    my_touchpoints,
    touchpoint_list,
    touchpoint_rates,
)
from ..services.touchpoints import touchpoint_record


def _require_worker(user) -> None:
    if not may_work_touchpoints(user):
        raise PermissionDenied(_("Your role does not work touchpoints."))


def _label_rows(rows, user, today) -> None:
    """What a row prints, worked out once per page; phones masked (the customer page reveals)."""
    projects = projects_by_id()
    customer_url = row_url("customers:detail")
    for tp in rows:
        tp.project_name = projects.get(tp.project_id, ("", None))[0]
        tp.deadline = deadline_state(tp, today)
        tp.customer_url = customer_url(tp.customer_id)
        phones = tp.customer.phones.all()
        phone = next((p for p in phones if p.is_primary), phones[0] if phones else None)
        tp.phone_masked = phone.masked if phone else ""
        tp.may_record = may_record(user, tp)


def _list_page(request, *, form, status: int = 200, error_form=None):
    today = timezone.localdate()
    when = form.cleaned_data["when"] if form.is_valid() else "all"
    rows = my_touchpoints(user=request.user, when=when, today=today).prefetch_related(
        Prefetch(
            "customer__phones",
            queryset=CustomerPhone.objects.only("id", "customer_id", "number", "is_primary"),
        )
    )
    paginator = DueCursorPaginator(rows, ordering=("due_at", "id"))
    page = paginator.page_from_request(request)
    if page is None:
        return broken_link(request)
    _label_rows(page, request.user, today)
    context = {
        "form": form,
        "error_form": error_form,
        "today": today,
        "outcomes": TouchpointOutcomeForm.base_fields["outcome"].choices,
        "may_read_rates": may_read_rates(request.user),
        **pager_context(request, paginator, page),
    }
    return render(request, "lifecycle/my_touchpoints.html", context, status=status)


@login_required
@require_GET
def my_touchpoints_view(request):
    _require_worker(request.user)
    form = MyTouchpointsFilterForm(request.GET)
    if not form.is_valid():
        return render(request, "lifecycle/my_touchpoints.html", {"form": form, "page": []}, status=400)
    return _list_page(request, form=form)


@login_required
@require_POST
def touchpoint_record_view(request, pk: int):
    """Scope first (404), then role (403), then the service decides (a stale version: 409)."""
    _require_worker(request.user)
    if not Touchpoint.objects.visible_to(request.user).filter(pk=pk).exists():
        raise Http404
    form = TouchpointOutcomeForm(request.POST)
    back = MyTouchpointsFilterForm(request.GET)
    back.is_valid()
    if form.is_valid():
        try:
            touchpoint = touchpoint_record(
                touchpoint_id=pk,
                by=request.user,
                outcome=form.cleaned_data["outcome"],
                note=form.cleaned_data["note"],
                version=form.cleaned_data["version"],
            )
        except ConcurrentEditError as error:
            form.add_error(None, " ".join(error.messages))
            return _list_page(request, form=back, status=409, error_form=form)
        except ValidationError as error:
            form.add_error(None, " ".join(error.messages))
        else:
            if touchpoint.status == Touchpoint.Status.NO_ANSWER:
                messages.info(
                    request, _("No answer: tried again on %(day)s.") % {"day": touchpoint.due_on.isoformat()}
                )
            else:
                messages.success(request, _("Outcome recorded."))
            url = reverse("lifecycle:my_touchpoints")
            when = back.cleaned_data.get("when") if back.is_valid() else None
            return redirect(f"{url}?when={when}" if when and when != "all" else url)
    return _list_page(request, form=back, status=400, error_form=form)


@login_required
@require_GET
def touchpoint_rates_view(request):
    if not may_read_rates(request.user):
        raise PermissionDenied(_("Your role may not read the completion rates."))
    form = RatesFilterForm(request.GET, user=request.user)
    if not form.is_valid():
        return render(request, "lifecycle/touchpoint_rates.html", {"form": form, "rows": []}, status=400)
    rows = touchpoint_rates(
        user=request.user,
        since=form.cleaned_data["since"],
        until=form.cleaned_data["until"],
        project_id=form.cleaned_data["project"],
    )
    plans = {plan.pk: plan for plan in TouchpointPlan.objects.all()}
    projects = projects_by_id()
    for row in rows:
        plan = plans[row["plan_id"]]
        row["step"], row["plan"] = plan.get_step_display(), plan.name
        row["project"] = projects.get(row["project_id"], ("", None))[0]
    return render(
        request,
        "lifecycle/touchpoint_rates.html",
        {
            "form": form,
            "rows": rows,
            "since": form.cleaned_data["since"],
            "until": form.cleaned_data["until"],
        },
    )


def _label_list_rows(rows, today) -> None:
    """What a row of the list of every touchpoint prints, once per page."""
    projects = projects_by_id()
    customer_url = row_url("customers:detail")
    statuses = dict(Touchpoint.Status.choices)
    for tp in rows:
        tp.project_name = projects.get(tp.project_id, ("", None))[0]
        tp.customer_url = customer_url(tp.customer_id)
        tp.status_label = statuses.get(tp.status, tp.status)
        tp.done_text = local_text(tp.done_at, "%Y-%m-%d %H:%M")
        tp.completed = tp.status in COMPLETED
        tp.late = tp.completed and tp.done_at is not None and tp.done_at > tp.due_at
        tp.deadline = deadline_state(tp, today)


@login_required
@require_GET
def touchpoint_list_view(request):
    """Every touchpoint in the user's scope, newest first, filtered (supervisors and managers)."""
    if not may_read_rates(request.user):
        raise PermissionDenied(_("Your role may not read the completion rates."))
    template = "lifecycle/touchpoint_list.html"
    form = TouchpointListFilterForm(request.GET, user=request.user)
    if not form.is_valid():
        return render(request, template, {"form": form, "page": []}, status=400)
    data, today = form.cleaned_data, timezone.localdate()
    filters = TouchpointFilters(
        due_from=data["due_from"],
        due_to=data["due_to"],
        city_id=data["city"],
        project_id=data["project"],
        step=data["step"],
        status=data["status"],
        on_time=data["on_time"],
        overdue=data["overdue"],
    )
    rows = touchpoint_list(user=request.user, filters=filters, today=today)
    page, pager = newest_first_page(request, rows)
    if page is None:
        return broken_link(request)
    _label_list_rows(page, today)
    return render(request, template, {"form": form, "list_count": bounded_count(rows), **pager})
