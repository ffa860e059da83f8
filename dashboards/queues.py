"""The home page's work queue: what each role has to do next, composed from the desks' own reads.

Each queue is a few rows (QUEUE_ROWS) nearest due first, with a link to the full, filtered list;
the reads themselves live in the apps that own the rows (complaints.work_queues,
delivery.selectors.queues, surveys.work_queues,
lifecycle.work_queues), scoped and ordered by their indexes. A role's page runs the same few
queries whatever the size of the desk.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from complaints import work_queues
from core.rows import local_text, row_url
from delivery.selectors import queues as delivery_queues
from lifecycle import work_queues as lifecycle_queues
from membership import work_queues as club_queues
from surveys import work_queues as survey_queues

QUEUE_ROWS = 10
# Roles whose queue is the desk's breaches and undispatched complaints; they also get the dashboards.
OVERSEEING_ROLES = (Role.GROUP_ADMIN, Role.CITY_HEAD, Role.CS_SUPERVISOR, Role.READONLY_MANAGER)


@dataclass(frozen=True)
class QueueRow:
    number: str
    text: str
    url: str
    due: datetime.datetime | datetime.date | None = None
    late: bool = False

    @property
    def due_text(self) -> str:
        pattern = "%Y-%m-%d %H:%M" if isinstance(self.due, datetime.datetime) else "%Y-%m-%d"
        return local_text(self.due, pattern)


@dataclass(frozen=True)
class Queue:
    key: str
    title: str
    see_all_url: str
    empty_text: str
    rows: list[QueueRow] = field(default_factory=list)


def _complaint_rows(complaints, now) -> list[QueueRow]:
    url = row_url("complaints:detail")
    return [
        QueueRow(
            number=c.number,
            text=c.title,
            url=url(c.pk),
            due=getattr(c, "current_due", None) if c.paused_at is None and c.sla_target else None,
            late=bool(c.paused_at is None and c.sla_target and c.current_due and c.current_due <= now),
        )
        for c in complaints
    ]


def _follow_up_queue(key: str, title, follow_ups, now) -> Queue:
    url = row_url("surveys:follow_up")
    return Queue(
        key,
        title,
        f"{reverse('surveys:follow_ups')}?status=open",
        _("No unhappy survey answer waits for a follow-up."),
        [QueueRow(f.customer.name, f.reason, url(f.pk), f.due_at, f.due_at <= now) for f in follow_ups],
    )


def _agent_queues(user, now) -> list[Queue]:
    board = reverse("complaints:board")
    callback_url = row_url("complaints:detail")
    return [
        Queue(
            "my-complaints",
            _("My open complaints"),
            f"{board}?mine_only=on",
            _("No open complaints are yours."),
            _complaint_rows(work_queues.my_open_complaints(user=user, limit=QUEUE_ROWS), now),
        ),
        Queue(
            "callbacks",
            _("Return visits to make"),
            f"{board}?mine_only=on&status=resolved",
            _("No resolved complaint waits for a return visit."),
            [
                QueueRow(c.number, c.title, callback_url(c.pk), due=c.resolved_at)
                for c in work_queues.my_callbacks(user=user, limit=QUEUE_ROWS)
            ],
        ),
        _follow_up_queue(
            "survey-follow-ups",
            _("My survey follow-ups"),
            survey_queues.my_open_follow_ups(user=user, limit=QUEUE_ROWS),
            now,
        ),
        _care_queue(user, now),
        _touchpoint_queue(user, now),
    ]


def _touchpoint_queue(user, now) -> Queue:
    """The 6+2 touchpoints due today or overdue (calls, visits, letters)."""
    url = reverse("lifecycle:my_touchpoints")
    today = timezone.localdate(now)
    rows = [
        QueueRow(t.customer.name, t.plan.name, url, due=t.due_on, late=t.due_on < today)
        for t in lifecycle_queues.my_due_touchpoints(user=user, limit=QUEUE_ROWS, today=today)
    ]
    return Queue("touchpoints", _("6+2 touchpoints due"), url, _("No touchpoint is due today."), rows)


def _care_queue(user, now) -> Queue:
    """Club members' birthdays and home anniversaries coming up (会员关怀), with their care wish."""
    care_url = reverse("club:care_tasks")
    today = timezone.localdate(now)
    rows = []
    for task in club_queues.care_tasks_due(user=user, limit=QUEUE_ROWS, today=today):
        text = f"{task.get_kind_display()} · {task.member.name}"
        if task.member.care_wish:
            text += f" · {task.member.care_wish}"
        rows.append(QueueRow(task.member.number, text, care_url, due=task.due_on, late=task.due_on < today))
    return Queue(
        "care", _("Member care coming up"), care_url, _("No birthday or anniversary is coming up."), rows
    )


def _overseer_queues(user, now) -> list[Queue]:
    board = reverse("complaints:board")
    return [
        Queue(
            "breached",
            _("Breached complaints"),
            f"{board}?sla=breached",
            _("No complaint is past its due time."),
            _complaint_rows(work_queues.breached_complaints(user=user, limit=QUEUE_ROWS), now),
        ),
        Queue(
            "undispatched",
            _("Complaints waiting for dispatch"),
            f"{board}?status=received",
            _("Every complaint has been dispatched."),
            _complaint_rows(work_queues.undispatched_complaints(user=user, limit=QUEUE_ROWS), now),
        ),
        _follow_up_queue(
            "survey-follow-ups",
            _("Survey follow-ups"),
            survey_queues.open_follow_ups(user=user, limit=QUEUE_ROWS),
            now,
        ),
    ]


def _engineer_queues(user, now) -> list[Queue]:
    batch_url, defect_url = row_url("delivery:batch-detail"), row_url("delivery:defect-detail")
    return [
        Queue(
            "batches",
            _("My handover batches"),
            reverse("delivery:batch-list"),
            _("You lead or work in no open batch."),
            [
                QueueRow(b.project.name, b.name, batch_url(b.pk), due=b.starts_on)
                for b in delivery_queues.my_batches(user=user, limit=QUEUE_ROWS)
            ],
        ),
        Queue(
            "defects",
            _("Defects due"),
            f"{reverse('delivery:defect-list')}?status=open",
            _("No defect has a deadline running."),
            [
                QueueRow(
                    d.number or "",
                    f"{d.unit.code} · {d.description}",
                    defect_url(d.pk),
                    d.due_at,
                    d.due_at <= now,
                )
                for d in delivery_queues.defects_due(user=user, limit=QUEUE_ROWS)
            ],
        ),
    ]


def _work_order_queues(user, now) -> list[Queue]:
    url = row_url("complaints:work-order")
    return [
        Queue(
            "work-orders",
            _("Open work orders"),
            reverse("complaints:work-orders"),
            _("No open work order."),
            [
                QueueRow(o.number, o.description, url(o.pk), o.due_at, o.due_at <= now)
                for o in work_queues.open_work_orders(user=user, limit=QUEUE_ROWS)
            ],
        )
    ]


ROLE_QUEUES = {
    Role.CS_AGENT: _agent_queues,
    Role.DELIVERY_ENGINEER: _engineer_queues,
    Role.CONTRACTOR: _work_order_queues,
    Role.DEPARTMENT_STAFF: _work_order_queues,
    **dict.fromkeys(OVERSEEING_ROLES, _overseer_queues),
}


def work_queue(user) -> list[Queue]:
    """The user's queues, by their role (none for a role without one)."""
    build = ROLE_QUEUES.get(user.role)
    return build(user, timezone.now()) if build else []
