"""Enrolments at once on PostgreSQL: every member gets a different number of the city's sequence, and
the same phone twice gives one member and one "already a member"."""

import datetime
import threading

import pytest
from django.db import connection

from membership.models import Member
from membership.services.enrolment import AlreadyAMember, member_enrol

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
        except Exception as error:  # reported by the caller
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


def _enrol(project, phone):
    return lambda: member_enrol(
        channel="public",
        name="并发",
        birth_date=datetime.date(1990, 1, 1),
        phone=phone,
        project=project,
        club_data_consent=True,
    )


def test_ten_enrolments_at_once_get_ten_consecutive_numbers(project):
    assert run_together(*[_enrol(project, f"1370000{n:04d}") for n in range(10)]) == []
    numbers = sorted(Member.objects.values_list("number", flat=True))
    assert numbers == [f"WKSZ{n:06d}" for n in range(1, 11)]


def test_the_same_phone_twice_at_once_is_one_member(project):
    errors = run_together(_enrol(project, "13700000001"), _enrol(project, "13700000001"))
    assert Member.objects.count() == 1
    assert len(errors) == 1 and isinstance(errors[0], AlreadyAMember)
