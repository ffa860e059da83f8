"""Concurrent cancellations on PostgreSQL: each takes the event's row lock, so the places taken never
exceed the capacity and each waitlisted member is promoted (and texted) at most once."""

import threading

import pytest
from django.db import connection

from core.models import OutboxMessage
from membership.models import Registration
from membership.services.events import places_taken, registration_cancel, registration_create
from tests.membership.factories import EventFactory, MemberFactory

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: SQLite serialises writers and has no row locks",
    ),
    pytest.mark.django_db(transaction=True),
]


def run_together(*jobs) -> list[Exception]:
    start, errors = threading.Barrier(len(jobs)), []

    def run(job):
        try:
            start.wait()
            job()
        except Exception as error:  # pragma: no cover - reported by the caller
            errors.append(error)
        finally:
            connection.close()  # each thread has its own connection

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


def test_concurrent_cancellations_never_overbook_and_promote_each_waitlisted_member_once(
    city, project, agent
):
    event = EventFactory(city_company=city, project=project, capacity=5)
    members = [MemberFactory(city_company=city, project=project) for _ in range(12)]
    holders = [registration_create(event=event, member=member, by=agent) for member in members[:5]]
    waiting = [
        registration_create(event=event, member=member, guests=1 if n % 2 else 0, by=agent)
        for n, member in enumerate(members[5:])
    ]
    assert all(r.status == "waitlisted" for r in waiting)

    def cancel(registration):
        return lambda: registration_cancel(registration=registration, by=agent)

    # Four cancellations at once, one of them twice (a double click reaching two workers).
    jobs = [cancel(holder) for holder in holders[:4]] + [cancel(holders[0])]
    errors = run_together(*jobs)
    # The duplicate is refused (already cancelled); nothing else fails.
    assert len(errors) == 1 and "cancelled" in str(errors[0])

    assert places_taken(event) <= event.capacity
    promoted = list(Registration.objects.filter(pk__in=[r.pk for r in waiting], promoted_at__isnull=False))
    # 4 places freed: the queue 0 (1 place), 1 (2 places), then 2 would need 1 → 4 places, FIFO order.
    assert sorted(r.pk for r in promoted) == [waiting[0].pk, waiting[1].pk, waiting[2].pk]
    texts = OutboxMessage.objects.filter(kind="club_waitlist_promoted")
    assert texts.count() == len(promoted)
    assert sorted(texts.values_list("recipient", flat=True)) == sorted(r.member.phone for r in promoted)
