"""The demo's group case (群诉) is handled as a case: an owner, a plan, a message to the owners, a crisis."""

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import User
from complaints import services
from complaints.models import ComplaintEvent, GroupCase, GroupCaseEvent
from notifications.models import Notification
from tests.demo.test_seed_demo import seed

pytestmark = pytest.mark.django_db


def test_the_seeded_case_looks_like_one_a_supervisor_runs():
    seed()
    seed()  # idempotent: still one case, one message

    case = GroupCase.objects.get()
    supervisor = User.objects.get(username="supervisor")
    assert (case.status, case.owner, case.plan_agreed_by, case.is_crisis) == (
        "handling",
        supervisor,
        supervisor,
        True,
    )
    case.full_clean(exclude=["number"])
    kinds = list(case.events.values_list("kind", flat=True))
    assert kinds == ["created", "owner_assigned", "crisis_flagged", "plan_agreed", "message_sent"]
    message = case.messages.get()
    assert message.queued + len(message.unreachable) >= 1
    assert ComplaintEvent.objects.filter(kind="group_message").count() == case.complaints.count()
    head = User.objects.get(username="cityhead")
    assert Notification.objects.filter(recipient=head, kind="group_case_crisis").count() == 1
    # The page the supervisor opens offers what the rules allow, the heads may end the crisis.
    assert "case_resolve" in services.case_allowed_actions(case, supervisor)
    assert "case_crisis_clear" in services.case_allowed_actions(case, head)
    client = Client()
    client.force_login(supervisor)
    assert client.get(reverse("complaints:group-case", args=[case.pk])).status_code == 200
    assert GroupCaseEvent.objects.filter(case=case).count() == 5
