"""A group case (群诉) handled as a case: its owner, its handling plan, its crisis flag, one message to
every member's owner at once, and its path open → handling (plan agreed) → resolved → closed (with
the written report), reopened when the cause comes back.

Every action takes the same steps (`_begin`): the role (ACTION_ROLES), the case row locked FOR
UPDATE with the caller's version checked, the scope, then the status, state and person rules of
services.rules (CASE_TRANSITIONS, CASE_STATE_RULES, CASE_ACTOR_RULES); it writes the next version
and an event on the case's timeline. Messages (the owners', the crisis emails) are rows of the
outbox written in the same transaction: they leave once it commits, never if it rolls back.
"""

from __future__ import annotations

import datetime
import uuid

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from accounts.models import Role, User
from core.outbox import OutgoingMessage, messages_enqueue
from customers.messaging import owner_message
from customers.services import ConcurrentEditError
from notifications.models import Notification

from ..models import (
    Complaint,
    ComplaintEvent,
    GroupCase,
    GroupCaseEvent,
    GroupCaseMessage,
    GroupCaseReport,
    Status,
)
from ._common import _in_scope, _require, case_owner_refusal
from .rules import CASE_MOVES_TO, require_case_actor, require_case_state

Kind = GroupCaseEvent.Kind
# The numbers named in a refusal to close; the rest are "and n more".
MAX_NUMBERS_NAMED = 10


def _lock_case(case: GroupCase, expected_version: int | None) -> GroupCase:
    """The fresh row, locked for this transaction; a stale version is a conflict, not an overwrite."""
    locked = GroupCase.objects.select_for_update().get(pk=case.pk)
    if expected_version is not None and locked.version != expected_version:
        raise ConcurrentEditError()
    return locked


def _begin(case: GroupCase, by: User, action: str, expected_version: int | None) -> GroupCase:
    _require(by, action)
    case = _lock_case(case, expected_version)
    if not _in_scope(by, case.project_id):
        raise PermissionDenied(_("This project is outside your city companies and projects."))
    require_case_state(case, action)
    require_case_actor(case, by, action)
    return case


def _save_case(case: GroupCase, fields) -> GroupCase:
    """`case` is the row _lock_case() read FOR UPDATE: the next version is known without a re-read."""
    case.version += 1
    case.save(update_fields=[*set(fields), "version", "updated_at"])
    return case


def _case_event(case: GroupCase, by: User | None, kind: str, note: str = "", **data) -> GroupCaseEvent:
    return GroupCaseEvent.objects.create(case=case, actor=by, kind=kind, note=note, data=data)


def _required_text(**fields: str) -> dict[str, str]:
    """The fields stripped; an empty one is a ValidationError on it."""
    errors = {
        name: _("This field is required.") for name, value in fields.items() if not (value or "").strip()
    }
    if errors:
        raise ValidationError(errors)
    return {name: value.strip() for name, value in fields.items()}


def case_link(case: GroupCase) -> str:
    return reverse("complaints:group-case", args=[case.pk])


@transaction.atomic
def group_case_assign_owner(
    *, case: GroupCase, by: User, owner: User, expected_version: int | None = None
) -> GroupCase:
    """The supervisor or city company head who answers for the case; they hear of it in the app."""
    case = _begin(case, by, "case_owner", expected_version)
    refusal = case_owner_refusal(owner, case.project_id)
    if refusal is not None:
        raise refusal
    if case.owner_id == owner.pk:
        return case
    case.owner = owner
    _save_case(case, ["owner"])
    _case_event(case, by, Kind.OWNER_ASSIGNED, str(owner), owner=owner.pk)
    if owner.pk != by.pk:
        Notification.objects.create(
            recipient=owner,
            kind="group_case_owner",
            title=_("Group case %(number)s is yours: %(title)s")
            % {"number": case.number, "title": case.title},
            link=case_link(case),
        )
    return case


@transaction.atomic
def group_case_agree_plan(
    *,
    case: GroupCase,
    by: User,
    plan: str,
    expected_version: int | None = None,
    now: datetime.datetime | None = None,
) -> GroupCase:
    """统一处理方案: how the cause is handled for every owner; the case is being handled from now on.
    A new plan while handling replaces the last (the timeline keeps each)."""
    case = _begin(case, by, "case_plan", expected_version)
    plan = _required_text(plan=plan)["plan"]
    case.plan, case.plan_agreed_by, case.plan_agreed_at = plan, by, now or timezone.now()
    case.status = CASE_MOVES_TO["case_plan"]
    _save_case(case, ["plan", "plan_agreed_by", "plan_agreed_at", "status"])
    _case_event(case, by, Kind.PLAN_AGREED, plan)
    return case


