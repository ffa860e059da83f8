"""Two submits of the same link at once on PostgreSQL (a double tap that reached two workers): one
wins, the other is told the survey is answered; the answers and the completion signal happen once."""

import threading

import pytest
from django.db import connection

from surveys.models import Answer, Invitation
from surveys.services.responses import SurveyClosed, response_save
from surveys.signals import response_completed
from tests.surveys.factories import InvitationFactory

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: SQLite serialises writers and has no row locks",
    ),
    pytest.mark.django_db(transaction=True),
]

COMPLETE = {"overall": "5", "repurchase": "4", "recommend": "9", "quality": "4", "leaks": "no"}


def run_together(*jobs) -> list[Exception]:
    start, errors = threading.Barrier(len(jobs)), []

    def run(job):
        try:
            start.wait()
            job()
        except Exception as error:  # reported by the caller
            errors.append(error)
        finally:
            connection.close()  # each thread has its own connection

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return errors


def test_two_submits_at_once_complete_the_survey_once(owner, project):
    invitation = InvitationFactory(customer=owner, project=project)
    completions = []

    def receiver(sender, invitation, **kwargs):
        completions.append(invitation.pk)

    def submit(score):
        def job():
            response_save(
                Invitation.objects.get(pk=invitation.pk), {**COMPLETE, "overall": score}, submit=True
            )

        return job

    response_completed.connect(receiver)
    try:
        errors = run_together(submit("5"), submit("1"))
    finally:
        response_completed.disconnect(receiver)
    assert len(errors) == 1 and isinstance(errors[0], SurveyClosed) and errors[0].code == "completed"
    assert completions == [invitation.pk]
    assert Answer.objects.filter(invitation=invitation, is_final=True).count() == 5
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.COMPLETED
