"""The create path and the version bump of the complaint services: what they write, in how many queries."""

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext

from complaints import selectors, services
from complaints.models import Complaint, ComplaintEvent
from core.webhooks import webhook_subscribed


def test_complaint_create_writes_in_seven_queries(agent, owner, owned_unit, leak, django_assert_num_queries):
    agent.scope  # noqa: B018 - computed once per request in real use
    category = selectors.category(leak.pk)  # as the form and the API pass it: from the cache, parent attached
    webhook_subscribed("complaint.created")  # the integrations' endpoints are cached too (core.webhooks)
    ContentType.objects.get_for_model(Complaint)  # cached per process after the first use (the audit trail)
    # transaction (2), SLA policy (1), the row (1), its number, which carries the id (1), the first
    # event (1), its audit trail entry (1; the content type is cached). The references are the
    # caller's instances: no existence checks.
    with django_assert_num_queries(7):
        complaint = services.complaint_create(
            by=agent,
            customer=owner,
            unit=owned_unit,
            category=category,
            complaint_type="complaint",
            channel="hotline",
            title="车库漏水",
            description="地下车库漏水",
        )
    stored = Complaint.objects.get(pk=complaint.pk)
    assert stored.number == complaint.number == f"TS-{stored.received_at:%Y%m}-{stored.pk:06d}"
    assert stored.sla_policy_id == complaint.sla_policy_id is not None
    assert complaint.created_event == ComplaintEvent.objects.get(complaint=complaint)
    assert complaint.created_attachments == []


def test_complaint_create_still_refuses_bad_values(agent, owner, owned_unit, leak):
    import pytest
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        services.complaint_create(
            by=agent,
            customer=owner,
            unit=owned_unit,
            category=leak,
            complaint_type="nonsense",
            channel="hotline",
            title="t",
            description="d",
        )
    assert "complaint_type" in error.value.message_dict
    assert not Complaint.objects.exists()


def test_an_action_knows_its_new_version_without_reading_it_back(make_complaint, supervisor, agent):
    complaint = make_complaint()
    with CaptureQueriesContext(connection) as captured:
        dispatched = services.complaint_dispatch(
            complaint=complaint, by=supervisor, department="engineering", handler=agent, expected_version=1
        )
    assert dispatched.version == 2 == Complaint.objects.get(pk=complaint.pk).version
    update = next(i for i, q in enumerate(captured.captured_queries) if q["sql"].startswith("UPDATE"))
    assert not any(
        q["sql"].startswith("SELECT") and '"version"' in q["sql"].split("FROM")[0]
        for q in captured.captured_queries[update + 1 :]
    ), "the version is not re-read after the update"