@transaction.atomic
def group_case_flag_crisis(
    *,
    case: GroupCase,
    by: User,
    reason: str,
    expected_version: int | None = None,
    now: datetime.datetime | None = None,
) -> GroupCase:
    """危机: the case may reach the press, the street or the authorities. The city company's heads and
    the group administrators hear of it at once: in the app and by email, in this transaction."""
    case = _begin(case, by, "case_crisis", expected_version)
    reason = _required_text(reason=reason)["reason"]
    case.is_crisis, case.crisis_reason, case.crisis_flagged_at = True, reason[:300], now or timezone.now()
    _save_case(case, ["is_crisis", "crisis_reason", "crisis_flagged_at"])
    event = _case_event(case, by, Kind.CRISIS_FLAGGED, reason)
    _tell_heads_of_crisis(case, event, by)
    return case


def crisis_recipients(case: GroupCase) -> list[User]:
    """The heads of the case's city company and the group administrators, active ones."""
    city_id = case.project.city_company_id
    return list(
        User.objects.filter(is_active=True)
        .filter(Q(role=Role.GROUP_ADMIN) | Q(role=Role.CITY_HEAD, city_companies=city_id))
        .distinct()
        .order_by("pk")
        .only("pk", "email")
    )


def _tell_heads_of_crisis(case: GroupCase, event: GroupCaseEvent, by: User) -> None:
    recipients = crisis_recipients(case)
    link = case_link(case)
    facts = {
        "number": case.number,
        "title": case.title,
        "project": case.project.name,
        "reason": case.crisis_reason,
        "by": str(by),
        "link": link,
    }
    with override(settings.LANGUAGE_CODE):
        title = (_("Crisis: group case %(number)s %(title)s") % facts)[:200]
        body = (
            _(
                "%(by)s flagged group case %(number)s (%(project)s, %(title)s) as a crisis:\n%(reason)s\n\n"
                "The case: %(link)s"
            )
            % facts
        )
    Notification.objects.bulk_create(
        [
            Notification(recipient_id=user.pk, kind="group_case_crisis", title=title, body=body, link=link)
            for user in recipients
        ]
    )
    # Keyed by the flagging event: flagged again after the crisis was declared over, it is told again.
    messages_enqueue(
        OutgoingMessage(
            channel="email",
            recipient=user.email,
            recipient_user_id=user.pk,
            kind="group_case_crisis",
            idempotency_key=f"group-case-crisis.{event.pk}.user-{user.pk}",
            subject=title,
            body=body,
        )
        for user in recipients
        if user.email
    )


@transaction.atomic
def group_case_clear_crisis(
    *, case: GroupCase, by: User, note: str = "", expected_version: int | None = None
) -> GroupCase:
    """The crisis is over (the heads say so); the case goes on as an ordinary group case."""
    case = _begin(case, by, "case_crisis_clear", expected_version)
    case.is_crisis, case.crisis_reason, case.crisis_flagged_at = False, "", None
    _save_case(case, ["is_crisis", "crisis_reason", "crisis_flagged_at"])
    _case_event(case, by, Kind.CRISIS_CLEARED, (note or "").strip())
    return case


@transaction.atomic
def group_case_resolve(
    *,
    case: GroupCase,
    by: User,
    resolution: str,
    expected_version: int | None = None,
    now: datetime.datetime | None = None,
) -> GroupCase:
    """The cause is dealt with; the member complaints go on along their own path (return visits)."""
    case = _begin(case, by, "case_resolve", expected_version)
    case.resolution = _required_text(resolution=resolution)["resolution"]
    case.status, case.resolved_at = CASE_MOVES_TO["case_resolve"], now or timezone.now()
    _save_case(case, ["resolution", "status", "resolved_at"])
    _case_event(case, by, Kind.RESOLVED, case.resolution)
    return case


@transaction.atomic
def group_case_report_save(
    *,
    case: GroupCase,
    by: User,
    cause: str,
    handling: str,
    lessons: str,
    expected_version: int | None = None,
) -> GroupCaseReport:
    """群诉报告: cause, handling and lessons, as for a major complaint; the case closes with it."""
    case = _begin(case, by, "case_report", expected_version)
    text = _required_text(cause=cause, handling=handling, lessons=lessons)
    report, _created = GroupCaseReport.objects.update_or_create(case=case, defaults={**text, "author": by})
    _save_case(case, [])  # two people writing the report at once: the second is a conflict
    _case_event(case, by, Kind.REPORT, report.cause[:200])
    return report


