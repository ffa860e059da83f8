"""The SLA clock of a complaint, and the sweep that fires warnings and escalations.

The policy of a complaint is the one `policy_rank` puts first (severity, then category, then type);
a major or group complaint's due times are never later than a normal one's of the same type and
category (`clock_due`). A change of type, category or severity re-plans the clock (`replan_clock`).

Each complaint measures one target at a time (first response → plan → resolution). For that
target it may fire, in order: a warning at `warning_percent` of the time, level 1 at the due
time, level 2 and level 3 after the policy's further delays. `sla_next_check_at` holds the
moment of the next step, so the sweep reads only what is due, through a partial index.

Exactly once: the sweep claims rows with SELECT … FOR UPDATE SKIP LOCKED (PostgreSQL) and
records each step as an SlaAlert whose unique constraint (complaint, target, round, level)
refuses a second copy; a batch that loses a race or dies midway rolls back whole and the
next sweep redoes it. Each step's emails are outbox messages written in the same transaction, so
a step that fired has its emails queued, and the outbox sends them at least once.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from accounts.models import Role, User
from core.escalation import ESCALATION_LEVELS, DeadlineSweep, Step, plan_step
from core.outbox import OutgoingMessage, messages_enqueue
from core.workcalendar import TimeBasis, add_time, time_between
from notifications.models import Notification

from .models import Complaint, ComplaintEvent, Severity, SlaAlert, SlaPolicy, SlaTarget, Status
from .webhooks import complaints_escalated

logger = logging.getLogger(__name__)

DEFAULT_POLICY = SlaPolicy(name="default")  # unsaved: the model's defaults, 24 h first response

# Severities whose clocks may only be faster than a normal complaint's (重大投诉, 群诉).
RAISED_SEVERITIES = (Severity.MAJOR, Severity.GROUP)


def policy_rank(policy: SlaPolicy, *, category) -> tuple:
    """How the policy of a complaint is chosen, the one place the ranking is written down.

    Among the active policies that match the complaint (an empty type or severity and a null
    category match any; a category policy covers the category's children), the highest wins:

    1. a policy written for a major or group severity, for a complaint of that severity: the
       severity outranks type and category (a major repair gets the major policy, not the repair one);
    2. the complaint's own category, then its parent category, then none;
    3. the complaint's type, then any type;
    4. a policy for the normal severity, then any severity;
    5. the oldest policy.

    Whatever wins, a major or group complaint's clocks are never slower than a normal complaint's
    of the same type and category: see `clock_due`.
    """
    return (
        policy.severity in RAISED_SEVERITIES,
        policy.category_id == category.pk,
        policy.category_id is not None,
        bool(policy.complaint_type),
        bool(policy.severity),
        -policy.pk,
    )


def policy_for(*, complaint_type: str, category, severity: str) -> SlaPolicy | None:
    """The policy that ranks highest for this type × category × severity (None: the defaults)."""
    category_ids = [category.pk] + ([category.parent_id] if category.parent_id else [])
    candidates = SlaPolicy.objects.filter(
        Q(is_active=True),
        Q(complaint_type=complaint_type) | Q(complaint_type=""),
        Q(severity=severity) | Q(severity=""),
        Q(category_id__in=category_ids) | Q(category__isnull=True),
    )
    return max(candidates, key=lambda policy: policy_rank(policy, category=category), default=None)


def effective_policy(complaint: Complaint) -> SlaPolicy:
    return complaint.sla_policy or DEFAULT_POLICY


def normal_policy(complaint: Complaint) -> SlaPolicy:
    """The policy a normal complaint of the same type and category would have."""
    if complaint.severity not in RAISED_SEVERITIES:
        return effective_policy(complaint)
    chosen = policy_for(
        complaint_type=complaint.complaint_type, category=complaint.category, severity="normal"
    )
    return chosen or DEFAULT_POLICY


def minutes(value: int) -> datetime.timedelta:
    return datetime.timedelta(minutes=value)


def escalation_offset(policy: SlaPolicy, level: int) -> datetime.timedelta:
    """How long after the due time each escalation level fires (clock time: managers are paged at night too)."""
    return {
        1: datetime.timedelta(0),
        2: minutes(policy.escalation_2_after_minutes),
        3: minutes(policy.escalation_3_after_minutes),
    }[level]


def clock_due(
    start: datetime.datetime, target: str, policy: SlaPolicy, normal: SlaPolicy
) -> datetime.datetime:
    """When `target` is due: by the complaint's policy, but never later than by `normal`, the policy
    of a normal complaint of its type and category (the same one for a normal complaint)."""
    due = add_time(start, minutes(policy.target_minutes(target)), policy.time_basis)
    if normal is policy or normal.pk is not None and normal.pk == policy.pk:
        return due
    return min(due, add_time(start, minutes(normal.target_minutes(target)), normal.time_basis))


def start_clock(complaint: Complaint, *, start: datetime.datetime, targets: tuple[str, ...]) -> None:
    """Set the due times of `targets` counted from `start` (on create, on reopen, on reclassification)."""
    policy = effective_policy(complaint)
    normal = normal_policy(complaint)  # a query for a major or group complaint only
    for target in targets:
        setattr(complaint, _due_field(target), clock_due(start, target, policy, normal))
    complaint.sla_started_at = start


def _due_field(target: str) -> str:
    return {
        SlaTarget.FIRST_RESPONSE: "first_response_due_at",
        SlaTarget.PLAN: "plan_due_at",
        SlaTarget.RESOLUTION: "resolution_due_at",
    }[target]


def pending_targets(complaint: Complaint) -> list[str]:
    """Targets not met yet, in the order they are measured."""
    if not complaint.is_open or complaint.status == Status.RESOLVED:
        return []
    pending = []
    if complaint.first_responded_at is None:
        pending.append(SlaTarget.FIRST_RESPONSE)
    if complaint.plan_agreed_at is None:
        pending.append(SlaTarget.PLAN)
    if complaint.resolved_at is None or complaint.status == Status.REOPENED:
        pending.append(SlaTarget.RESOLUTION)
    return pending


def refresh_clock(complaint: Complaint) -> list[str]:
    """Point the clock at the first pending target and schedule its next step.

    Returns the fields changed. A new target starts with no warning and no escalation.
    """
    pending = pending_targets(complaint)
    target = pending[0] if pending else ""
    if target != complaint.sla_target:
        complaint.sla_target = target
        complaint.sla_warned = False
        complaint.escalation_level = 0
    complaint.sla_next_check_at = next_check_at(complaint)
    return ["sla_target", "sla_warned", "escalation_level", "sla_next_check_at"]


def warning_at(complaint: Complaint, policy: SlaPolicy) -> datetime.datetime | None:
    """`warning_percent` of the way from the clock's start to the due time (which a normal
    complaint's policy may have brought forward: see `clock_due`)."""
    due = complaint.current_due_at
    if due is None or complaint.sla_started_at is None:
        return None
    span = time_between(complaint.sla_started_at, due, policy.time_basis)
    return add_time(complaint.sla_started_at, span * policy.warning_percent / 100, policy.time_basis)


def next_check_at(complaint: Complaint) -> datetime.datetime | None:
    if not complaint.sla_target or complaint.is_paused or not complaint.is_open:
        return None
    policy = effective_policy(complaint)
    due = complaint.current_due_at
    if due is None:
        return None
    if not complaint.sla_warned and complaint.escalation_level == 0:
        warn = warning_at(complaint, policy)
        if warn is not None and warn < due:
            return warn
    if complaint.escalation_level >= 3:
        return None
    return due + escalation_offset(policy, complaint.escalation_level + 1)


def replan_clock(complaint: Complaint) -> list[str]:
    """After the type, category or severity changed: choose the policy again and put each pending
    due time where the new policy puts it, counted from the clock's start (moved by past pauses, as
    the due times were). Returns the fields changed.

    Steps already fired stay fired: their alerts are recorded once, so the level and the warning are
    kept. A due time the new policy puts in the past is a breach the next sweep escalates, once.
    """
    complaint.sla_policy = policy_for(
        complaint_type=complaint.complaint_type, category=complaint.category, severity=complaint.severity
    )
    pending = pending_targets(complaint)
    if pending and complaint.sla_started_at is not None:
        start_clock(complaint, start=complaint.sla_started_at, targets=tuple(pending))
    complaint.sla_next_check_at = next_check_at(complaint)
    return ["sla_policy", *(_due_field(target) for target in pending), "sla_next_check_at"]


def pause_shift(complaint: Complaint, *, resumed_at: datetime.datetime) -> list[str]:
    """Move every pending due time (and the clock start) by the time spent paused."""
    policy = effective_policy(complaint)
    paused_for = time_between(complaint.paused_at, resumed_at, policy.time_basis)
    changed = []
    for target in pending_targets(complaint):
        field = _due_field(target)
        due = getattr(complaint, field)
        if due is not None:
            setattr(complaint, field, add_time(due, paused_for, policy.time_basis))
            changed.append(field)
    if complaint.sla_started_at is not None:
        complaint.sla_started_at = add_time(complaint.sla_started_at, paused_for, policy.time_basis)
        changed.append("sla_started_at")
    return changed


@dataclass(frozen=True)
class SlaState:
    label: str  # on_time | warning | breached | paused | met | none
    due_at: datetime.datetime | None
    remaining: datetime.timedelta | None


def sla_state(complaint: Complaint, now: datetime.datetime | None = None) -> SlaState:
    """What the badge on the board shows."""
    now = now or timezone.now()
    if not complaint.sla_target:
        return SlaState("met" if complaint.status in (Status.RESOLVED, Status.CLOSED) else "none", None, None)
    due = complaint.current_due_at
    if complaint.is_paused:
        return SlaState("paused", due, None)
    remaining = due - now if due else None
    if due and now >= due:
        return SlaState("breached", due, remaining)
    if complaint.sla_warned:
        return SlaState("warning", due, remaining)
    return SlaState("on_time", due, remaining)


# --- the sweep ------------------------------------------------------------------------------

SWEEP_FIELDS = (
    "id",
    "number",
    "title",
    "project_id",
    "handler_id",
    "received_by_id",
    "sla_policy_id",
    "sla_target",
    "sla_warned",
    "escalation_level",
    "reopen_count",
    "first_response_due_at",
    "plan_due_at",
    "resolution_due_at",
    "sla_next_check_at",
    "status",
    "paused_at",
)


def _recipients(
    complaints: list[Complaint], levels_by_complaint: dict[int, set[int]]
) -> dict[tuple[int, int], set[int]]:
    """(complaint id, level) → user ids to notify. Two queries per batch, whatever its size.

    warning: the handler (or whoever received it); level 1: the project's supervisors;
    level 2: supervisors over the whole city company (客服经理); level 3: the city company's heads.
    """
    from properties.models import Project

    project_ids = {c.project_id for c in complaints}
    city_of_project = dict(Project.objects.filter(pk__in=project_ids).values_list("pk", "city_company_id"))
    staff = (
        User.objects.filter(is_active=True, role__in=[Role.CS_SUPERVISOR, Role.CITY_HEAD])
        .filter(Q(projects__in=project_ids) | Q(city_companies__in=set(city_of_project.values())))
        .values_list("pk", "role", "projects", "city_companies")
    )
    project_supervisors: dict[int, set[int]] = {}
    city_supervisors: dict[int, set[int]] = {}
    city_heads: dict[int, set[int]] = {}
    for user_id, role, project_id, city_id in staff:
        if role == Role.CS_SUPERVISOR and project_id in project_ids:
            project_supervisors.setdefault(project_id, set()).add(user_id)
        if role == Role.CS_SUPERVISOR and city_id:
            city_supervisors.setdefault(city_id, set()).add(user_id)
        if role == Role.CITY_HEAD and city_id:
            city_heads.setdefault(city_id, set()).add(user_id)
    recipients: dict[tuple[int, int], set[int]] = {}
    for complaint in complaints:
        city_id = city_of_project.get(complaint.project_id)
        own = {uid for uid in (complaint.handler_id or complaint.received_by_id,) if uid}
        by_level = {
            0: own,
            1: own
            | project_supervisors.get(complaint.project_id, set())
            | city_supervisors.get(city_id, set()),
            2: city_supervisors.get(city_id, set()) or project_supervisors.get(complaint.project_id, set()),
            3: city_heads.get(city_id, set()),
        }
        for level in levels_by_complaint.get(complaint.pk, ()):
            recipients[(complaint.pk, level)] = by_level[level]
    return recipients


def _alert_text(complaint: Complaint, target: str, level: int, *, late: bool = False) -> str:
    target_label = SlaTarget(target).label
    if level == 0 and late:
        # Its moment passed between two sweeps: it still fires, before the escalation, and says so.
        return _("SLA warning (late): %(number)s %(target)s is already due") % {
            "number": complaint.number,
            "target": target_label,
        }
    if level == 0:
        return _("SLA warning: %(number)s %(target)s is due soon") % {
            "number": complaint.number,
            "target": target_label,
        }
    return _("Escalation level %(level)s: %(number)s %(target)s is overdue") % {
        "level": level,
        "number": complaint.number,
        "target": target_label,
    }


def _offsets(policy: SlaPolicy) -> dict[int, datetime.timedelta]:
    return {level: escalation_offset(policy, level) for level in ESCALATION_LEVELS}


def _plan_step(complaint: Complaint, policy: SlaPolicy, now: datetime.datetime) -> Step:
    return plan_step(
        complaint,
        due=complaint.current_due_at,
        warned=complaint.sla_warned,
        level=complaint.escalation_level,
        offsets=_offsets(policy),
        now=now,
    )


class ComplaintSlaSweep(DeadlineSweep):
    alert_model = SlaAlert
    next_check_field = "sla_next_check_at"
    name = "SLA sweep"

    def prepare(self) -> None:
        self.policies = {p.pk: p for p in SlaPolicy.objects.all()}

    def policy(self, complaint: Complaint) -> SlaPolicy:
        return self.policies.get(complaint.sla_policy_id, DEFAULT_POLICY)

    def due_rows(self, now: datetime.datetime):
        return (
            Complaint.objects.due_for_sla_check(now)
            .filter(status__in=Status.open_values(), paused_at__isnull=True)
            .exclude(sla_target="")
            .order_by("sla_next_check_at")
            .only(*SWEEP_FIELDS)
        )

    def plan(self, complaint: Complaint, now: datetime.datetime) -> Step:
        return _plan_step(complaint, self.policy(complaint), now)

    def save(self, steps: list[Step]) -> None:
        """Write the batch's new SLA state in a few UPDATEs, one per (policy, target, level, warned).

        The next check is the due column plus the policy's next offset, computed by the database,
        so the number of statements depends on the policies in play, not on the batch size.
        """
        groups: dict[tuple, list[int]] = {}
        for step in steps:
            complaint = step.row
            key = (complaint.sla_policy_id, complaint.sla_target, step.new_level, step.warned)
            groups.setdefault(key, []).append(complaint.pk)
        for (policy_id, target, level, warned), pks in groups.items():
            policy = self.policies.get(policy_id, DEFAULT_POLICY)
            next_check = None if level >= 3 else F(_due_field(target)) + escalation_offset(policy, level + 1)
            Complaint.objects.filter(pk__in=pks).update(
                sla_warned=warned, escalation_level=level, sla_next_check_at=next_check
            )

    def alerts(self, steps: list[Step], now: datetime.datetime) -> list[SlaAlert]:
        return [
            SlaAlert(
                complaint=step.row,
                target=step.row.sla_target,
                round=step.row.reopen_count,
                level=level,
                fired_at=now,
                due_at=step.row.current_due_at,
            )
            for step in steps
            for level in step.levels
        ]

    def after(self, steps: list[Step], now: datetime.datetime) -> None:
        events = []
        levels_by_complaint: dict[int, set[int]] = {}
        for step in steps:
            complaint = step.row
            due = complaint.current_due_at
            for level in step.levels:
                levels_by_complaint.setdefault(complaint.pk, set()).add(level)
                events.append(
                    ComplaintEvent(
                        complaint=complaint,
                        kind=ComplaintEvent.Kind.SLA_WARNING if level == 0 else ComplaintEvent.Kind.ESCALATED,
                        note=_alert_text(complaint, complaint.sla_target, level, late=step.late_warning),
                        created_at=now,
                        data={
                            "target": complaint.sla_target,
                            "level": level,
                            "due_at": due.isoformat() if due else None,
                            "late": level == 0 and step.late_warning,
                        },
                    )
                )
        ComplaintEvent.objects.bulk_create(events)
        complaints_escalated(
            [(s.row, s.row.sla_target, level) for s in steps for level in s.levels if level > 0]
        )
        recipients = _recipients([s.row for s in steps], levels_by_complaint)
        notifications = []
        for step in steps:
            complaint = step.row
            link = reverse("complaints:detail", args=[complaint.pk])
            for level in step.levels:
                for user_id in recipients.get((complaint.pk, level), ()):
                    notifications.append(
                        Notification(
                            recipient_id=user_id,
                            kind="sla_warning" if level == 0 else f"sla_escalation_{level}",
                            title=_alert_text(complaint, complaint.sla_target, level, late=step.late_warning),
                            body=complaint.title,
                            link=link,
                            created_at=now,
                        )
                    )
        Notification.objects.bulk_create(notifications)
        messages_enqueue(_alert_emails(steps, recipients))


def _alert_emails(steps: list[Step], recipients: dict[tuple[int, int], set[int]]) -> list[OutgoingMessage]:
    """One email per step and person with an address (one query for the addresses), keyed by the
    step's SlaAlert identity: the same step never makes a second email."""
    user_ids = {uid for ids in recipients.values() for uid in ids}
    emails = dict(User.objects.filter(pk__in=user_ids).exclude(email="").values_list("pk", "email"))
    messages = []
    with override(settings.LANGUAGE_CODE):
        for step in steps:
            complaint = step.row
            for level in step.levels:
                subject = _alert_text(complaint, complaint.sla_target, level, late=step.late_warning)
                step_key = f"sla-alert.{complaint.pk}.{complaint.sla_target}.{complaint.reopen_count}.{level}"
                messages.extend(
                    OutgoingMessage(
                        channel="email",
                        recipient=emails[user_id],
                        recipient_user_id=user_id,
                        kind="sla_warning" if level == 0 else f"sla_escalation_{level}",
                        idempotency_key=f"{step_key}.user-{user_id}",
                        subject=subject,
                        body=complaint.title,
                    )
                    for user_id in sorted(recipients.get((complaint.pk, level), ()))
                    if user_id in emails
                )
    return messages


def sla_sweep_batch(*, now: datetime.datetime, batch_size: int = 500) -> tuple[int, int]:
    """Fire the due steps of one batch of complaints. Returns (complaints handled, alerts fired)."""
    return ComplaintSlaSweep().batch(now=now, batch_size=batch_size)


def sla_sweep(*, now: datetime.datetime | None = None, batch_size: int = 500, max_batches: int = 200) -> int:
    """Sweep everything due now, batch after batch. Returns the number of alerts fired."""
    return ComplaintSlaSweep().run(now=now or timezone.now(), batch_size=batch_size, max_batches=max_batches)


__all__ = [
    "TimeBasis",
    "policy_for",
    "refresh_clock",
    "replan_clock",
    "start_clock",
    "pause_shift",
    "sla_state",
    "sla_sweep",
    "sla_sweep_batch",
]
