"""Rectification deadlines of defects and their escalation, on the complaints' machinery.

A defect's clock starts when it is recorded (and again when a fix is rejected): its due time
is the severity's RectificationPolicy in working days on the statutory calendar
(core.workcalendar). The sweep is core.escalation's: claimed with SKIP LOCKED, one DefectAlert
per step under a unique constraint, so each warning and escalation fires exactly once.

Who hears: warning → the contractor's users and whoever recorded the defect; level 1 → also
the project's delivery engineers; level 2 → the project's customer-service supervisors;
level 3 → the city company's heads.
"""

from __future__ import annotations

import datetime

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from core.escalation import ESCALATION_LEVELS, DeadlineSweep, Step, plan_step
from core.workcalendar import add_working_days, add_working_time, working_day_length
from notifications.models import Notification

from .models import Defect, DefectAlert, DefectEvent, RectificationPolicy

# Used when an administrator deleted a severity's policy: the model's defaults, 10 working days.
DEFAULT_POLICY = RectificationPolicy(severity="", working_days=10)

# Defects whose clock runs: not yet marked fixed by the contractor.
CLOCKED_STATUSES = (Defect.Status.OPEN, Defect.Status.FIXING)


def policy_for(severity: str, policies: dict[str, RectificationPolicy] | None = None) -> RectificationPolicy:
    if policies is not None:
        return policies.get(severity, DEFAULT_POLICY)
    return RectificationPolicy.objects.filter(severity=severity).first() or DEFAULT_POLICY


def offsets(policy: RectificationPolicy) -> dict[int, datetime.timedelta]:
    """Each escalation level's delay after the due time (clock time: managers are paged at night too)."""
    return {
        1: datetime.timedelta(0),
        2: datetime.timedelta(hours=policy.escalation_2_after_hours),
        3: datetime.timedelta(hours=policy.escalation_3_after_hours),
    }


def warning_at(defect: Defect, policy: RectificationPolicy) -> datetime.datetime | None:
    if defect.clock_started_at is None:
        return None
    share = working_day_length() * policy.working_days * policy.warning_percent / 100
    return add_working_time(defect.clock_started_at, share)


def start_clock(defect: Defect, *, start: datetime.datetime | None = None) -> list[str]:
    """Give the defect a fresh due time from its severity's policy; returns the fields set."""
    start = start or timezone.now()
    policy = policy_for(defect.severity)
    defect.clock_started_at = start
    defect.due_at = add_working_days(start, policy.working_days)
    defect.warned = False
    defect.escalation_level = 0
    defect.next_check_at = warning_at(defect, policy) or defect.due_at
    return ["clock_started_at", "due_at", "warned", "escalation_level", "next_check_at"]


def stop_clock(defect: Defect) -> list[str]:
    """The contractor has done their part (or the defect is gone): nothing more fires."""
    defect.next_check_at = None
    return ["next_check_at"]


def defect_deadline_state(defect: Defect, now: datetime.datetime | None = None) -> str:
    """on_time | warning | overdue | stopped — the badge on lists."""
    now = now or timezone.now()
    if defect.status not in CLOCKED_STATUSES or defect.due_at is None:
        return "stopped"
    if now >= defect.due_at:
        return "overdue"
    return "warning" if defect.warned else "on_time"


def _alert_text(defect: Defect, level: int, *, late: bool = False) -> str:
    if level == 0 and late:
        # Its moment passed between two sweeps: it still fires, before the escalation, and says so.
        return _("Rectification warning (late): defect %(number)s is already due") % {"number": defect.number}
    if level == 0:
        return _("Rectification due soon: defect %(number)s") % {"number": defect.number}
    return _("Rectification escalation level %(level)s: defect %(number)s is overdue") % {
        "level": level,
        "number": defect.number,
    }


