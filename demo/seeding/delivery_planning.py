"""The handover-planning part of `manage.py seed_demo`: two batches of a phase still to be handed over.

- An open batch running from yesterday for five days: readiness done, slots every day, owners
  booked (by the team and through their links), and today's queue under way (checked in,
  inspecting, signing, done).
- A batch in planning two weeks out, with its readiness checklist partly done and slots ready.

Everything goes through delivery.services.planning, as the staff would. Idempotent: a batch whose
name exists is left alone. Prints nothing; counts go to cmd.created.
"""

from __future__ import annotations

import datetime

from django.db.models import Count
from django.utils import timezone

from accounts.models import Role, User
from delivery.models import HandoverBatch, ReadinessItem
from delivery.selectors import planning as selectors
from delivery.services import planning as services
from properties.models import Building, Phase

DAY = datetime.timedelta(days=1)
HOUR = datetime.timedelta(hours=1)
MINUTE = datetime.timedelta(minutes=1)
WINDOWS = (
    (datetime.time(9, 0), datetime.time(10, 30)),
    (datetime.time(10, 30), datetime.time(12, 0)),
    (datetime.time(14, 0), datetime.time(15, 30)),
    (datetime.time(15, 30), datetime.time(17, 0)),
)
# Projects the demo's handover team logs in to come first, then the rest in the demo's order.
TEAM_LOGINS = ("engineer", "supervisor", "agent", "cityhead", "admin")
# Today's queue, in arrival order: where each owner has got to.
TODAY_QUEUE = ("done", "signing", "inspecting", "checked_in", "checked_in", "booked", "booked")


def seed(cmd) -> None:
    today = cmd.today
    phase_buildings = _buildings_to_hand_over(cmd)
    if not phase_buildings:
        return
    admin = User.objects.filter(role=Role.GROUP_ADMIN, is_active=True).order_by("pk").first()
    if admin is None:
        return
    (phase, first), second = phase_buildings[0], (phase_buildings[1] if len(phase_buildings) > 1 else None)
    project = phase.project
    team = _team(project)
    lead = team[0] if team else admin

    open_name = f"{project.name}{phase.name}{first.number}栋交付（第一批）"
    if not HandoverBatch.objects.filter(project=project, name=open_name).exists():
        _seed_open_batch(cmd, admin, lead, team, phase, first, open_name, today)
    if second is not None:
        later_phase, later_building = second
        later_name = f"{later_phase.project.name}{later_phase.name}{later_building.number}栋交付（第二批）"
        if not HandoverBatch.objects.filter(project=later_phase.project, name=later_name).exists():
            later_team = _team(later_phase.project)
            _seed_planned_batch(
                cmd,
                admin,
                later_team[0] if later_team else admin,
                later_team,
                later_phase,
                later_building,
                later_name,
                today,
            )


def _buildings_to_hand_over(cmd) -> list[tuple[Phase, Building]]:
    """(phase, building) pairs of phases not yet handed over, the handover team's projects first."""
    order = []
    for username in TEAM_LOGINS:
        user = User.objects.filter(username=username).first()
        if user is not None:
            order += [code for code in user.projects.values_list("code", flat=True) if code not in order]
    order += [code for code in cmd.projects if code not in order]
    rank = {code: n for n, code in enumerate(order)}
    phases = sorted(
        Phase.objects.filter(project__code__in=rank, planned_handover_on__gt=cmd.today).select_related(
            "project"
        ),
        key=lambda phase: (rank[phase.project.code], phase.name),
    )
    pairs = []
    for phase in phases:
        # The fullest building opens first: the demo's queue needs owners.
        buildings = (
            Building.objects.filter(phase=phase).annotate(unit_count=Count("units")).filter(unit_count__gt=0)
        )
        pairs += [(phase, building) for building in buildings.order_by("-unit_count", "number")]
    return pairs[:2]


def _team(project) -> list[User]:
    """Demo logins who may plan or book for this project, the lead first."""
    users = []
    for username in TEAM_LOGINS:
        user = User.objects.filter(username=username, is_active=True).first()
        if user is not None and services.may(user, "book") and services.in_scope(user, project.pk):
            users.append(user)
    planners = [u for u in users if services.may(u, "plan")]
    return planners[:1] + [u for u in users if u not in planners[:1]]


def _slots_by_day(batch: HandoverBatch) -> dict[datetime.date, list]:
    days: dict[datetime.date, list] = {}
    for slot in batch.slots.order_by("date", "starts_at"):
        days.setdefault(slot.date, []).append(slot)
    return days


