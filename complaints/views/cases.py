"""The group case pages (群诉): the list, and the case page with its complaints, timeline and actions.

Everyone who sees complaints sees the cases of their scope (contractors none; department staff those
holding one of their department's complaints); the page offers the actions of
services.case_allowed_actions(case, user), and each posts to group_case_action, which checks scope
(404), then role (403), then leaves the rest to the service.
"""

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
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_POST

from accounts.models import Role
from core.paging import broken_link, newest_first_page
from customers.forms import add_service_errors
from customers.services import ConcurrentEditError

from .. import forms, selectors, services
from ..models import GroupCase
from ..sla import sla_state

# The case page lists its complaints 50 at a time (keyset, newest first): a case of hundreds of
# owners pages instead of growing the page.
CASE_COMPLAINTS_PAGE = 50


@dataclass(frozen=True)
class CaseAction:
    """One button on the case page: its form and its service; offered when `permission` is in
    services.case_allowed_actions(case, user)."""

    slug: str
    label: str
    permission: str
    form: type
    run: Callable
    style: str = "outline-primary"


def _run_message(case, by, data, request):
    message, created = services.group_case_message_owners(
        case=case, by=by, subject=data["subject"], text=data["text"], key=data["key"]
    )
    if not created:
        messages.info(request, _("This message was already sent; nothing was sent again."))
        return
    messages.success(request, message_summary(message.queued, message.unreachable))


def message_summary(queued: int, unreachable: list[str]) -> str:
    text = ngettext(
        "%(count)d message queued for the owners.", "%(count)d messages queued for the owners.", queued
    ) % {"count": queued}
    if unreachable:
        text += " " + _("No address known for the owner of: %(numbers)s.") % {
            "numbers": ", ".join(unreachable)
        }
    return text


CASE_ACTIONS: dict[str, CaseAction] = {
    action.slug: action
    for action in (
        CaseAction(
            "owner",
            gettext_lazy("Assign owner"),
            "case_owner",
            forms.CaseOwnerForm,
            lambda case, by, d, r: services.group_case_assign_owner(
                case=case, by=by, owner=d["owner"], expected_version=d.get("version")
            ),
        ),
        CaseAction(
            "plan",
            gettext_lazy("Agree handling plan"),
            "case_plan",
            forms.CasePlanForm,
            lambda case, by, d, r: services.group_case_agree_plan(
                case=case, by=by, plan=d["plan"], expected_version=d.get("version")
            ),
            "primary",
        ),
        CaseAction(
            "message",
            gettext_lazy("Write to all owners"),
            "case_message",
            forms.CaseMessageForm,
            _run_message,
            "primary",
        ),
        CaseAction(
            "crisis",
            gettext_lazy("Flag as crisis"),
            "case_crisis",
            forms.CaseCrisisForm,
            lambda case, by, d, r: services.group_case_flag_crisis(
                case=case, by=by, reason=d["reason"], expected_version=d.get("version")
            ),
            "outline-danger",
        ),
        CaseAction(
            "crisis-over",
            gettext_lazy("Crisis over"),
            "case_crisis_clear",
            forms.CaseCrisisClearForm,
            lambda case, by, d, r: services.group_case_clear_crisis(
                case=case, by=by, note=d.get("note", ""), expected_version=d.get("version")
            ),
            "outline-secondary",
        ),
        CaseAction(
            "resolve",
            gettext_lazy("Resolve"),
            "case_resolve",
            forms.CaseResolveForm,
            lambda case, by, d, r: services.group_case_resolve(
                case=case, by=by, resolution=d["resolution"], expected_version=d.get("version")
            ),
            "success",
        ),
        CaseAction(
            "report",
            gettext_lazy("Written report"),
            "case_report",
            forms.CaseReportForm,
            lambda case, by, d, r: services.group_case_report_save(
                case=case,
                by=by,
                cause=d["cause"],
                handling=d["handling"],
                lessons=d["lessons"],
                expected_version=d.get("version"),
            ),
            "outline-secondary",
        ),
        CaseAction(
            "close",
            gettext_lazy("Close"),
            "case_close",
            forms.CaseCloseForm,
            lambda case, by, d, r: services.group_case_close(
                case=case, by=by, note=d.get("note", ""), expected_version=d.get("version")
            ),
            "success",
        ),
        CaseAction(
            "reopen",
            gettext_lazy("Reopen"),
            "case_reopen",
            forms.CaseReopenForm,
            lambda case, by, d, r: services.group_case_reopen(
                case=case, by=by, reason=d["reason"], expected_version=d.get("version")
            ),
            "outline-danger",
        ),
    )
}
DONE_MESSAGES = {
    "owner": gettext_lazy("Case owner assigned."),
    "plan": gettext_lazy("Handling plan recorded; the case is being handled."),
    "crisis": gettext_lazy("Flagged as a crisis; the city company's heads have been told."),
    "crisis-over": gettext_lazy("The crisis is over."),
    "resolve": gettext_lazy("Case resolved."),
    "report": gettext_lazy("Report saved."),
    "close": gettext_lazy("Case closed."),
    "reopen": gettext_lazy("Case reopened."),
}