def _recipients(defects: list[Defect]) -> dict[int, dict[int, set[int]]]:
    """defect id → level → user ids. Two queries per batch, whatever its size."""
    from properties.models import Project

    project_ids = {d.project_id for d in defects}
    contractor_ids = {d.contractor_id for d in defects if d.contractor_id}
    city_of_project = dict(Project.objects.filter(pk__in=project_ids).values_list("pk", "city_company_id"))
    staff = (
        User.objects.filter(is_active=True)
        .filter(
            Q(role=Role.CONTRACTOR, contractor_id__in=contractor_ids, projects__in=project_ids)
            | Q(
                role=Role.CONTRACTOR,
                contractor_id__in=contractor_ids,
                city_companies__in=set(city_of_project.values()),
            )
            | Q(
                role__in=[Role.DELIVERY_ENGINEER, Role.CS_SUPERVISOR, Role.CITY_HEAD],
                projects__in=project_ids,
            )
            | Q(
                role__in=[Role.DELIVERY_ENGINEER, Role.CS_SUPERVISOR, Role.CITY_HEAD],
                city_companies__in=set(city_of_project.values()),
            )
        )
        .values_list("pk", "role", "contractor_id", "projects", "city_companies")
    )
    # Keyed by role, or for contractor users by their company: only those working on the defect's
    # project hear of it, as only they see it (accounts.scope).
    by_project: dict[tuple[str | int, int], set[int]] = {}
    by_city: dict[tuple[str | int, int], set[int]] = {}
    for user_id, role, contractor_id, project_id, city_id in staff:
        key = contractor_id if role == Role.CONTRACTOR else role
        if project_id:
            by_project.setdefault((key, project_id), set()).add(user_id)
        if city_id:
            by_city.setdefault((key, city_id), set()).add(user_id)

    def people(key: str | int, defect: Defect) -> set[int]:
        city_id = city_of_project.get(defect.project_id)
        return by_project.get((key, defect.project_id), set()) | by_city.get((key, city_id), set())

    result: dict[int, dict[int, set[int]]] = {}
    for defect in defects:
        crew = people(defect.contractor_id, defect) if defect.contractor_id else set()
        own = crew | {defect.reported_by_id}
        result[defect.pk] = {
            0: own,
            1: own | people(Role.DELIVERY_ENGINEER, defect),
            2: people(Role.CS_SUPERVISOR, defect) | people(Role.DELIVERY_ENGINEER, defect),
            3: people(Role.CITY_HEAD, defect),
        }
    return result


class DefectEscalationSweep(DeadlineSweep):
    alert_model = DefectAlert
    name = "defect escalation sweep"

    def prepare(self) -> None:
        self.policies = {p.severity: p for p in RectificationPolicy.objects.all()}

    def due_rows(self, now: datetime.datetime):
        return (
            Defect.objects.filter(status__in=CLOCKED_STATUSES, next_check_at__lte=now)
            .order_by("next_check_at")
            .only(
                "id",
                "number",
                "project_id",
                "contractor_id",
                "reported_by_id",
                "severity",
                "status",
                "description",
                "due_at",
                "warned",
                "escalation_level",
                "rework_count",
                "next_check_at",
            )
        )

    def plan(self, defect: Defect, now: datetime.datetime) -> Step:
        policy = policy_for(defect.severity, self.policies)
        return plan_step(
            defect,
            due=defect.due_at,
            warned=defect.warned,
            level=defect.escalation_level,
            offsets=offsets(policy),
            now=now,
        )

    def save(self, steps: list[Step]) -> None:
        # Defects run in the hundreds, not millions: one UPDATE per (level, warned, next check).
        groups: dict[tuple, list[int]] = {}
        for step in steps:
            groups.setdefault((step.new_level, step.warned, step.next_check), []).append(step.row.pk)
        for (level, warned, next_check), pks in groups.items():
            Defect.objects.filter(pk__in=pks).update(
                escalation_level=level, warned=warned, next_check_at=next_check
            )

    def alerts(self, steps: list[Step], now: datetime.datetime) -> list[DefectAlert]:
        return [
            DefectAlert(
                defect=step.row,
                round=step.row.rework_count,
                level=level,
                fired_at=now,
                due_at=step.row.due_at,
            )
            for step in steps
            for level in step.levels
        ]

    def after(self, steps: list[Step], now: datetime.datetime) -> None:
        recipients = _recipients([s.row for s in steps])
        events, notifications = [], []
        for step in steps:
            defect = step.row
            link = reverse("delivery:defect-detail", args=[defect.pk])
            for level in step.levels:
                text = _alert_text(defect, level, late=step.late_warning)
                events.append(
                    DefectEvent(
                        defect=defect,
                        kind=DefectEvent.Kind.WARNING if level == 0 else DefectEvent.Kind.ESCALATED,
                        note=text,
                        created_at=now,
                        data={
                            "level": level,
                            "due_at": defect.due_at.isoformat() if defect.due_at else None,
                            "late": level == 0 and step.late_warning,
                        },
                    )
                )
                notifications.extend(
                    Notification(
                        recipient_id=user_id,
                        kind="defect_warning" if level == 0 else f"defect_escalation_{level}",
                        title=text,
                        body=defect.description[:200],
                        link=link,
                        created_at=now,
                    )
                    for user_id in recipients[defect.pk][level]
                )
        DefectEvent.objects.bulk_create(events)
        Notification.objects.bulk_create(notifications)


def defect_escalation_sweep(*, now: datetime.datetime | None = None, batch_size: int = 500) -> int:
    """Fire every due rectification warning and escalation. Returns the number of alerts fired."""
    return DefectEscalationSweep().run(now=now or timezone.now(), batch_size=batch_size)


__all__ = [
    "ESCALATION_LEVELS",
    "start_clock",
    "stop_clock",
    "defect_escalation_sweep",
    "defect_deadline_state",
]
