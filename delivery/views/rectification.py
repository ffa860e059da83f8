"""Rectification pages: the defect list and page with its actions, rectification orders (the
contractor's home), the owner's re-inspection (复验), the printable unit report, the Excel export
and the statistics. Thin: reads through delivery.selectors.rectification, writes through
delivery.services.rectification."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import Role
from complaints import services as complaint_services
from complaints.models import Complaint
from crm.paging import broken_link, newest_first_page
from customers.forms import add_service_errors
from customers.services import ConcurrentEditError

from .. import exports
from ..deadlines import defect_deadline_state
from ..forms import rectification as forms
from ..models import Defect, DefectPhoto, Handover, RectificationOrder
from ..selectors import rectification as selectors
from ..selectors.inspection import floor_plan_for
from ..services import rectification as services


def _require(user, action: str) -> None:
    if not services.may(user, action):
        raise PermissionDenied(_("Your role may not do this."))


def _not_contractor(user) -> None:
    if user.role in (Role.CONTRACTOR, Role.DEPARTMENT_STAFF):
        raise PermissionDenied(_("Your role may not see this page."))


def _not_department_staff(user) -> None:
    """Defects and orders are the handover team's and the contractors' (their own); department staff,
    who work on complaint work orders, see none of them (Defect.objects.visible_to)."""
    if user.role == Role.DEPARTMENT_STAFF:
        raise PermissionDenied(_("Your role may not see this page."))


# --- the defect list, issuing orders, the export -------------------------------------------------------


@login_required
@require_GET
def defect_list(request):
    user = request.user
    _not_department_staff(user)
    form = forms.DefectFilterForm(request.GET or None, user=user)
    filters = form.selector_filters() if form.is_valid() else {}
    page, pager = newest_first_page(request, selectors.defect_list(user=user, filters=filters))
    if page is None:
        return broken_link(request)
    now = timezone.now()
    for defect in page:
        defect.deadline = defect_deadline_state(defect, now)
    may_issue = services.may(user, "issue")
    export_query = request.GET.copy()
    for key in ("after", "before"):
        export_query.pop(key, None)
    return render(
        request,
        "delivery/rectification/defect_list.html",
        {
            "form": form,
            "may_issue": may_issue,
            "issue_form": forms.IssueOrdersForm(user=user, auto_id="issue_%s") if may_issue else None,
            "export_query": export_query.urlencode(),
            "now": now,
            **pager,
        },
    )


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
@require_POST
def orders_issue(request):
    user = request.user
    _require(user, "issue")
    form = forms.IssueOrdersForm(request.POST, user=user)
    back = reverse("delivery:defect-list") + _kept(request)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect(back)
    try:
        orders = services.rectification_orders_issue(
            by=user,
            defects=list(form.cleaned_data["defects"]),
            contractor=form.cleaned_data.get("contractor"),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(back)
    messages.success(
        request,
        _("%(count)d rectification orders issued: %(numbers)s")
        % {"count": len(orders), "numbers": ", ".join(o.number for o in orders)},
    )
    if len(orders) == 1:
        return redirect("delivery:order-detail", pk=orders[0].pk)
    return redirect("delivery:order-list")


def _kept(request) -> str:
    back = request.POST.get("next", "")
    return f"?{back}" if back and "\n" not in back and "\r" not in back else ""


# --- the defect page and its actions ---------------------------------------------------------------------


@dataclass(frozen=True)
class Action:
    """One button on the defect page: its form, who may (services.ACTION_ROLES), when, and the service."""

    slug: str
    label: str
    permission: str
    form: type
    run: Callable
    available: Callable[[Defect], bool]
    style: str = "outline-primary"
    staff_only: bool = False
    multipart: bool = False
    initial: Callable[[Defect], dict] | None = None  # the form's starting values, besides the version


def _status_in(*statuses) -> Callable[[Defect], bool]:
    return lambda defect: defect.status in statuses


def _run_issue(defect, by, data):
    return services.rectification_orders_issue(by=by, defects=[defect], contractor=data.get("contractor"))


ACTIONS: dict[str, Action] = {
    a.slug: a
    for a in (
        Action(
            "issue",
            gettext_lazy("Issue rectification order"),
            "issue",
            forms.IssueOneForm,
            _run_issue,
            lambda d: d.status == Defect.Status.OPEN and d.order_id is None,
            "primary",
            staff_only=True,
        ),
        Action(
            "progress",
            gettext_lazy("Report progress"),
            "progress",
            forms.ProgressForm,
            lambda d, by, data: services.defect_progress(
                by=by,
                defect=d,
                note=data["note"],
                photos=data["photos"],
                expected_version=data.get("version"),
            ),
            _status_in(Defect.Status.FIXING),
            multipart=True,
        ),
        Action(
            "fixed",
            gettext_lazy("Mark fixed"),
            "fixed",
            forms.FixedForm,
            lambda d, by, data: services.defect_mark_fixed(
                by=by,
                defect=d,
                photos=data["photos"],
                note=data["note"],
                expected_version=data.get("version"),
            ),
            _status_in(Defect.Status.FIXING),
            "success",
            multipart=True,
        ),
        Action(
            "verify",
            gettext_lazy("Verify the fix"),
            "verify",
            forms.NoteForm,
            lambda d, by, data: services.defect_verify(
                by=by, defect=d, note=data["note"], expected_version=data.get("version")
            ),
            _status_in(Defect.Status.FIXED),
            "success",
        ),
        Action(
            "reject",
            gettext_lazy("Reject the fix"),
            "reject",
            forms.ReasonForm,
            lambda d, by, data: services.defect_reject(
                by=by, defect=d, reason=data["reason"], expected_version=data.get("version")
            ),
            _status_in(Defect.Status.FIXED),
            "outline-danger",
        ),
        Action(
            "owner-accept",
            gettext_lazy("Owner accepts"),
            "owner_accept",
            forms.OwnerAcceptForm,
            lambda d, by, data: services.defect_owner_accept(
                by=by,
                defect=d,
                note=data["note"],
                photos=data["photos"],
                expected_version=data.get("version"),
            ),
            _status_in(Defect.Status.VERIFIED),
            "success",
            multipart=True,
        ),
        Action(
            "owner-reject",
            gettext_lazy("Owner rejects"),
            "owner_reject",
            forms.OwnerRejectForm,
            lambda d, by, data: services.defect_owner_reject(
                by=by,
                defect=d,
                reason=data["reason"],
                photos=data["photos"],
                expected_version=data.get("version"),
            ),
            _status_in(Defect.Status.VERIFIED),
            "outline-danger",
            multipart=True,
        ),
        Action(
            "photos",
            gettext_lazy("Add photos"),
            "photos",
            forms.PhotosForm,
            lambda d, by, data: services.defect_photos_add(
                by=by,
                defect=d,
                photos=data["photos"],
                stage=data["stage"],
                expected_version=data.get("version"),
            ),
            lambda d: d.is_open,
            "outline-secondary",
            staff_only=True,
            multipart=True,
        ),
        Action(
            "to-complaint",
            gettext_lazy("Open a repair request (报修)"),
            "to_complaint",
            forms.ConfirmForm,
            lambda d, by, data: services.defect_to_complaint(by=by, defect=d),
            lambda d: d.after_handover and d.complaint_id is None and d.status != Defect.Status.CANCELLED,
            "outline-primary",
        ),
        Action(
            "correct",
            gettext_lazy("Correct the record"),
            "correct",
            forms.CorrectForm,
            lambda d, by, data: services.defect_correct(
                by=by,
                defect=d,
                expected_version=data.get("version"),
                **{name: data[name] for name in services.CORRECTABLE},
            ),
            lambda d: d.status == Defect.Status.OPEN and d.order_id is None,
            "outline-secondary",
            staff_only=True,
            initial=lambda d: {name: getattr(d, name) for name in services.CORRECTABLE},
        ),
        Action(
            "cancel",
            gettext_lazy("Cancel the defect"),
            "cancel",
            forms.ReasonForm,
            lambda d, by, data: services.defect_cancel(
                by=by, defect=d, reason=data["reason"], expected_version=data.get("version")
            ),
            lambda d: d.is_open,
            "outline-danger",
        ),
    )
}
DONE_MESSAGES = {
    "issue": gettext_lazy("Rectification order issued."),
    "progress": gettext_lazy("Progress recorded."),
    "fixed": gettext_lazy("Marked fixed; the engineer will verify."),
    "verify": gettext_lazy("Fix verified; ready for the owner's re-inspection."),
    "reject": gettext_lazy("Fix rejected; back to the contractor."),
    "owner-accept": gettext_lazy("Accepted by the owner."),
    "owner-reject": gettext_lazy("Rejected by the owner; back to the contractor."),
    "photos": gettext_lazy("Photos added."),
    "to-complaint": gettext_lazy("Repair request opened."),
    "cancel": gettext_lazy("Defect cancelled."),
    "correct": gettext_lazy("Defect corrected."),
}


def _defect_or_404(user, pk: int) -> Defect:
    try:
        return selectors.defect_detail(user=user, pk=pk)
    except Defect.DoesNotExist:
        raise Http404(_("No such defect.")) from None


def _action_allowed(user, action: Action, defect: Defect) -> bool:
    if action.staff_only and user.role == Role.CONTRACTOR:
        return False
    return services.may(user, action.permission) and action.available(defect)


def _action_form(action: Action, defect: Defect, data=None, files=None):
    initial = {"version": defect.version, **(action.initial(defect) if action.initial else {})}
    return action.form(data, files, initial=initial, auto_id=f"{action.slug}-%s")


def _pins(defects) -> list[dict]:
    """The pinned defects, numbered by their place in `defects`, with the pin's place in percent."""
    return [
        {"number": number, "defect": d, "left": f"{d.pin_x * 100:.2f}", "top": f"{d.pin_y * 100:.2f}"}
        for number, d in enumerate(defects, start=1)
        if d.pin_x is not None and d.pin_y is not None
    ]


