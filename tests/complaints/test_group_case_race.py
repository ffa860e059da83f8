"""Two posts at once on PostgreSQL: the same message to the owners (a double click that reached two
workers) is sent once; writing to the owners while a complaint joins the case waits, never deadlocks."""

import threading
import uuid

import pytest
from django.db import connection

from complaints import services
from complaints.models import Complaint, GroupCaseMessage
from core.models import OutboxMessage

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


@pytest.fixture
def case(make_complaint, supervisor):
    return services.group_case_create(
        by=supervisor, title="车库渗漏", complaints=[make_complaint(), make_complaint()]
    )


def test_the_same_message_posted_twice_at_once_is_sent_once(case, supervisor):
    key = uuid.uuid4()

    def write():
        services.group_case_message_owners(case=case, by=supervisor, subject="进展", text="本周修复", key=key)

    assert run_together(write, write) == []
    assert GroupCaseMessage.objects.count() == 1
    assert OutboxMessage.objects.filter(kind="group_case_message").count() == 1  # one owner


def test_writing_to_the_owners_while_a_complaint_joins_never_deadlocks(case, make_complaint, supervisor):
    newcomer = make_complaint(title="又一户")

    def write():
        services.group_case_message_owners(
            case=case, by=supervisor, subject="进展", text="本周修复", key=uuid.uuid4()
        )

    def join():
        services.complaint_join_group_case(complaint=newcomer, by=supervisor, group_case=case)

    assert run_together(write, join, write) == []
    assert Complaint.objects.get(pk=newcomer.pk).group_case_id == case.pk
    assert GroupCaseMessage.objects.count() == 2
