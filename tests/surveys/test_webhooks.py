"""A submitted survey is a `survey.answered` webhook event, once; a partial save is none."""

import pytest

from core.models import WebhookDelivery, WebhookEndpoint
from surveys.services.responses import response_save
from tests.surveys.factories import InvitationFactory

pytestmark = pytest.mark.django_db

COMPLETE = {"overall": "5", "repurchase": "4", "recommend": "9", "quality": "4", "leaks": "no"}


def test_a_submitted_survey_is_one_answered_event_without_the_answers(owner, project):
    WebhookEndpoint.objects.create(
        name="数据仓库", url="https://dw.example.com/in", events=["survey.answered"]
    )
    invitation = InvitationFactory(customer=owner, project=project, segment="stable")
    response_save(invitation, {"overall": "4"}, submit=False)
    assert not WebhookDelivery.objects.exists()
    response_save(invitation, COMPLETE, submit=True)
    delivery = WebhookDelivery.objects.get()
    data = delivery.payload["data"]
    assert delivery.event == "survey.answered" and delivery.event_key == f"survey.answered:{invitation.pk}"
    assert (data["invitation_id"], data["customer_id"], data["project_id"]) == (
        invitation.pk,
        owner.pk,
        project.pk,
    )
    assert "overall" not in data and data["completed_at"]
