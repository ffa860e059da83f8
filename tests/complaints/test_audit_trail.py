"""The audit trail of complaints: intake and each step of the path leave who, when, old → new; the
SLA sweep's own columns are not edits and leave nothing (its query count stays per batch)."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from auditlog.models import LogEntry
from django.urls import reverse

from complaints import sla
from complaints.models import Complaint
from complaints.services import complaint_agree_plan, complaint_dispatch, complaint_respond
from customers.services import customer_merge
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")


def entries(record):
    return list(LogEntry.objects.get_for_object(record).order_by("id"))


def test_intake_records_the_new_complaint_with_the_callers_phone_masked(make_complaint, agent):
    complaint = make_complaint(customer=None, reporter_name="陈先生", reporter_phone="13912345678")
    (entry,) = entries(complaint)
    assert entry.action == LogEntry.Action.CREATE and entry.actor == agent
    assert entry.changes["reporter_phone"] == ["None", "139****5678"]
    assert entry.changes["title"] == ["None", "车库漏水"] and "13912345678" not in str(entry.changes)


def test_each_step_records_what_it_changed_and_who(make_complaint, supervisor, agent):
    complaint = make_complaint()
    complaint_dispatch(complaint=complaint, by=supervisor, department="engineering", handler=agent)
    complaint = Complaint.objects.get(pk=complaint.pk)
    complaint_respond(complaint=complaint, by=supervisor, method="call", content="已致电业主")
    complaint_agree_plan(complaint=Complaint.objects.get(pk=complaint.pk), by=supervisor, plan="堵漏并补漆")
    created, dispatched, *rest = entries(complaint)
    assert dispatched.actor == supervisor
    assert dispatched.changes["status"] == ["received", "dispatched"]
    assert dispatched.changes["handler"] == ["None", str(agent.pk)]
    planned = rest[-1]
    assert planned.changes["plan"] == ["", "堵漏并补漆"] and planned.changes["status"][1] == "plan_agreed"
    # The clock's columns moved with these steps, and are not on the trail.
    recorded = {name for entry in entries(complaint) for name in entry.changes}
    assert not recorded & {"sla_next_check_at", "sla_warned", "escalation_level", "first_response_due_at"}


def test_the_sla_sweep_writes_no_entry(make_complaint):
    with time_machine.travel(datetime.datetime(2026, 11, 2, 10, 0, tzinfo=SHANGHAI), tick=False) as clock:
        complaints = [make_complaint() for _ in range(3)]
        before = LogEntry.objects.count()
        clock.move_to(datetime.datetime(2026, 11, 3, 10, 0, tzinfo=SHANGHAI))
        assert sla.sla_sweep() == 6
    assert LogEntry.objects.count() == before
    assert all(Complaint.objects.get(pk=c.pk).escalation_level == 1 for c in complaints)


def test_the_complaint_page_shows_its_history(client, make_complaint, supervisor, agent):
    complaint = make_complaint()
    complaint_dispatch(complaint=complaint, by=supervisor, department="engineering", handler=agent)
    client.force_login(supervisor)
    page = client.get(reverse("complaints:detail", args=[complaint.pk])).content.decode()
    url = reverse("audit:history", args=["complaints.complaint", complaint.pk])
    assert f'hx-get="{url}"' in page
    html = client.get(url).content.decode()
    assert html.count('data-testid="history-entry"') == 2
    assert "Dispatched" in html and str(supervisor) in html and str(agent) in html  # label, who, handler


def test_a_user_of_another_city_gets_a_404(client, make_complaint, other_agent):
    complaint = make_complaint()
    client.force_login(other_agent)
    assert (
        client.get(reverse("audit:history", args=["complaints.complaint", complaint.pk])).status_code == 404
    )


def test_a_customer_merge_moves_the_complaint_on_its_trail(make_complaint, supervisor, owner, project):
    duplicate = CustomerFactory(city_company=project.city_company, registered_project=project, id_number=None)
    complaint = make_complaint(customer=duplicate)
    customer_merge(survivor=owner, duplicate=duplicate, by=supervisor)
    moved = entries(complaint)[-1]
    assert moved.actor == supervisor and moved.changes == {"customer": [str(duplicate.pk), str(owner.pk)]}
