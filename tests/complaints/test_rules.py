"""The rules of the complaint desk live in the services (complaints.services.rules): the services refuse
what they say, and the complaint page offers exactly the actions `allowed_actions` returns."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts.models import Department
from complaints import services
from complaints.models import Complaint, MajorComplaintReport
from complaints.services import rules

pytestmark = pytest.mark.django_db


def fresh(complaint):
    return Complaint.objects.get(pk=complaint.pk)


def buttons(client, complaint) -> set[str]:
    html = client.get(reverse("complaints:detail", args=[complaint.pk])).content.decode()
    return {slug for slug in _slugs() if f'data-testid="action-{slug}"' in html}


def _slugs():
    from complaints.views.detail import ACTIONS

    return ACTIONS


def test_a_normal_complaint_takes_no_written_report(make_complaint, supervisor):
    complaint = make_complaint()
    with pytest.raises(ValidationError) as refused:
        services.major_report_save(complaint=complaint, by=supervisor, cause="a", handling="b", lessons="c")
    assert refused.value.message_dict == {
        "severity": ["Only a major or group complaint takes a written report."]
    }
    assert not MajorComplaintReport.objects.exists()


def test_a_major_complaint_takes_its_report(make_complaint, supervisor):
    complaint = make_complaint(severity="major")
    services.major_report_save(complaint=complaint, by=supervisor, cause="a", handling="b", lessons="c")
    assert MajorComplaintReport.objects.filter(complaint=complaint).exists()


def test_a_major_complaint_that_joined_a_group_case_keeps_its_report(make_complaint, supervisor):
    complaint = make_complaint(severity="major")
    services.group_case_create(by=supervisor, title="3栋群诉", complaints=[complaint, make_complaint()])
    complaint.refresh_from_db()
    assert complaint.severity == "group"
    services.major_report_save(complaint=complaint, by=supervisor, cause="a", handling="b", lessons="c")
    assert MajorComplaintReport.objects.filter(complaint=complaint).exists()


def test_the_api_refuses_a_report_on_a_normal_complaint(make_complaint, supervisor):
    from tests.api import client_for

    complaint = make_complaint()
    response = client_for(supervisor).post(
        f"/api/v1/complaints/{complaint.pk}/major-report/",
        {"cause": "a", "handling": "b", "lessons": "c", "version": complaint.version},
        format="json",
    )
    assert response.status_code == 400
    assert "severity" in response.json()


@pytest.mark.parametrize(
    ("state", "offered", "not_offered"),
    [
        ("received", {"dispatch", "respond", "pause", "reclassify", "note"}, {"resolve", "close", "resume"}),
        ("paused", {"resume", "reclassify"}, {"pause", "close", "major-report"}),
        ("resolved", {"return-visit", "reopen", "reclassify"}, {"pause", "resolve", "dispatch"}),
        ("major", {"major-report", "dispatch"}, {"resume", "close"}),
        ("closed", {"reopen", "note"}, {"respond", "pause", "reclassify", "group-case"}),
    ],
)
def test_the_page_offers_what_the_rules_allow(
    client, make_complaint, supervisor, state, offered, not_offered
):
    complaint = make_complaint(severity="major" if state == "major" else "normal")
    if state == "paused":
        services.complaint_pause(complaint=complaint, by=supervisor, reason="业主出差")
    if state in ("resolved", "closed"):
        complaint = services.complaint_dispatch(
            complaint=complaint, by=supervisor, department=Department.ENGINEERING
        )
        complaint = services.complaint_agree_plan(complaint=complaint, by=supervisor, plan="修补")
        complaint = services.complaint_resolve(complaint=complaint, by=supervisor, resolution="已修复")
    if state == "closed":
        services.complaint_return_visit(complaint=complaint, by=supervisor, reached=True, satisfaction=5)
        services.complaint_close(complaint=fresh(complaint), by=supervisor, root_cause="construction")
    client.force_login(supervisor)
    shown = buttons(client, fresh(complaint))
    assert offered <= shown
    assert not (not_offered & shown)


def test_an_agent_is_not_offered_closing_a_major_complaint(client, make_complaint, supervisor, agent):
    """A supervisor closes major complaints: the page no longer offers the agent a button that answers 403."""
    complaint = make_complaint(severity="major")
    complaint = services.complaint_dispatch(
        complaint=complaint, by=supervisor, department=Department.ENGINEERING
    )
    complaint = services.complaint_agree_plan(complaint=complaint, by=supervisor, plan="修补")
    complaint = services.complaint_resolve(complaint=complaint, by=supervisor, resolution="已修复")
    services.complaint_return_visit(complaint=complaint, by=supervisor, reached=True, satisfaction=5)
    client.force_login(agent)
    assert "close" not in buttons(client, fresh(complaint))
    client.force_login(supervisor)
    assert "close" in buttons(client, fresh(complaint))
    with pytest.raises(PermissionDenied):
        services.complaint_close(complaint=fresh(complaint), by=agent, root_cause="construction")


def test_the_page_reads_the_services_rules_instead_of_restating_them(
    client, make_complaint, supervisor, monkeypatch
):
    complaint = make_complaint()
    client.force_login(supervisor)
    assert "note" in buttons(client, complaint)
    never = rules.Rule(lambda complaint: False, "note", "never")
    monkeypatch.setitem(rules.STATE_RULES, "note", (never,))
    monkeypatch.setitem(rules.TRANSITIONS, "dispatch", set())
    shown = buttons(client, complaint)
    assert "note" not in shown and "dispatch" not in shown
    with pytest.raises(ValidationError):
        services.complaint_add_note(complaint=complaint, by=supervisor, note="x")


def test_allowed_actions_are_what_the_services_accept(make_complaint, supervisor, agent):
    """Every allowed action of a fresh complaint passes the services' state and person checks."""
    complaint = make_complaint()
    for user in (supervisor, agent):
        for action in services.allowed_actions(complaint, user):
            rules.require_state(complaint, action)
            rules.require_actor(complaint, user, action)
    assert "dispatch" not in services.allowed_actions(complaint, agent)  # the role
    assert "reclassify" not in services.allowed_actions(complaint, agent)  # the person
