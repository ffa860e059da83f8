"""Overdue sales commitments on the shared deadline sweep (core.escalation).

An open commitment with a due date is overdue from the opening of business on the day after it. Then
it warns (level 0) the responsible department's staff on the project and the project's customer-service
supervisors (the city company's, if none works on it); LIFECYCLE_COMMITMENT_ESCALATE_AFTER_DAYS later,
still open, it escalates (level 1) to the city company's heads. Each step fires once per commitment
(CommitmentAlert's unique constraint): a rerun, a second worker or a moved due date repeats nothing,
and settling the commitment stops the clock.

The due rows are read from the commitments' own dates, with no stored next-check time to keep in sync
(a commitment written by a form, the API, a data migration or a bulk load is on the clock alike):
open, dated, not yet escalated (index commitment_clock_due), past the day that makes a step due.
"""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import override

from accounts.models import Role, User
from core.escalation import WARNING, DeadlineSweep, Step
from core.outbox import OutgoingMessage, messages_enqueue
from notifications.models import Notification

from .models import Commitment, CommitmentAlert

ESCALATION = 1


def escalate_after() -> datetime.timedelta:
    return datetime.timedelta(days=settings.LIFECYCLE_COMMITMENT_ESCALATE_AFTER_DAYS)


def overdue_from(due_on: datetime.date) -> datetime.datetime:
    """The moment a commitment due on `due_on` is overdue: the next day's opening of business."""
    opening = settings.SLA_BUSINESS_HOURS[0]
    return datetime.datetime.combine(
        due_on + datetime.timedelta(days=1), opening, tzinfo=ZoneInfo(settings.TIME_ZONE)
    )


def _last_due_day(now: datetime.datetime, after: datetime.timedelta) -> datetime.date:
    """The latest due date whose overdue moment, plus `after`, has come at `now`."""
    moment = (now - after).astimezone(ZoneInfo(settings.TIME_ZONE))
    day = moment.date() - datetime.timedelta(days=1)
    return day if moment.time() >= settings.SLA_BUSINESS_HOURS[0] else day - datetime.timedelta(days=1)


def _title(commitment: Commitment, level: int) -> str:
    text = Truncator(commitment.text).chars(80)
    day = commitment.due_on.isoformat()
    if level == WARNING:
        return _("Sales commitment overdue (due %(day)s): %(text)s") % {"day": day, "text": text}
    return _("Sales commitment still open %(days)s days after its due date (%(day)s): %(text)s") % {
        "days": settings.LIFECYCLE_COMMITMENT_ESCALATE_AFTER_DAYS,
        "day": day,
        "text": text,
    }


def _recipients(commitments: list[Commitment]) -> dict[int, dict[int, set[int]]]:
    """commitment id → level → user ids. One query per batch, whatever its size."""
    project_ids = {c.project_id for c in commitments}
    city_ids = {c.project.city_company_id for c in commitments}
    departments = {c.department for c in commitments if c.department}
    where = Q(role__in=[Role.CS_SUPERVISOR, Role.CITY_HEAD])
    if departments:
        where |= Q(department__in=departments)
    staff = (
        User.objects.filter(is_active=True)
        .filter(where, Q(projects__in=project_ids) | Q(city_companies__in=city_ids))
        .values_list("pk", "role", "department", "projects", "city_companies")
    )
    by_project: dict[tuple[str, int], set[int]] = {}
    by_city: dict[tuple[str, int], set[int]] = {}
    for user_id, role, department, project_id, city_id in staff:
        for key in (role, f"department:{department}" if department else None):
            if key is None:
                continue
            if project_id:
                by_project.setdefault((key, project_id), set()).add(user_id)
            if city_id:
                by_city.setdefault((key, city_id), set()).add(user_id)

    def team(key: str, project_id: int, city_id: int) -> set[int]:
        return by_project.get((key, project_id), set()) or by_city.get((key, city_id), set())

    result = {}
    for commitment in commitments:
        project_id, city_id = commitment.project_id, commitment.project.city_company_id
        warned = team(Role.CS_SUPERVISOR, project_id, city_id)
        if commitment.department:
            warned = warned | team(f"department:{commitment.department}", project_id, city_id)
        result[commitment.pk] = {
            WARNING: warned,
            ESCALATION: by_city.get((Role.CITY_HEAD, city_id), set()),
        }
    return result


