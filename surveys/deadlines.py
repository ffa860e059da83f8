"""The deadline of a survey follow-up and its escalation, on the shared machinery (core.escalation).

A follow-up is due SURVEY_FOLLOW_UP_HOURS working hours after the survey was completed
(core.workcalendar: an unhappy answer given on a Friday night is not overdue on Sunday). It warns
at SURVEY_FOLLOW_UP_WARNING_PERCENT of that working time, escalates at the due time (level 1) and
SURVEY_FOLLOW_UP_ESCALATION_2_AFTER_HOURS / _3_AFTER_HOURS clock hours after it. Recording an
outcome stops the clock. The sweep is core.escalation's: claimed with SKIP LOCKED, one
FollowUpAlert per step under its unique constraint, so each step fires exactly once.

Who hears (in-app notifications, and an email through the outbox to those with an address):
- warning and level 1: the assignee, or without one (or one who has left) the project's
  customer-service staff (agents and supervisors working on it);
- level 2: the project's customer-service supervisors (the city company's, if none works on the project);
- level 3: the city company's heads.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from accounts.models import Role, User
from core.escalation import FixedOffsetsDeadlineSweep, Step
from core.outbox import OutgoingMessage, messages_enqueue
from core.workcalendar import add_working_time
from notifications.models import Notification

from .models import FollowUp, FollowUpAlert

TEAM_ROLES = (Role.CS_AGENT, Role.CS_SUPERVISOR)


def offsets() -> dict[int, datetime.timedelta]:
    """Each escalation level's delay after the due time (clock time: managers are paged at night too)."""
    return {
        1: datetime.timedelta(0),
        2: datetime.timedelta(hours=settings.SURVEY_FOLLOW_UP_ESCALATION_2_AFTER_HOURS),
        3: datetime.timedelta(hours=settings.SURVEY_FOLLOW_UP_ESCALATION_3_AFTER_HOURS),
    }


def start_clock(follow_up: FollowUp, *, start: datetime.datetime) -> list[str]:
    """Due SURVEY_FOLLOW_UP_HOURS working hours after `start`; the warning at its share of that time."""
    allowed = datetime.timedelta(hours=settings.SURVEY_FOLLOW_UP_HOURS)
    follow_up.due_at = add_working_time(start, allowed)
    follow_up.warned = False
    follow_up.escalation_level = 0
    follow_up.next_check_at = add_working_time(
        start, allowed * settings.SURVEY_FOLLOW_UP_WARNING_PERCENT / 100
    )
    return ["due_at", "warned", "escalation_level", "next_check_at"]


def stop_clock(follow_up: FollowUp) -> list[str]:
    """An outcome was recorded: nothing more fires."""
    follow_up.next_check_at = None
    return ["next_check_at"]


def follow_up_deadline_state(follow_up: FollowUp, now: datetime.datetime | None = None) -> str:
    """on_time | warning | overdue | stopped — the badge on the list and the page."""
    if not follow_up.is_open:
        return "stopped"
    if (now or timezone.now()) >= follow_up.due_at:
        return "overdue"
    return "warning" if follow_up.warned else "on_time"


def _alert_text(follow_up: FollowUp, level: int, *, late: bool = False) -> str:
    if level == 0 and late:
        # Its moment passed between two sweeps: it still fires, before the escalation, and says so.
        return _("Survey follow-up warning (late): %(reason)s is already due") % {"reason": follow_up.reason}
    if level == 0:
        return _("Survey follow-up due soon: %(reason)s") % {"reason": follow_up.reason}
    return _("Survey follow-up escalation level %(level)s: %(reason)s is overdue") % {
        "level": level,
        "reason": follow_up.reason,
    }


