"""Deadline escalation shared by every clocked thing: complaint SLAs, work orders, rectification of defects.

A clocked row carries its due time, whether its warning has fired, its escalation level and
`next_check_at`, the moment of its next step (read through a partial index). A sweep:

1. claims a batch of due rows with SELECT … FOR UPDATE SKIP LOCKED, so overlapping sweeps
   never hold the same row;
2. plans each row's steps: a warning before the due time, then levels 1–3 at the due time
   plus each level's offset (every step whose time has come fires, in order, none skipped, even
   after an outage: a warning whose time passed unswept fires first, marked late);
3. writes the new state, then inserts one alert row per step under a unique constraint: a
   batch that loses a race rolls back whole and the next sweep redoes it, so each step fires
   exactly once;
4. does the batch's side effects (timeline events, notifications, emails on commit).

Subclasses say which rows, which alert model and who hears about it; the skeleton is here once.

A clocked thing joins the shared sweep in two steps: a DeadlineSweep subclass run by a small Celery
task of its app, and `register_sweep_task("<app>.tasks.<task>")` in its AppConfig.ready(). Beat runs
core.tasks.sweep_deadlines every SLA_SWEEP_SECONDS, which enqueues every registered sweep task (each
on its own worker, so a slow sweep holds no other back).
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Min, Model, QuerySet

logger = logging.getLogger(__name__)

ESCALATION_LEVELS = (1, 2, 3)
WARNING = 0

# The Celery task names of every clocked thing's sweep, registered by their apps (see above).
SWEEP_TASKS: list[str] = []
# Every concrete DeadlineSweep class, as its module is imported (the metrics measure each one's lag).
SWEEP_CLASSES: list[type[DeadlineSweep]] = []


def register_sweep_task(task_name: str) -> None:
    """Have beat's shared sweep (core.tasks.sweep_deadlines) run this app's sweep task. Idempotent."""
    if task_name not in SWEEP_TASKS:
        SWEEP_TASKS.append(task_name)


@dataclass
class Step:
    row: Any
    levels: list[int]  # 0 = warning, 1–3 = escalation levels, in firing order
    warned: bool
    new_level: int
    next_check: datetime.datetime | None
    # The warning fires at or after the due time (its moment passed between two sweeps): its text
    # must not say "due soon".
    late_warning: bool = False
    extra: dict = field(default_factory=dict)


def plan_step(
    row,
    *,
    due: datetime.datetime | None,
    warned: bool,
    level: int,
    offsets: dict[int, datetime.timedelta],
    now: datetime.datetime,
    warns: bool = True,
) -> Step:
    """What fires now for a row due at `due`, currently at `level`; `offsets[n]` is level n's delay after due.

    `warns`: whether the row has a warning step at all (a policy may warn at 100 % of the time, i.e. never).
    A row not yet warned nor escalated gets its warning first, even when the due time has passed
    since (marked late), then every level whose time has come: each step once, in order.
    """
    levels: list[int] = []
    new_level = level
    late_warning = False
    if due is not None and warns and not warned and level == 0:
        levels.append(WARNING)
        late_warning = now >= due
    if due is not None and now >= due:
        for candidate in ESCALATION_LEVELS:
            if candidate > level and now >= due + offsets[candidate]:
                levels.append(candidate)
                new_level = candidate
    next_check = None
    if due is not None and new_level < ESCALATION_LEVELS[-1]:
        next_check = due + offsets[new_level + 1]
    return Step(row, levels, bool(levels) or warned, new_level, next_check, late_warning=late_warning)


class DeadlineSweep:
    """The claim → plan → save → record-once → notify skeleton. Subclasses fill in the parts."""

    #: the model of the exactly-once alert rows (with a unique constraint on the step)
    alert_model: type[Model]
    name = "deadline sweep"
    #: the clocked row's field holding its next step's moment (None: the sweep reads due rows from
    #: other dates); the metrics read the oldest due one (crm.metrics: the sweep's lag)
    next_check_field: str | None = "next_check_at"

    def __init_subclass__(cls, **kwargs) -> None:
        super().__init_subclass__(**kwargs)
        if "alert_model" in cls.__dict__:  # a concrete sweep, not an intermediate skeleton
            SWEEP_CLASSES.append(cls)

    def oldest_due(self, now: datetime.datetime) -> datetime.datetime | None:
        """The moment of the longest-waiting due step (None: nothing due, or not measurable)."""
        if self.next_check_field is None:
            return None
        return self.due_rows(now).order_by().aggregate(oldest=Min(self.next_check_field))["oldest"]

    def due_rows(self, now: datetime.datetime) -> QuerySet:
        """Rows whose next step is due, ordered, ready to be locked."""
        raise NotImplementedError

    def prepare(self) -> None:
        """Load what planning needs once per batch (policies...)."""

    def plan(self, row, now: datetime.datetime) -> Step:
        raise NotImplementedError

    def save(self, steps: list[Step]) -> None:
        raise NotImplementedError

    def alerts(self, steps: list[Step], now: datetime.datetime) -> list[Model]:
        raise NotImplementedError

    def after(self, steps: list[Step], now: datetime.datetime) -> None:
        """Side effects of the fired steps, inside the batch's transaction."""

    def batch(self, *, now: datetime.datetime, batch_size: int = 500) -> tuple[int, int]:
        """Handle one batch. Returns (rows handled, alerts fired)."""
        self.prepare()
        with transaction.atomic():
            rows = list(self.due_rows(now).select_for_update(skip_locked=True, of=("self",))[:batch_size])
            if not rows:
                return 0, 0
            steps = [self.plan(row, now) for row in rows]
            self.save(steps)
            alerts = self.alerts([s for s in steps if s.levels], now)
            try:
                with transaction.atomic():
                    self.alert_model.objects.bulk_create(alerts)
            except IntegrityError:
                # Another sweep fired these steps first: undo this batch entirely.
                logger.warning("%s lost a race on %s rows; rolling back the batch", self.name, len(rows))
                transaction.set_rollback(True)
                return 0, 0
            fired = [s for s in steps if s.levels]
            if fired:
                self.after(fired, now)
            return len(rows), len(alerts)

    def run(self, *, now: datetime.datetime, batch_size: int = 500, max_batches: int = 200) -> int:
        """Sweep everything due at `now`, batch after batch. Returns the number of alerts fired."""
        total = 0
        for _batch in range(max_batches):
            handled, fired = self.batch(now=now, batch_size=batch_size)
            total += fired
            if handled < batch_size:
                break
        return total


