"""A long owner timeline for the bench (and the timeline's query-count tests): `events` more entries
for one customer, spread over the past three years and over several kinds: notes on their
complaints and, when they are a club member, points entries and referrals of that membership (its
balance kept equal to the ledger's sum). Ordinary ORM bulk writes: a thousand rows or so."""

from __future__ import annotations

import datetime
import random

from django.db.models import F
from django.utils import timezone

from complaints.models import Complaint, ComplaintEvent
from membership.models import Member, PointsEntry, Referral
from membership.services.points import points_expiry_date

TIMELINE_EVENTS = 1000
NOTES = ("业主来电询问进度", "已电话回复业主", "约定周末上门查看", "业主表示满意")


def write_timeline_history(
    customer, *, events: int, rng: random.Random, now: datetime.datetime
) -> dict[str, int]:
    """Add `events` timeline entries to `customer` (who needs complaints or a club membership, else
    nothing is written); returns the rows written per table."""
    span = datetime.timedelta(days=3 * 365)
    complaint_ids = list(Complaint.objects.filter(customer=customer).values_list("pk", flat=True)[:50])
    member = Member.objects.filter(customer=customer).order_by("pk").first()
    if not complaint_ids and member is None:
        return {}
    notes = 0 if not complaint_ids else events if member is None else events * 4 // 10
    project_id = member and (member.project_id or customer.registered_project_id)
    referrals = (events - notes) // 10 if project_id else 0
    points = events - notes - referrals
    order = list(range(events))
    rng.shuffle(order)
    slots = iter(order)

    def at() -> datetime.datetime:
        return now - span * ((next(slots) + rng.random()) / events)

    ComplaintEvent.objects.bulk_create(
        ComplaintEvent(
            complaint_id=rng.choice(complaint_ids),
            kind=ComplaintEvent.Kind.NOTE,
            note=rng.choice(NOTES),
            created_at=at(),
        )
        for _ in range(notes)
    )
    entries = []
    for k in range(points):
        when = at()
        entries.append(
            PointsEntry(
                member=member,
                kind=PointsEntry.Kind.ADJUSTMENT,
                points=rng.choice((10, 20, 50)),
                reason="压测积分",
                source=f"bench-timeline:{member.pk}:{k}",
                created_at=when,
                expires_on=points_expiry_date(timezone.localdate(when)),
            )
        )
    PointsEntry.objects.bulk_create(entries)
    if entries:  # the balance is the ledger's sum
        Member.objects.filter(pk=member.pk).update(
            points_balance=F("points_balance") + sum(e.points for e in entries)
        )
    written = Referral.objects.bulk_create(
        Referral(referrer=member, friend_name=f"朋友{k}", friend_phone=f"137{k:08d}", project_id=project_id)
        for k in range(referrals)
    )
    # created_at is auto_now_add: the referrals' times are set after the insert.
    for referral in written:
        referral.created_at = at()
    Referral.objects.bulk_update(written, ["created_at"])
    return {
        ComplaintEvent._meta.db_table: notes,
        PointsEntry._meta.db_table: points,
        Referral._meta.db_table: len(written),
    }