@transaction.atomic
def group_case_close(
    *,
    case: GroupCase,
    by: User,
    note: str = "",
    expected_version: int | None = None,
    now: datetime.datetime | None = None,
) -> GroupCase:
    """Closed: resolved, its report written, and every complaint in it resolved or closed."""
    case = _begin(case, by, "case_close", expected_version)
    still_open = list(
        Complaint.objects.filter(group_case=case)
        .exclude(status__in=[Status.RESOLVED, Status.CLOSED])
        .order_by("pk")
        .values_list("number", flat=True)[: MAX_NUMBERS_NAMED + 1]
    )
    if still_open:
        named = " ".join(still_open[:MAX_NUMBERS_NAMED]) + (  # type: ignore[arg-type]  # numbered on creation: never None here
            " …" if len(still_open) > MAX_NUMBERS_NAMED else ""
        )
        raise ValidationError(
            {
                "complaints": _(
                    "A group case closes once every complaint in it is resolved or closed; still being "
                    "handled: %(numbers)s"
                )
                % {"numbers": named}
            }
        )
    case.status, case.closed_at = CASE_MOVES_TO["case_close"], now or timezone.now()
    _save_case(case, ["status", "closed_at"])
    _case_event(case, by, Kind.CLOSED, (note or "").strip())
    return case


@transaction.atomic
def group_case_reopen(
    *, case: GroupCase, by: User, reason: str, expected_version: int | None = None
) -> GroupCase:
    """The cause came back: handled again under its plan (a new plan may be agreed)."""
    case = _begin(case, by, "case_reopen", expected_version)
    reason = _required_text(reason=reason)["reason"]
    case.status, case.resolved_at, case.closed_at = CASE_MOVES_TO["case_reopen"], None, None
    _save_case(case, ["status", "resolved_at", "closed_at"])
    _case_event(case, by, Kind.REOPENED, reason)
    return case


@transaction.atomic
def group_case_message_owners(
    *,
    case: GroupCase,
    by: User,
    subject: str,
    text: str,
    key: uuid.UUID,
    now: datetime.datetime | None = None,
) -> tuple[GroupCaseMessage, bool]:
    """群诉统一答复: one message to the owner of every complaint in the case, each on their preferred
    channel (customers.messaging), through the outbox. `key` names this message (the form's, or the
    API caller's): sent again with the same key — a double click, a retry — it is the same message,
    and nothing is sent twice. Returns the message and whether it was new.

    Each owner gets it once however many of their complaints are in the case (the outbox key names
    the case, the message and the customer). Complaints without a customer (an unmatched public
    complaint) and owners with no address are listed as unreachable. Recorded on the case's timeline
    and on every member complaint's."""
    _require(by, "case_message")
    # The lock serialises a double click: the second post waits, then finds the first's message.
    case = _lock_case(case, None)
    if not _in_scope(by, case.project_id):
        raise PermissionDenied(_("This project is outside your city companies and projects."))
    require_case_state(case, "case_message")
    fields = _required_text(subject=subject, text=text)
    existing = GroupCaseMessage.objects.filter(case=case, key=key).first()
    if existing is not None:
        return existing, False
    now = now or timezone.now()
    message = GroupCaseMessage.objects.create(
        case=case, key=key, subject=fields["subject"][:200], text=fields["text"], sent_by=by, created_at=now
    )
    members = list(
        Complaint.objects.filter(group_case=case)
        .select_related("customer")
        .prefetch_related("customer__phones")
        .order_by("pk")
    )
    outgoing, unreachable, reached = [], [], set()
    for customer_id, numbers, customer in _owners_of(members):
        if customer is None:
            unreachable += numbers
            continue
        owner_copy = owner_message(
            customer,
            kind="group_case_message",
            idempotency_key=f"group-case.{case.pk}.message-{message.pk}.customer-{customer_id}",
            subject=message.subject,
            text=message.text,
            template_params={"subject": message.subject, "text": message.text},
        )
        if owner_copy is None:
            unreachable += numbers
        else:
            outgoing.append(owner_copy)
            reached.update(numbers)
    messages_enqueue(outgoing, now=now)
    message.queued, message.unreachable = len(outgoing), sorted(unreachable)
    message.save(update_fields=["queued", "unreachable"])
    _case_event(
        case,
        by,
        Kind.MESSAGE_SENT,
        message.subject,
        message=message.pk,
        queued=len(outgoing),
        unreachable=message.unreachable,
    )
    ComplaintEvent.objects.bulk_create(
        ComplaintEvent(
            complaint=complaint,
            actor=by,
            kind=ComplaintEvent.Kind.GROUP_MESSAGE,
            note=message.subject,
            created_at=now,
            data={"group_case": case.number, "message": message.pk, "reached": complaint.number in reached},
        )
        for complaint in members
    )
    return message, True


def _owners_of(members: list[Complaint]):
    """(customer id, their complaints' numbers, customer) per owner, in complaint order; complaints
    without a customer come as (None, [number], None)."""
    owners: dict[int, tuple[list[str], object]] = {}
    for complaint in members:
        if complaint.customer_id is None:
            yield None, [complaint.number], None
            continue
        numbers, _customer = owners.setdefault(complaint.customer_id, ([], complaint.customer))
        numbers.append(complaint.number)  # type: ignore[arg-type]  # numbered on creation: never None here
    for customer_id, (numbers, customer) in owners.items():
        yield customer_id, numbers, customer
