"""A long owner timeline for the bench (and the timeline's query-count tests): `events` more entries
for one customer, spread over several kinds and over the past years: notes on their complaints, a
club membership with its points ledger, and referrals. Ordinary ORM bulk writes (a few thousand rows)."""

from __future__ import annotations

import datetime
import random

from complaints.models import Complaint, ComplaintEvent
from membership.models import Member, PointsEntry, Referral
from membership.models.members import EnrolmentChannel

TIMELINE_EVENTS = 1000
NOTES = ("业主来电询问进度", "已电话回复业主", "约定周末上门查看", "业主表示满意")


def write_timeline_history(
    customer, *, events: int, rng: random.Random, now: datetime.datetime
) -> dict[str, int]:
    """Add `events` timeline entries to `customer` (one of them the club enrolment); returns the rows
    written per table. Times fall in the last three years, newest about now."""
    span = datetime.timedelta(days=3 * 365)

    def at(k: int) -> datetime.datetime:
        return now - span * ((k + rng.random()) / events)

    complaint_ids = list(Complaint.objects.filter(customer=customer).values_list("pk", flat=True)[:50])
    notes = events * 4 // 10 if complaint_ids else 0
    project = customer.registered_project
    referrals = (events - notes - 1) // 10 if project else 0
    points = events - notes - referrals - 1
    member = Member.objects.create(
        number=f"WKT{customer.pk:09d}",
        city_company_id=customer.city_company_id,
        project=project,
        name=customer.name,
        birth_date=customer.birth_date or datetime.date(1980, 1, 1),
        phone=f"199{customer.pk % 10**8:08d}",
        customer=customer,
        link_status=Member.LinkStatus.LINKED,
        channel=EnrolmentChannel.STAFF,
        enrolled_at=now - span,
    )
    order = list(range(events - 1))
    rng.shuffle(order)
    slots = iter(order)
    ComplaintEvent.objects.bulk_create(
        ComplaintEvent(
            complaint_id=rng.choice(complaint_ids),
            kind=ComplaintEvent.Kind.NOTE,
            note=rng.choice(NOTES),
            created_at=at(next(slots)),
        )
        for _ in range(notes)
    )
    PointsEntry.objects.bulk_create(
        PointsEntry(
            member=member,
            kind=PointsEntry.Kind.ADJUSTMENT,
            points=rng.choice((10, 20, 50, -10)),
            reason="压测积分",
            source=f"bench-timeline:{member.pk}:{k}",
            created_at=at(next(slots)),
        )
        for k in range(points)
    )
    written = Referral.objects.bulk_create(
        Referral(
            referrer=member,
            friend_name=f"朋友{k}",
            friend_phone=f"137{k:08d}",
            project=project,
        )
        for k in range(referrals)
    )
    # created_at is auto_now_add: the referrals' times are set after the insert.
    for referral in written:
        referral.created_at = at(next(slots))
    Referral.objects.bulk_update(written, ["created_at"])
    return {
        ComplaintEvent._meta.db_table: notes,
        Member._meta.db_table: 1,
        PointsEntry._meta.db_table: points,
        Referral._meta.db_table: len(written),
    }