def _owned(batch: HandoverBatch) -> list:
    handovers = list(
        batch.handovers.select_related("unit").order_by("unit__floor", "unit__entrance", "unit__number")
    )
    owners = selectors.owners_of(h.unit_id for h in handovers)
    return [h for h in handovers if h.unit_id in owners]


def _seed_open_batch(cmd, admin, lead, team, phase, building, name, today) -> None:
    batch = services.batch_create(
        by=admin,
        project=phase.project,
        phase=phase,
        name=name,
        starts_on=today - DAY,
        ends_on=today + 4 * DAY,
        site=f"{building.number}栋大堂交付中心",
        buildings=[building],
        lead=lead,
        team=team,
    )
    for item in batch.readiness_items.all():
        services.readiness_item_update(by=admin, item=item, status=ReadinessItem.Status.DONE)
    batch = services.batch_open(by=admin, batch=batch)
    slots = services.slots_generate(
        by=admin, batch=batch, first_day=batch.starts_on, last_day=batch.ends_on, windows=WINDOWS, capacity=4
    )
    cmd.created["handover batches"] += 1
    cmd.created["appointment slots"] += len(slots)

    owners = iter(_owned(batch))
    by_day = _slots_by_day(batch)
    booked_long_ago = timezone.now() - 14 * DAY  # the bookings were made two weeks ago
    booker = next((u for u in team if u.role == Role.CS_AGENT), lead)
    appointments = 0
    # Yesterday: the first day, over.
    for slot, outcome in zip(by_day.get(today - DAY, [])[:2], ("done", "no_show"), strict=False):
        handover = next(owners, None)
        if handover is None:
            break
        appointment = services.appointment_book(by=booker, handover=handover, slot=slot, now=booked_long_ago)
        started = services.slot_starts_at(slot)
        if outcome == "no_show":
            services.appointment_no_show(by=lead, appointment=appointment, now=started + 2 * HOUR)
        else:
            for step, minutes in zip(services.QUEUE_ORDER[1:], (5, 15, 70, 90), strict=True):
                appointment = services.appointment_advance(
                    by=lead, appointment=appointment, to_status=step, now=started + minutes * MINUTE
                )
        appointments += 1
    # Today: the queue under way, in arrival order.
    today_slots = by_day.get(today, [])
    for index, step in enumerate(TODAY_QUEUE):
        handover = next(owners, None)
        if handover is None or not today_slots:
            break
        channel_by = None if index % 3 == 2 else booker  # some owners booked themselves through the link
        appointment = services.appointment_book(
            by=channel_by,
            handover=handover,
            slot=today_slots[index // 4 % len(today_slots)],
            now=booked_long_ago,
        )
        for to_status in services.QUEUE_ORDER[1:]:
            if services.QUEUE_ORDER.index(to_status) > services.QUEUE_ORDER.index(step):
                break
            appointment = services.appointment_advance(by=lead, appointment=appointment, to_status=to_status)
        appointments += 1
    # The coming days: a few owners each day.
    for day in sorted(d for d in by_day if d > today):
        for slot in by_day[day][:2]:
            handover = next(owners, None)
            if handover is None:
                break
            services.appointment_book(by=booker, handover=handover, slot=slot, now=booked_long_ago)
            appointments += 1
    cmd.created["handover appointments"] += appointments


def _seed_planned_batch(cmd, admin, lead, team, phase, building, name, today) -> None:
    batch = services.batch_create(
        by=admin,
        project=phase.project,
        phase=phase,
        name=name,
        starts_on=today + 14 * DAY,
        ends_on=today + 16 * DAY,
        site=f"{building.number}栋架空层交付中心",
        buildings=[building],
        lead=lead,
        team=team,
    )
    items = list(batch.readiness_items.order_by("id"))
    progress = (ReadinessItem.Status.DONE, ReadinessItem.Status.DONE, ReadinessItem.Status.IN_PROGRESS)
    for item, status in zip(items, progress, strict=False):
        services.readiness_item_update(
            by=admin,
            item=item,
            status=status,
            note="已完成" if status == ReadinessItem.Status.DONE else "进行中",
        )
    slots = services.slots_generate(
        by=admin, batch=batch, first_day=batch.starts_on, last_day=batch.ends_on, windows=WINDOWS, capacity=4
    )
    cmd.created["handover batches"] += 1
    cmd.created["appointment slots"] += len(slots)
    booked = 0
    for handover, slot in zip(_owned(batch)[:3], slots, strict=False):
        services.appointment_book(by=None, handover=handover, slot=slot)  # owners booking through their link
        booked += 1
    cmd.created["handover appointments"] += booked
