"""The defect list, and the defect page with its actions: one Action per button, one service each."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from accounts.models import Role
from complaints.models import Complaint
from core.listing import ListSort, SortColumn, bounded_count, sort_word, sorting_context
from core.paging import broken_link, newest_first_page
from customers.forms import add_service_errors
from customers.services import ConcurrentEditError

from ...deadlines import defect_deadline_state
from ...forms import rectification as forms
from ...models import Defect, DefectPhoto
from ...selectors import rectification as selectors
from ...selectors.inspection import floor_plan_for
from ...services import rectification as services
from ._common import _not_department_staff, _pins

# By number, i.e. the id (the primary key; defect_project_status ends in -id for a project's list).
DEFECT_SORT = ListSort((SortColumn("number", descending_first=True),), default="-number")


@login_required
@require_GET
def defect_list(request):
    user = request.user
    _not_department_staff(user)
    form = forms.DefectFilterForm(request.GET or None, user=user)
    filters = form.selector_filters() if form.is_valid() else {}
    defects = selectors.defect_list(user=user, filters=filters)
    paginator, sort = DEFECT_SORT.paginator(defects, sort_word(request))
    page, pager = newest_first_page(request, defects, paginator=paginator)
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
            "list_count": bounded_count(defects),
            **sorting_context(request, DEFECT_SORT, sort),
            **pager,
        },
    )


@dataclass(frozen=True)
class Action:
    """One button on the defect page: its form and its service. The page offers it when the service
    action it names (`permission`) is in services.allowed_actions(defect, user)."""

    slug: str
    label: str
    permission: str
    form: type
    run: Callable
    style: str = "outline-primary"
    staff_only: bool = False
    multipart: bool = False
    initial: Callable[[Defect], dict] | None = None  # the form's starting values, besides the version


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


def _action_allowed(user, action: Action, defect: Defect, allowed: frozenset[str]) -> bool:
    if action.staff_only and user.role == Role.CONTRACTOR:
        return False
    return action.permission in allowed


def _action_form(action: Action, defect: Defect, data=None, files=None):
    initial = {"version": defect.version, **(action.initial(defect) if action.initial else {})}
    return action.form(data, files, initial=initial, auto_id=f"{action.slug}-%s")


def _render_detail(request, defect: Defect, bound=None, status: int = 200):
    user = request.user
    allowed = services.allowed_actions(defect, user)
    actions = []
    for action in ACTIONS.values():
        is_bound = bool(bound and bound[0] == action.slug)
        # A refused action stays on the page with its errors, even when the status moved on.
        if not (_action_allowed(user, action, defect, allowed) or is_bound):
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