def _render_detail(request, defect: Defect, bound=None, status: int = 200):
    user = request.user
    actions = []
    for action in ACTIONS.values():
        is_bound = bool(bound and bound[0] == action.slug)
        # A refused action stays on the page with its errors, even when the status moved on.
        if not (_action_allowed(user, action, defect) or is_bound):
            continue
        form = bound[1] if is_bound else _action_form(action, defect)
        actions.append({"action": action, "form": form, "open": is_bound})
    photos_by_stage = {stage: [] for stage in DefectPhoto.Stage.values}
    for photo in defect.photos.all():
        photos_by_stage[photo.stage].append(photo)
    now = timezone.now()
    return render(
        request,
        "delivery/rectification/defect_detail.html",
        {
            "defect": defect,
            "deadline": defect_deadline_state(defect, now),
            "photo_groups": [
                {"label": DefectPhoto.Stage(stage).label, "photos": photos}
                for stage, photos in photos_by_stage.items()
                if photos
            ],
            "actions": actions,
            "may_see_complaint": defect.complaint_id is not None
            and Complaint.objects.visible_to(user).filter(pk=defect.complaint_id).exists(),
            "may_see_order": defect.order_id is not None
            and selectors.orders_visible_to(user).filter(pk=defect.order_id).exists(),
            "may_see_unit": user.role != Role.CONTRACTOR and defect.handover_id is not None,
            "floor_plan": floor_plan_for(defect.unit) if defect.pin_x is not None else None,
            "pins": _pins([defect]),
            "now": now,
        },
        status=status,
    )


