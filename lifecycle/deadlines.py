"""The deadline of a touchpoint and its escalation, on the shared machinery (core.escalation).

A touchpoint is due on a day: it warns at the opening of business that day (it is "due today"),
escalates at the close of business (level 1, SLA_BUSINESS_HOURS in TIME_ZONE), then
LIFECYCLE_TOUCHPOINT_ESCALATION_2_AFTER_HOURS / _3_AFTER_HOURS clock hours after it. An outcome stops
the clock; a "no answer" moves the due day to the next working day but keeps the steps already fired
(each step fires once per touchpoint: TouchpointAlert's unique constraint), as does a date moved by
generation.

Who hears (in-app notifications, and an email through the outbox to those with an address):
- warning and level 1: the assignee, or without one (or one who has left) the project's staff of the
  plan's role;
- level 2: the project's customer-service supervisors (the city company's, if none works on it);
- level 3: the city company's heads.
"""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from accounts.models import Role, User
from core.escalation import ESCALATION_LEVELS, FixedOffsetsDeadlineSweep, Step
from core.outbox import OutgoingMessage, messages_enqueue
from notifications.models import Notification

from .models import Touchpoint, TouchpointAlert


def offsets() -> dict[int, datetime.timedelta]:
    """Each escalation level's delay after the due time (clock time)."""
    return {
        1: datetime.timedelta(0),
        2: datetime.timedelta(hours=settings.LIFECYCLE_TOUCHPOINT_ESCALATION_2_AFTER_HOURS),
        3: datetime.timedelta(hours=settings.LIFECYCLE_TOUCHPOINT_ESCALATION_3_AFTER_HOURS),
    }


def business_day(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """The opening and the close of business on `day`, aware, in TIME_ZONE."""
    zone = ZoneInfo(settings.TIME_ZONE)
    opening, closing = settings.SLA_BUSINESS_HOURS
    return (
        datetime.datetime.combine(day, opening, tzinfo=zone),
        datetime.datetime.combine(day, closing, tzinfo=zone),
    )


def next_check(*, due_on: datetime.date, warned: bool, level: int) -> datetime.datetime | None:
    """The moment of the next step for a touchpoint due on `due_on` that is at this point of its clock."""
    opening, closing = business_day(due_on)
    if level == 0 and not warned:
        return opening
    if level >= ESCALATION_LEVELS[-1]:
        return None
    return closing + offsets()[level + 1]


def clock_set(touchpoint: Touchpoint, due_on: datetime.date) -> list[str]:
    """(Re)start the clock on `due_on`, keeping the steps already fired. Returns the fields changed."""
    touchpoint.due_on = due_on
    touchpoint.due_at = business_day(due_on)[1]
    touchpoint.next_check_at = next_check(
        due_on=due_on, warned=touchpoint.warned, level=touchpoint.escalation_level
    )
    return ["due_on", "due_at", "next_check_at"]


def clock_stop(touchpoint: Touchpoint) -> list[str]:
    touchpoint.next_check_at = None
    return ["next_check_at"]


def deadline_state(touchpoint: Touchpoint, today: datetime.date | None = None) -> str:
    """on_time | today | overdue | stopped — the badge on the list."""
    if not touchpoint.is_pending:
        return "stopped"
    today = today or timezone.localdate()
    if touchpoint.due_on < today:
        return "overdue"
    return "today" if touchpoint.due_on == today else "on_time"


def _alert_text(touchpoint: Touchpoint, level: int, *, late: bool = False) -> str:
    name = touchpoint.plan.name
    if level == 0 and late:
        return _("Touchpoint warning (late): %(name)s is already overdue") % {"name": name}
    if level == 0:
        return _("Touchpoint due today: %(name)s") % {"name": name}
    return _("Touchpoint escalation level %(level)s: %(name)s is overdue") % {"level": level, "name": name}


def _recipients(touchpoints: list[Touchpoint]) -> dict[int, dict[int, set[int]]]:
    """touchpoint id → level → user ids. One query per batch, whatever its size."""
    project_ids = {t.project_id for t in touchpoints}
    city_ids = {t.city_company_id for t in touchpoints}
    assignee_ids = {t.assignee_id for t in touchpoints if t.assignee_id}
    roles = {t.role for t in touchpoints} | {Role.CS_SUPERVISOR, Role.CITY_HEAD}
    staff = (
        User.objects.filter(is_active=True)
        .filter(
            Q(pk__in=assignee_ids)
            | Q(role__in=roles) & (Q(projects__in=project_ids) | Q(city_companies__in=city_ids))
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
    for tp in touchpoints:
        city_id = tp.city_company_id
        team = by_project.get((tp.role, tp.project_id), set()) or by_city.get((tp.role, city_id), set())
        supervisors = by_project.get((Role.CS_SUPERVISOR, tp.project_id), set()) or by_city.get(
            (Role.CS_SUPERVISOR, city_id), set()
        )
        own = ({tp.assignee_id} & active) or team
        result[tp.pk] = {0: own, 1: own, 2: supervisors, 3: by_city.get((Role.CITY_HEAD, city_id), set())}
    return result


def _kind(level: int) -> str:
    return "touchpoint_warning" if level == 0 else f"touchpoint_escalation_{level}"


class TouchpointEscalationSweep(FixedOffsetsDeadlineSweep):
    alerted_field = "touchpoint"
    alert_model = TouchpointAlert
    name = "touchpoint deadline sweep"

    def prepare(self) -> None:
        self.offsets = offsets()

    def due_rows(self, now: datetime.datetime):
        return (
            Touchpoint.objects.pending()
            .filter(next_check_at__lte=now)
            .order_by("next_check_at")
            .select_related("plan")
            .only(
                "id",
                "plan__id",
                "plan__name_zh",
                "plan__name_en",
                "status",
                "role",
                "project_id",
                "city_company_id",
                "customer_id",
                "assignee_id",
                "due_on",
                "due_at",
                "warned",
                "escalation_level",
                "next_check_at",
            )
        )

    def after(self, steps: list[Step], now: datetime.datetime) -> None:
        recipients = _recipients([s.row for s in steps])
        link = reverse("lifecycle:my_touchpoints")
        notifications = []
        for step in steps:
            tp = step.row
            for level in step.levels:
                notifications.extend(
                    Notification(
                        recipient_id=user_id,
                        kind=_kind(level),
                        title=_alert_text(tp, level, late=step.late_warning)[:200],
                        body=tp.plan.name,
                        link=link,
                        created_at=now,
                    )
                    for user_id in recipients[tp.pk][level]
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
            tp = step.row
            for level in step.levels:
                messages.extend(
                    OutgoingMessage(
                        channel="email",
                        recipient=emails[user_id],
                        recipient_user_id=user_id,
                        kind=_kind(level),
                        idempotency_key=f"touchpoint-alert.{tp.pk}.{level}.user-{user_id}",
                        subject=_alert_text(tp, level, late=step.late_warning),
                        body=tp.plan.name,
                    )
                    for user_id in sorted(recipients[tp.pk][level])
                    if user_id in emails
                )
    return messages


def touchpoint_escalation_sweep(*, now: datetime.datetime | None = None, batch_size: int = 500) -> int:
    """Fire every due touchpoint warning and escalation. Returns the number of alerts fired."""
    return TouchpointEscalationSweep().run(now=now or timezone.now(), batch_size=batch_size)