class FixedOffsetsDeadlineSweep(DeadlineSweep):
    """A sweep over rows with a `due_at` and the same offsets for every row (set `self.offsets` in
    prepare()): the step is planned from the row's own fields, and the state is written with one
    UPDATE per (level, warned), the next check computed by the database from `due_at`.
    Examples: surveys.deadlines (follow-ups), lifecycle.deadlines (touchpoints)."""

    offsets: dict[int, datetime.timedelta]

    def plan(self, row, now: datetime.datetime) -> Step:
        return plan_step(
            row, due=row.due_at, warned=row.warned, level=row.escalation_level, offsets=self.offsets, now=now
        )

    def save(self, steps: list[Step]) -> None:
        groups: dict[tuple[int, bool], list[int]] = {}
        for step in steps:
            groups.setdefault((step.new_level, step.warned), []).append(step.row.pk)
        model = self.alert_model._meta.get_field(self.alerted_field).related_model
        for (level, warned), pks in groups.items():
            later = None if level >= ESCALATION_LEVELS[-1] else F("due_at") + self.offsets[level + 1]
            model._base_manager.filter(pk__in=pks).update(
                escalation_level=level, warned=warned, next_check_at=later
            )

    #: the alert model's foreign key to the clocked row
    alerted_field: str

    def alerts(self, steps: list[Step], now: datetime.datetime) -> list[Model]:
        return [
            self.alert_model(**{self.alerted_field: step.row, "level": level, "fired_at": now})
            for step in steps
            for level in step.levels
        ]