@login_required
@require_GET
def defect_detail(request, pk: int):
    return _render_detail(request, _defect_or_404(request.user, pk))


@login_required
@require_POST
def defect_action(request, pk: int, action: str):
    """Every action posts here; scope first (404), then role (403), then the service decides."""
    spec = ACTIONS.get(action)
    if spec is None:
        raise Http404
    user = request.user
    defect = _defect_or_404(user, pk)
    if not services.may(user, spec.permission) or (spec.staff_only and user.role == Role.CONTRACTOR):
        raise PermissionDenied(_("Your role may not do this."))
    form = _action_form(spec, defect, request.POST, request.FILES)
    if form.is_valid():
        try:
            result = spec.run(defect, user, form.cleaned_data)
        except ConcurrentEditError as error:
            messages.error(request, " ".join(error.messages))
            form.add_error(None, _("Reload the page to see the latest state, then try again."))
            return _render_detail(request, defect, bound=(spec.slug, form), status=409)
        except ValidationError as error:
            add_service_errors(form, error)
            messages.error(request, _("%(action)s was not saved; see the form.") % {"action": spec.label})
        else:
            messages.success(request, DONE_MESSAGES[spec.slug])
            if spec.slug == "to-complaint":
                messages.info(request, _("Repair request %(number)s.") % {"number": result.number})
            return redirect("delivery:defect-detail", pk=defect.pk)
    return _render_detail(request, defect, bound=(spec.slug, form), status=400)


# --- rectification orders --------------------------------------------------------------------------------


@login_required
@require_GET
def order_list(request):
    user = request.user
    _not_department_staff(user)
    form = forms.OrderFilterForm(request.GET or None, user=user)
    filters = form.selector_filters() if form.is_valid() else {"status": selectors.OPEN}
    page, pager = newest_first_page(request, selectors.order_list(user=user, filters=filters))
    if page is None:
        return broken_link(request)
    return render(
        request,
        "delivery/rectification/order_list.html",
        {"form": form, "now": timezone.now(), **pager},
    )


@login_required
@require_GET
def order_detail(request, pk: int):
    user = request.user
    try:
        order = selectors.order_detail(user=user, pk=pk)
    except RectificationOrder.DoesNotExist:
        raise Http404(_("No such rectification order.")) from None
    now = timezone.now()
    defects = list(order.defects.all())
    for defect in defects:
        defect.deadline = defect_deadline_state(defect, now)
    return render(
        request,
        "delivery/rectification/order_detail.html",
        {"order": order, "defects": defects, "now": now},
    )


# --- the owner's re-inspection (复验) and the unit report ------------------------------------------------


