"""The closed loop's writes: an unhappy survey opens a follow-up; its outcome; a complaint raised from it.

A completed survey (surveys.signals.response_completed, sent inside the submit transaction) with a
low answer (selectors.follow_ups.is_low) opens ONE follow-up (one-to-one with the invitation) for the
customer's project team, due on the working calendar (surveys.deadlines). It is given to the obvious
person when there is one: the handler of the complaint the survey asked about, or the project's only
customer-service agent; otherwise it waits unassigned in the supervisors' queue.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from accounts.models import Role, User
from complaints.models import Category, Channel, Complaint, ComplaintType
from complaints.services import complaint_create
from customers.services import ConcurrentEditError
from notifications.models import Notification

from .. import deadlines
from ..models import FollowUp, Invitation
from ..permissions import ROLES_HANDLING_FOLLOW_UPS, may_handle_follow_ups
from ..selectors.follow_ups import answer_lines, final_answers, is_low, low_answer_label

# Outcomes an agent records; each closes the follow-up and stops its clock.
OUTCOMES = (FollowUp.Status.CONTACTED, FollowUp.Status.RESOLVED, FollowUp.Status.UNREACHABLE)
# The complaint desk has no survey channel: a follow-up is a customer-service call (客服回访).
COMPLAINT_CHANNEL = Channel.HOTLINE
# The category a raised complaint starts in, by the dimension of the lowest answer (the agent may change it).
CATEGORY_BY_DIMENSION = {
    "house_quality": "quality",
    "repair": "repair-response",
    "property_service": "property-service",
    "design": "planning-design",
    "handover": "delivery-delay",
    "pre_handover": "sales-promise",
}


def follow_up_reason(invitation: Invitation) -> tuple[str, list]:
    """("推荐意愿 4；房屋质量 2", the low answers), in the site's language (the reason is stored)."""
    low = [answer for answer in final_answers(invitation) if is_low(answer)]
    with override(settings.LANGUAGE_CODE):
        parts = [f"{low_answer_label(answer)} {answer.score}" for answer in low]
        reason = _("; ").join(parts)
    return reason[:300], low


def _obvious_assignee(invitation: Invitation, project_id: int | None) -> User | None:
    """The handler of the complaint this survey asked about, else the project's only agent."""
    candidates = User.objects.filter(is_active=True, role__in=ROLES_HANDLING_FOLLOW_UPS)
    kind, _colon, key = invitation.trigger_key.partition(":")
    if kind == "complaint" and key.isdigit():
        handler_id = Complaint.objects.filter(pk=int(key)).values_list("handler_id", flat=True).first()
        handler = candidates.filter(pk=handler_id).first() if handler_id else None
        if handler is not None and handler.scope.covers(project_id):
            return handler
    if project_id is None:
        return None
    agents = list(candidates.filter(role=Role.CS_AGENT, projects=project_id)[:2])
    return agents[0] if len(agents) == 1 else None


def _project_supervisor_ids(project_id: int | None, city_company_id: int) -> set[int]:
    supervisors = User.objects.filter(is_active=True, role=Role.CS_SUPERVISOR)
    own = set(supervisors.filter(projects=project_id).values_list("pk", flat=True)) if project_id else set()
    return own or set(supervisors.filter(city_companies=city_company_id).values_list("pk", flat=True))


def follow_up_open(*, invitation: Invitation, now: datetime.datetime | None = None) -> FollowUp | None:
    """Open the invitation's follow-up if an answer is low; None when none is. Idempotent: a second
    call (or a second signal) returns the existing follow-up."""
    existing = FollowUp.objects.filter(invitation=invitation).first()
    if existing is not None:
        return existing
    reason, low = follow_up_reason(invitation)
    if not low:
        return None
    now = now or timezone.now()
    customer = invitation.customer
    project_id = invitation.project_id or customer.registered_project_id
    follow_up = FollowUp(
        invitation=invitation,
        customer=customer,
        city_company_id=invitation.city_company_id,
        project_id=project_id,
        reason=reason,
        assignee=_obvious_assignee(invitation, project_id),
    )
    deadlines.start_clock(follow_up, start=invitation.completed_at or now)
    try:
        with (
            transaction.atomic()
        ):  # a savepoint: a racing opener's row wins, the caller's transaction lives on
            follow_up.save()
    except IntegrityError:
        return FollowUp.objects.get(invitation=invitation)
    _notify_team(follow_up)
    return follow_up


def _notify_team(follow_up: FollowUp) -> None:
    """The assignee and the project's supervisors hear of it in their inbox (the complaint desk, too,
    tells people of new work in the app; emails are for the deadline's warnings and escalations)."""
    recipients = _project_supervisor_ids(follow_up.project_id, follow_up.city_company_id)
    if follow_up.assignee_id:
        recipients.add(follow_up.assignee_id)
    with override(settings.LANGUAGE_CODE):
        title = _("Unhappy survey answer to follow up: %(reason)s") % {"reason": follow_up.reason}
    link = reverse("surveys:follow_up", args=[follow_up.pk])
    Notification.objects.bulk_create(
        [
            Notification(
                recipient_id=user_id,
                kind="survey_follow_up",
                title=title[:200],
                body=follow_up.reason,
                link=link,
            )
            for user_id in sorted(recipients)
        ]
    )