def _may_see_cases(user) -> bool:
    return user.is_active and user.role != Role.CONTRACTOR


def _case_or_404(user, pk: int) -> GroupCase:
    try:
        return selectors.group_case_detail(user=user, pk=pk)
    except GroupCase.DoesNotExist:
        raise Http404(_("No such group case.")) from None


def _action_form(action: CaseAction, case: GroupCase, data=None):
    kwargs = {"case": case} if action.slug == "owner" else {}
    initial = {"version": case.version}
    if action.slug == "owner":
        initial["owner"] = case.owner_id
    if action.slug == "plan":
        initial["plan"] = case.plan
    if action.slug == "report" and case.has_report:
        report = case.report
        initial.update(cause=report.cause, handling=report.handling, lessons=report.lessons)
    return action.form(data, initial=initial, auto_id=f"case-{action.slug}-%s", **kwargs)


def _render_case(request, case: GroupCase, bound: tuple[str, object] | None = None, status: int = 200):
    user = request.user
    allowed = services.case_allowed_actions(case, user)
    actions = []
    for action in CASE_ACTIONS.values():
        if action.permission not in allowed:
            continue
        is_bound = bool(bound and bound[0] == action.slug)
        form = bound[1] if is_bound else _action_form(action, case)
        actions.append({"action": action, "form": form, "open": is_bound})
    page, pager = newest_first_page(
        request, selectors.group_case_complaints(user=user, case=case), size=CASE_COMPLAINTS_PAGE
    )
    if page is None:
        return broken_link(request)
    now = timezone.now()
    return render(
        request,
        "complaints/group_case_detail.html",
        {
            **pager,
            "case": case,
            "actions": actions,
            "rows": [(complaint, sla_state(complaint, now)) for complaint in page],
            "may_see_customer": user.may_see_customers(),
            "needs_report": case.status == GroupCase.Status.RESOLVED and not case.has_report,
        },
        status=status,
    )


@login_required
@require_GET
def group_case_list(request):
    user = request.user
    if not _may_see_cases(user):
        raise PermissionDenied(_("Your role may not see group cases."))
    form = forms.GroupCaseFilterForm(request.GET or None, user=user)
    filters = form.selector_filters() if form.is_bound and form.is_valid() else {}
    page, pager = newest_first_page(request, selectors.group_case_list(user=user, **filters))
    if page is None:
        return broken_link(request)
    return render(
        request,
        "complaints/group_case_list.html",
        {**pager, "cases": page, "form": form},
        status=400 if form.is_bound and not form.is_valid() else 200,
    )


@login_required
@require_GET
def group_case_detail(request, pk: int):
    if not _may_see_cases(request.user):
        raise Http404
    return _render_case(request, _case_or_404(request.user, pk))


@login_required
@require_POST
def group_case_action(request, pk: int, action: str):
    """Every action on a case posts here; scope first (404), then role (403), then the service decides."""
    spec = CASE_ACTIONS.get(action)
    user = request.user
    if spec is None or not _may_see_cases(user):
        raise Http404
    case = _case_or_404(user, pk)
    if not services.may(user, spec.permission):
        raise PermissionDenied(_("Your role may not do this."))
    form = _action_form(spec, case, request.POST)
    if form.is_valid():
        try:
            spec.run(case, user, form.cleaned_data, request)
        except ConcurrentEditError as error:
            messages.error(request, " ".join(error.messages))
            form.add_error(None, _("Reload the page to see the latest state, then try again."))
            return _render_case(request, case, bound=(spec.slug, form), status=409)
        except ValidationError as error:
            add_service_errors(form, error)
            messages.error(request, _("%(action)s was not saved; see the form.") % {"action": spec.label})
        else:
            if spec.slug in DONE_MESSAGES:
                messages.success(request, DONE_MESSAGES[spec.slug])
            return redirect("complaints:group-case", pk=case.pk)
    return _render_case(request, case, bound=(spec.slug, form), status=400)