def _handover_or_404(user, pk: int) -> Handover:
    try:
        return selectors.handover_for(user=user, pk=pk)
    except Handover.DoesNotExist:
        raise Http404(_("No such unit handover.")) from None


def _render_reinspection(request, handover: Handover, bound=None, status: int = 200):
    user = request.user
    defects = list(selectors.unit_defects(user=user, handover=handover))
    to_decide = []
    for defect in defects:
        if defect.status != Defect.Status.VERIFIED:
            continue
        defect.fixed_photos = [p for p in defect.photos.all() if p.stage == DefectPhoto.Stage.FIXED]
        defect.found_photos = [p for p in defect.photos.all() if p.stage == DefectPhoto.Stage.FOUND]
        is_bound = bool(bound and bound[0] == defect.pk)
        defect.accept_form = (
            bound[2]
            if is_bound and bound[1] == "accept"
            else forms.OwnerAcceptForm(initial={"version": defect.version}, auto_id=f"accept-{defect.pk}-%s")
        )
        defect.reject_form = (
            bound[2]
            if is_bound and bound[1] == "reject"
            else forms.OwnerRejectForm(initial={"version": defect.version}, auto_id=f"reject-{defect.pk}-%s")
        )
        defect.reject_open = is_bound and bound[1] == "reject"
        to_decide.append(defect)
    counts = Counter(d.status for d in defects)
    return render(
        request,
        "delivery/rectification/reinspection.html",
        {
            "handover": handover,
            "to_decide": to_decide,
            "accepted": counts[Defect.Status.ACCEPTED],
            "being_fixed": counts[Defect.Status.OPEN]
            + counts[Defect.Status.FIXING]
            + counts[Defect.Status.FIXED],
        },
        status=status,
    )


@login_required
@require_GET
def reinspection(request, pk: int):
    handover = _handover_or_404(request.user, pk)
    _require(request.user, "owner_accept")
    return _render_reinspection(request, handover)


REINSPECTION_DECISIONS = {"accept": forms.OwnerAcceptForm, "reject": forms.OwnerRejectForm}


@login_required
@require_POST
def reinspection_decide(request, pk: int, defect_pk: int, decision: str):
    user = request.user
    if decision not in REINSPECTION_DECISIONS:
        raise Http404
    handover = _handover_or_404(user, pk)
    defect = Defect.objects.visible_to(user).filter(handover=handover, pk=defect_pk).first()
    if defect is None:
        raise Http404(_("No such defect."))
    _require(user, "owner_accept" if decision == "accept" else "owner_reject")
    form = REINSPECTION_DECISIONS[decision](request.POST, request.FILES, auto_id=f"{decision}-{defect.pk}-%s")
    if form.is_valid():
        data = form.cleaned_data
        try:
            if decision == "accept":
                services.defect_owner_accept(
                    by=user,
                    defect=defect,
                    note=data["note"],
                    photos=data["photos"],
                    expected_version=data.get("version"),
                )
            else:
                services.defect_owner_reject(
                    by=user,
                    defect=defect,
                    reason=data["reason"],
                    photos=data["photos"],
                    expected_version=data.get("version"),
                )
        except ConcurrentEditError as error:
            messages.error(request, " ".join(error.messages))
            return _render_reinspection(request, handover, bound=(defect.pk, decision, form), status=409)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            done = (
                _("%(number)s accepted by the owner.")
                if decision == "accept"
                else _("%(number)s sent back to the contractor.")
            )
            messages.success(request, done % {"number": defect.number})
            return redirect("delivery:reinspection", pk=handover.pk)
    return _render_reinspection(request, handover, bound=(defect.pk, decision, form), status=400)


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
            "may_record": services.may(user, "record") and handover.status == Handover.Status.HANDED_OVER,
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


# --- statistics ------------------------------------------------------------------------------------------


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


urlpatterns = [
    path("defects/", defect_list, name="defect-list"),
    path("defects/export/", defect_export, name="defect-export"),
    path("defects/<int:pk>/", defect_detail, name="defect-detail"),
    path("defects/<int:pk>/<slug:action>/", defect_action, name="defect-action"),
    path("orders/", order_list, name="order-list"),
    path("orders/issue/", orders_issue, name="orders-issue"),
    path("orders/<int:pk>/", order_detail, name="order-detail"),
    path("handovers/<int:pk>/reinspection/", reinspection, name="reinspection"),
    path(
        "handovers/<int:pk>/reinspection/<int:defect_pk>/<slug:decision>/",
        reinspection_decide,
        name="reinspection-decide",
    ),
    path("handovers/<int:pk>/report/", unit_report, name="unit-report"),
    path("handovers/<int:pk>/owner-defect/", after_handover_defect, name="after-handover-defect"),
    path("defect-stats/", stats, name="stats"),
    path("defect-stats/improvement/", stats_improvement, name="stats-improvement"),
]