def on_response_completed(sender, *, invitation: Invitation, **kwargs) -> None:
    """Receiver of surveys.signals.response_completed (connected in SurveysConfig.ready())."""
    follow_up_open(invitation=invitation)


def _lock(follow_up: FollowUp, by: User, expected_version: int | None) -> FollowUp:
    """The fresh row in the user's scope, locked; a stale version is a conflict, never an overwrite."""
    if not may_handle_follow_ups(by):
        raise PermissionDenied(_("Your role may not do this."))
    locked = FollowUp.objects.visible_to(by).select_for_update(of=("self",)).filter(pk=follow_up.pk).first()
    if locked is None:
        raise PermissionDenied(_("This follow-up is outside your city companies and projects."))
    if expected_version is not None and locked.version != expected_version:
        raise ConcurrentEditError()
    return locked


def _save(follow_up: FollowUp, fields: list[str]) -> FollowUp:
    follow_up.version += 1
    follow_up.save(update_fields=[*set(fields), "version", "updated_at"])
    return follow_up


@transaction.atomic
def follow_up_record(*, follow_up: FollowUp, by: User, outcome: str, note: str, version: int) -> FollowUp:
    """Record the outcome (contacted, resolved, could not reach): it closes the follow-up and stops the clock."""
    locked = _lock(follow_up, by, version)
    if outcome not in OUTCOMES:
        raise ValidationError({"outcome": _("Choose an outcome.")})
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Say what was said or done.")})
    if not locked.is_open:
        raise ValidationError(
            _("This follow-up is already closed (%(status)s).") % {"status": locked.get_status_display()}
        )
    locked.status = outcome
    locked.outcome_note = note
    locked.closed_at = timezone.now()
    locked.closed_by = by
    fields = ["status", "outcome_note", "closed_at", "closed_by", *deadlines.stop_clock(locked)]
    return _save(locked, fields)


def default_category(follow_up: FollowUp, answers=None) -> Category | None:
    """The category a raised complaint starts in: from the lowest answer's dimension, else the first one."""
    answers = answers if answers is not None else final_answers(follow_up.invitation)
    low = sorted(
        (a for a in answers if is_low(a)), key=lambda answer: answer.score / answer.question.top_score
    )
    active = Category.objects.filter(is_active=True)
    for answer in low:
        code = CATEGORY_BY_DIMENSION.get(answer.question.dimension)
        category = active.filter(code=code).first() if code else None
        if category is not None:
            return category
    return active.filter(parent__isnull=True).order_by("sort_order", "name").first()


def complaint_description(follow_up: FollowUp, answers) -> str:
    """The survey attached to the complaint: its name, the reason, every answer (question: answer)."""
    with override(settings.LANGUAGE_CODE):
        lines = [
            _("Raised from a survey follow-up: %(survey)s") % {"survey": follow_up.invitation.campaign.name},
            _("Low answers: %(reason)s") % {"reason": follow_up.reason},
            "",
            *(f"{line.question}: {line.answer or '—'}" for line in answer_lines(answers)),
        ]
    return "\n".join(lines)


@transaction.atomic
def follow_up_raise_complaint(
    *, follow_up: FollowUp, by: User, category: Category | None = None
) -> Complaint:
    """One click: a complaint for the customer in the follow-up's project with the survey's answers
    attached, linked on the follow-up. A second time is refused (the row lock serialises double clicks)."""
    locked = _lock(follow_up, by, None)
    if locked.complaint_id:
        raise ValidationError(
            _("A complaint was already raised from this follow-up: %(number)s.")
            % {
                "number": Complaint.objects.filter(pk=locked.complaint_id)
                .values_list("number", flat=True)
                .first()
            }
        )
    invitation = Invitation.objects.select_related("campaign", "unit").get(pk=locked.invitation_id)
    locked.invitation = invitation
    answers = final_answers(invitation)
    category = category or default_category(locked, answers)
    if category is None:
        raise ValidationError({"category": _("Choose a category.")})
    project = locked.project or locked.customer.registered_project
    unit = (
        invitation.unit if invitation.unit and project and invitation.unit.project_id == project.pk else None
    )
    with override(settings.LANGUAGE_CODE):
        title = _("Survey follow-up: %(reason)s") % {"reason": locked.reason}
    complaint = complaint_create(
        by=by,
        customer=locked.customer,
        category=category,
        complaint_type=ComplaintType.COMPLAINT,
        channel=COMPLAINT_CHANNEL,
        title=title[:200],
        description=complaint_description(locked, answers),
        project=project,
        unit=unit,
    )
    locked.complaint = complaint
    _save(locked, ["complaint"])
    return complaint
