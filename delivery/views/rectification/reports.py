"""Reports: the printable unit report, the Excel export, statistics, owners' reports after handover."""

from __future__ import annotations

from collections import Counter

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from complaints import services as complaint_services
from customers.forms import add_service_errors

from ... import exports
from ...deadlines import defect_deadline_state
from ...forms import rectification as forms
from ...models import Defect
from ...selectors import rectification as selectors
from ...selectors.inspection import floor_plan_for
from ...services import rectification as services
from ._common import _handover_or_404, _kept, _not_contractor, _not_department_staff, _pins, _require


@login_required
@require_GET
def defect_export(request):
    user = request.user
    _not_department_staff(user)
    form = forms.DefectFilterForm(request.GET or None, user=user)
    if form.is_bound and not form.is_valid():
        messages.error(request, _("Check the filters."))
        return redirect(reverse("delivery:defect-list") + f"?{request.GET.urlencode()}")
    defects = selectors.defect_list(user=user, filters=form.selector_filters() if form.is_bound else {})
    if exports.too_many_to_export(defects):
        messages.error(
            request,
            _(
                "More than %(max)s defects match: narrow the filters (a project, a building, a status) and export again."
            )
            % {"max": f"{exports.MAX_EXPORT_ROWS:,}"},
        )
        return redirect(reverse("delivery:defect-list") + f"?{request.GET.urlencode()}")
    filename = f"defects-{timezone.localtime():%Y%m%d-%H%M}.xlsx"
    return exports.defects_xlsx_response(defects.order_by("-id"), filename)


@login_required
@require_GET
def unit_report(request, pk: int):
    """A unit's defects with photos and status, to print for the owner or the contractor."""
    user = request.user
    handover = _handover_or_404(user, pk)
    defects = list(selectors.unit_defects(user=user, handover=handover))
    now = timezone.now()
    for defect in defects:
        defect.deadline = defect_deadline_state(defect, now)
    counts = Counter(d.status for d in defects)
    owner = services.unit_owner(handover.unit)
    pins = _pins(defects)  # one plan with every pinned defect, numbered as in the list below
    return render(
        request,
        "delivery/rectification/unit_report.html",
        {
            "handover": handover,
            "defects": defects,
            "owner": owner,
            "status_counts": [
                {"label": label, "count": counts[value]}
                for value, label in Defect.Status.choices
                if counts[value]
            ],
            "open_count": sum(counts[s] for s in Defect.OPEN_STATUSES),
            "warranty_ends": services.warranty_ends(handover),
            "pins": pins,
            "floor_plan": floor_plan_for(handover.unit) if pins else None,
            "may_record": services.may(user, "record") and services.takes_warranty_defects(handover),
            "may_reinspect": services.may(user, "owner_accept"),
            "now": now,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def after_handover_defect(request, pk: int):
    """保修期内报修: record a defect the owner reports after moving in (and open the repair request)."""
    user = request.user
    handover = _handover_or_404(user, pk)
    _require(user, "record")
    form = forms.AfterHandoverDefectForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        to_complaint = data.pop("to_complaint")
        try:
            defect = services.defect_report_after_handover(by=user, unit=handover.unit, **data)
            if to_complaint and services.may(user, "to_complaint"):
                complaint = services.defect_to_complaint(by=user, defect=defect)
                messages.info(request, _("Repair request %(number)s.") % {"number": complaint.number})
        except ValidationError as error:
            add_service_errors(
                form, error, field_aliases={"after_handover": "__all__", "customer": "__all__"}
            )
        else:
            messages.success(request, _("Defect %(number)s recorded.") % {"number": defect.number})
            return redirect("delivery:defect-detail", pk=defect.pk)
    return render(
        request,
        "delivery/rectification/after_handover_defect.html",
        {"form": form, "handover": handover, "warranty_ends": services.warranty_ends(handover)},
        status=400 if form.errors else 200,
    )


@login_required
@require_GET
def stats(request):
    user = request.user
    _not_contractor(user)
    form = forms.StatsFilterForm(request.GET or None, user=user)
    filters = form.cleaned_data if form.is_valid() else {}
    figures = selectors.defect_stats(
        user=user,
        project=filters.get("project"),
        found_from=filters.get("found_from"),
        found_to=filters.get("found_to"),
    )
    may_improve = complaint_services.may(user, "improvement")
    return render(
        request,
        "delivery/rectification/stats.html",
        {
            "form": form,
            "stats": figures,
            "project": filters.get("project"),
            "may_improve": may_improve,
            "improvement_form": forms.StatsImprovementForm(user=user, auto_id="improvement_%s")
            if may_improve
            else None,
        },
    )


@login_required
@require_POST
def stats_improvement(request):
    user = request.user
    _not_contractor(user)
    if not complaint_services.may(user, "improvement"):
        raise PermissionDenied(_("Your role may not do this."))
    form = forms.StatsImprovementForm(request.POST, user=user)
    back = reverse("delivery:stats") + _kept(request)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect(back)
    data = form.cleaned_data
    try:
        item = services.improvement_item_from_stats(
            by=user,
            title=data["title"],
            department=data["department"],
            description=data.get("description") or "",
            root_cause=data.get("root_cause") or "",
            project=data.get("project"),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(back)
    messages.success(request, _("Improvement item “%(title)s” created.") % {"title": item.title})
    return redirect(back)
