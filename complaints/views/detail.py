"""The complaint page: its clocks and timeline, and every action of the handling path posted from it."""

from __future__ import annotations

import datetime
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

from core.masking import mask_phone
from customers.forms import add_service_errors
from customers.services import ConcurrentEditError

from .. import forms, selectors, services
from ..models import Complaint, Severity, SlaTarget, Status
from ..sla import sla_state


@dataclass(frozen=True)
class Action:
    """One button on the complaint page: its form and its service. The page offers it when the service
    action it names (`permission`) is in services.allowed_actions(complaint, user)."""

    slug: str
    label: str
    permission: str
    form: type
    run: Callable
    style: str = "outline-primary"
    needs_user: bool = False
    needs_complaint: bool = False


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
        ),
        Action(
            "work-order",
            gettext_lazy("Create work order"),
            "create_work_order",
            forms.WorkOrderForm,
            _run_work_order,
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
            "outline-secondary",
        ),
        Action(
            "reclassify",
            gettext_lazy("Reclassify"),
            "reclassify",
            forms.ReclassifyForm,
            lambda c, by, d, f: services.complaint_reclassify(
                complaint=c,
                by=by,
                complaint_type=d["complaint_type"],
                category=d["category"],
                severity=d["severity"],
                reason=d["reason"],
                expected_version=d.get("version"),
            ),
            "outline-secondary",
            needs_complaint=True,
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
            "outline-secondary",
        ),
        Action(
            "attachment",
            gettext_lazy("Upload attachment"),
            "note",
            forms.AttachmentForm,
            lambda c, by, d, f: services.attachment_add(complaint=c, by=by, upload=d["file"]),
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
            "outline-secondary",
            needs_complaint=True,
        ),
        Action(
            "improvement",
            gettext_lazy("Improvement item"),
            "improvement",
            forms.ImprovementForm,
            _run_improvement,
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
    "reclassify": gettext_lazy("Reclassified; the SLA clocks follow the new policy."),
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
    if action.slug == "reclassify":
        initial.update(
            complaint_type=complaint.complaint_type,
            category=complaint.category_id,
            severity=complaint.severity,
        )
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
    allowed = services.allowed_actions(complaint, user)
    actions = []
    for action in ACTIONS.values():
        if action.permission not in allowed:
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