def _recipients(follow_ups: list[FollowUp]) -> dict[int, dict[int, set[int]]]:
    """follow-up id → level → user ids. One query per batch, whatever its size."""
    project_ids = {f.project_id for f in follow_ups if f.project_id}
    city_ids = {f.city_company_id for f in follow_ups}
    assignee_ids = {f.assignee_id for f in follow_ups if f.assignee_id}
    staff = (
        User.objects.filter(is_active=True)
        .filter(
            Q(pk__in=assignee_ids)
            | Q(role__in=[*TEAM_ROLES, Role.CITY_HEAD])
            & (Q(projects__in=project_ids) | Q(city_companies__in=city_ids))
        )
        .values_list("pk", "role", "projects", "city_companies")
    )
    active: set[int] = set()
    by_project: dict[tuple[str, int], set[int]] = {}
    by_city: dict[tuple[str, int], set[int]] = {}
    for user_id, role, project_id, city_id in staff:
        if user_id in assignee_ids:
            active.add(user_id)
        if project_id:
            by_project.setdefault((role, project_id), set()).add(user_id)
        if city_id:
            by_city.setdefault((role, city_id), set()).add(user_id)

    result: dict[int, dict[int, set[int]]] = {}
    for follow_up in follow_ups:
        city_id = follow_up.city_company_id

        def people(role: str, follow_up=follow_up, city_id=city_id) -> set[int]:
            return by_project.get((role, follow_up.project_id), set()) | by_city.get((role, city_id), set())

        supervisors = by_project.get((Role.CS_SUPERVISOR, follow_up.project_id), set()) or by_city.get(
            (Role.CS_SUPERVISOR, city_id), set()
        )
        own = ({follow_up.assignee_id} & active) or people(Role.CS_AGENT) | people(Role.CS_SUPERVISOR)
        result[follow_up.pk] = {
            0: own,
            1: own,
            2: supervisors,
            3: by_city.get((Role.CITY_HEAD, city_id), set()),
        }
    return result


class FollowUpEscalationSweep(FixedOffsetsDeadlineSweep):
    alerted_field = "follow_up"
    alert_model = FollowUpAlert
    name = "survey follow-up deadline sweep"

    def prepare(self) -> None:
        self.offsets = offsets()

    def due_rows(self, now: datetime.datetime):
        return (
            FollowUp.objects.open()
            .filter(next_check_at__lte=now)
            .order_by("next_check_at")
            .only(
                "id",
                "reason",
                "status",
                "project_id",
                "city_company_id",
                "assignee_id",
                "due_at",
                "warned",
                "escalation_level",
                "next_check_at",
            )
        )

    def after(self, steps: list[Step], now: datetime.datetime) -> None:
        recipients = _recipients([s.row for s in steps])
        notifications = []
        for step in steps:
            follow_up = step.row
            link = reverse("surveys:follow_up", args=[follow_up.pk])
            for level in step.levels:
                notifications.extend(
                    Notification(
                        recipient_id=user_id,
                        kind=_kind(level),
                        title=_alert_text(follow_up, level, late=step.late_warning)[:200],
                        body=follow_up.reason,
                        link=link,
                        created_at=now,
                    )
                    for user_id in recipients[follow_up.pk][level]
                )
        Notification.objects.bulk_create(notifications)
        messages_enqueue(_alert_emails(steps, recipients))


def _kind(level: int) -> str:
    return "survey_follow_up_warning" if level == 0 else f"survey_follow_up_escalation_{level}"


def _alert_emails(steps: list[Step], recipients: dict[int, dict[int, set[int]]]) -> list[OutgoingMessage]:
    """One email per step and person with an address, keyed by the step: a step never mails twice."""
    user_ids = {uid for by_level in recipients.values() for ids in by_level.values() for uid in ids}
    emails = dict(User.objects.filter(pk__in=user_ids).exclude(email="").values_list("pk", "email"))
    messages = []
    with override(settings.LANGUAGE_CODE):
        for step in steps:
            follow_up = step.row
            for level in step.levels:
                messages.extend(
                    OutgoingMessage(
                        channel="email",
                        recipient=emails[user_id],
                        recipient_user_id=user_id,
                        kind=_kind(level),
                        idempotency_key=f"survey-follow-up-alert.{follow_up.pk}.{level}.user-{user_id}",
                        subject=_alert_text(follow_up, level, late=step.late_warning),
                        body=follow_up.reason,
                    )
                    for user_id in sorted(recipients[follow_up.pk][level])
                    if user_id in emails
                )
    return messages


def follow_up_escalation_sweep(*, now: datetime.datetime | None = None, batch_size: int = 500) -> int:
    """Fire every due follow-up warning and escalation. Returns the number of alerts fired."""
    return FollowUpEscalationSweep().run(now=now or timezone.now(), batch_size=batch_size)