def _kind(level: int) -> str:
    return "commitment_overdue" if level == WARNING else "commitment_escalation"


class CommitmentEscalationSweep(DeadlineSweep):
    alert_model = CommitmentAlert
    next_check_field = None  # due rows come from the commitments' dates: no stored next check
    name = "commitment deadline sweep"

    def prepare(self) -> None:
        self.after_days = escalate_after()

    def due_rows(self, now: datetime.datetime):
        warn_by = _last_due_day(now, datetime.timedelta(0))
        escalate_by = _last_due_day(now, self.after_days)
        return (
            Commitment.objects.unsettled()
            .filter(escalation_level=0, due_on__isnull=False)
            .filter(Q(warned=False, due_on__lte=warn_by) | Q(due_on__lte=escalate_by))
            .order_by("due_on", "pk")
            .select_related("project")
            .only(
                "pk",
                "text",
                "status",
                "department",
                "due_on",
                "contract_id",
                "warned",
                "escalation_level",
                "project__id",
                "project__city_company_id",
            )
        )

    def plan(self, row: Commitment, now: datetime.datetime) -> Step:
        overdue = overdue_from(row.due_on)
        levels = []
        if not row.warned and now >= overdue:
            levels.append(WARNING)
        level = row.escalation_level
        if level < ESCALATION and now >= overdue + self.after_days:
            levels.append(ESCALATION)
            level = ESCALATION
        return Step(
            row,
            levels,
            warned=row.warned or bool(levels),
            new_level=level,
            next_check=None if level else overdue + self.after_days,
        )

    def save(self, steps: list[Step]) -> None:
        for step in steps:
            step.row.warned, step.row.escalation_level = step.warned, step.new_level
        Commitment.objects.bulk_update([step.row for step in steps], ["warned", "escalation_level"])

    def alerts(self, steps: list[Step], now: datetime.datetime) -> list[CommitmentAlert]:
        return [
            CommitmentAlert(commitment=step.row, level=level, fired_at=now)
            for step in steps
            for level in step.levels
        ]

    def after(self, steps: list[Step], now: datetime.datetime) -> None:
        recipients = _recipients([step.row for step in steps])
        notifications = []
        for step in steps:
            commitment = step.row
            link = reverse("lifecycle:contract_commitments", args=[commitment.contract_id])
            for level in step.levels:
                notifications.extend(
                    Notification(
                        recipient_id=user_id,
                        kind=_kind(level),
                        title=_title(commitment, level)[:200],
                        body=commitment.text[:500],
                        link=link,
                        created_at=now,
                    )
                    for user_id in recipients[commitment.pk][level]
                )
        Notification.objects.bulk_create(notifications)
        messages_enqueue(_alert_emails(steps, recipients))


def _alert_emails(steps: list[Step], recipients: dict[int, dict[int, set[int]]]) -> list[OutgoingMessage]:
    """One email per step and person with an address, keyed by the step: a step never mails twice."""
    user_ids = {uid for by_level in recipients.values() for ids in by_level.values() for uid in ids}
    emails = dict(User.objects.filter(pk__in=user_ids).exclude(email="").values_list("pk", "email"))
    messages = []
    with override(settings.LANGUAGE_CODE):
        for step in steps:
            commitment = step.row
            for level in step.levels:
                messages.extend(
                    OutgoingMessage(
                        channel="email",
                        recipient=emails[user_id],
                        recipient_user_id=user_id,
                        kind=_kind(level),
                        idempotency_key=f"commitment-alert.{commitment.pk}.{level}.user-{user_id}",
                        subject=_title(commitment, level),
                        body=commitment.text,
                    )
                    for user_id in sorted(recipients[commitment.pk][level])
                    if user_id in emails
                )
    return messages


def commitment_escalation_sweep(*, now: datetime.datetime | None = None, batch_size: int = 500) -> int:
    """Fire every due overdue-commitment warning and escalation. Returns the number of alerts fired."""
    return CommitmentEscalationSweep().run(now=now or timezone.now(), batch_size=batch_size)
