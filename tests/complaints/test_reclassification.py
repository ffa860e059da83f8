"""Reclassification after intake (services.complaint_reclassify): who may, the timeline, the SLA policy
chosen again and the clocks re-planned from the original start, through the service, the page and the API."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts.models import Department, Role
from complaints import services, sla
from complaints.models import Category, Complaint, ComplaintEvent, SlaAlert, SlaTarget, Status
from notifications.models import Notification
from tests.api import client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
API = "/api/v1"


def at(*args):
    return datetime.datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def clock():
    with time_machine.travel(at(2026, 11, 2, 10, 0), tick=False) as traveller:
        yield traveller


def fresh(complaint):
    return Complaint.objects.get(pk=complaint.pk)


def reclassify(complaint, by, **changes):
    return services.complaint_reclassify(
        complaint=fresh(complaint),
        by=by,
        reason=changes.pop("reason", "业主反映多户漏水，升级为重大投诉"),
        **changes,
    )


# --- the clocks --------------------------------------------------------------------------------------


def test_a_complaint_raised_to_major_is_re_planned_from_when_it_was_received(
    clock, make_complaint, supervisor
):
    complaint = make_complaint()
    assert complaint.first_response_due_at == at(2026, 11, 3, 10, 0)  # the standard 24 hours
    clock.move_to(at(2026, 11, 2, 11, 0))
    complaint = reclassify(complaint, supervisor, severity="major")
    complaint = fresh(complaint)
    assert complaint.sla_policy.name.startswith("重大投诉")
    # 4 hours, 1 day and 7 days from 10:00, when it was received, not from the reclassification.
    assert complaint.first_response_due_at == at(2026, 11, 2, 14, 0)
    assert complaint.plan_due_at == at(2026, 11, 3, 10, 0)
    assert complaint.resolution_due_at == at(2026, 11, 9, 10, 0)
    assert complaint.sla_next_check_at == at(2026, 11, 2, 13, 0)  # the warning at 75 %
    event = complaint.events.get(kind=ComplaintEvent.Kind.RECLASSIFIED)
    assert event.actor == supervisor
    assert event.note.startswith("业主反映多户漏水，升级为重大投诉")
    assert "Severity: Normal → Major (重大投诉)" in event.note
    assert event.data["changes"] == {"severity": ["normal", "major"]}
    assert event.data["policy"].startswith("重大投诉")


def test_a_stricter_policy_breaches_at_once_and_the_next_sweep_escalates_once(
    clock, make_complaint, supervisor
):
    complaint = make_complaint()
    clock.move_to(at(2026, 11, 2, 15, 0))  # five hours on: a major complaint was due at 14:00
    reclassify(complaint, supervisor, severity="major")
    assert sla.sla_state(fresh(complaint)).label == "breached"
    assert sla.sla_sweep() == 2  # the warning, late (issue 13: never skipped), then level 1
    assert sla.sla_sweep() == 0
    complaint = fresh(complaint)
    assert complaint.escalation_level == 1
    assert sorted(SlaAlert.objects.values_list("target", "level")) == [
        (SlaTarget.FIRST_RESPONSE, 0),
        (SlaTarget.FIRST_RESPONSE, 1),
    ]
    assert complaint.events.filter(kind=ComplaintEvent.Kind.ESCALATED).count() == 1
    assert complaint.sla_next_check_at == at(2026, 11, 2, 16, 0)  # level 2, two hours after the breach


def test_steps_already_fired_are_not_fired_again_under_a_slower_policy(clock, make_complaint, supervisor):
    complaint = make_complaint(severity="major")
    clock.move_to(at(2026, 11, 2, 14, 30))
    assert sla.sla_sweep() == 2  # the warning (late: its moment passed unswept) and level 1 at 14:00
    complaint = reclassify(complaint, supervisor, severity="normal", reason="误判，非重大投诉")
    complaint = fresh(complaint)
    assert complaint.first_response_due_at == at(2026, 11, 3, 10, 0)
    assert (complaint.escalation_level, complaint.sla_warned) == (1, True)
    assert complaint.sla_next_check_at == at(2026, 11, 3, 14, 0)  # level 2 of the standard policy
    clock.move_to(at(2026, 11, 3, 14, 0))
    assert sla.sla_sweep() == 1
    assert sorted(SlaAlert.objects.values_list("level", flat=True)) == [0, 1, 2]


def test_a_paused_clock_is_re_planned_and_still_moves_by_the_pause(clock, make_complaint, supervisor, agent):
    complaint = make_complaint()
    services.complaint_pause(complaint=complaint, by=agent, reason="业主出差")
    clock.move_to(at(2026, 11, 2, 12, 0))
    reclassify(complaint, supervisor, severity="major")
    assert fresh(complaint).sla_next_check_at is None  # paused: the sweep leaves it alone
    services.complaint_resume(complaint=fresh(complaint), by=agent)
    assert fresh(complaint).first_response_due_at == at(2026, 11, 2, 16, 0)  # 14:00 + the 2 hours paused


def test_only_pending_clocks_move(clock, make_complaint, supervisor, agent):
    complaint = make_complaint()
    services.complaint_respond(complaint=complaint, by=agent, method="call", content="已联系")
    clock.move_to(at(2026, 11, 2, 12, 0))
    complaint = fresh(reclassify(complaint, supervisor, severity="major"))
    assert complaint.first_response_due_at == at(2026, 11, 3, 10, 0)  # met: kept as it was promised
    assert complaint.sla_target == SlaTarget.PLAN
    assert complaint.plan_due_at == at(2026, 11, 3, 10, 0)


def test_a_new_type_and_category_choose_their_policy(clock, make_complaint, supervisor):
    crack = Category.objects.get(code="crack")
    complaint = fresh(reclassify(make_complaint(), supervisor, complaint_type="repair", category=crack))
    assert (complaint.complaint_type, complaint.category_id) == ("repair", crack.pk)
    assert complaint.sla_policy.name.startswith("报修")
    assert complaint.first_response_due_at == at(2026, 11, 3, 10, 0)  # 9 working hours from Monday 10:00


def test_joining_a_group_case_re_plans_the_clock(clock, make_complaint, supervisor):
    first, second = make_complaint(), make_complaint()
    services.group_case_create(by=supervisor, title="车库漏水", complaints=[first, second])
    complaint = fresh(first)
    assert complaint.sla_policy.name.startswith("群诉")
    assert complaint.first_response_due_at == at(2026, 11, 2, 14, 0)


def test_supervisors_hear_when_a_complaint_becomes_major(clock, make_complaint, supervisor, agent):
    complaint = make_complaint()
    services.complaint_dispatch(
        complaint=complaint, by=supervisor, department=Department.ENGINEERING, handler=agent
    )
    reclassify(complaint, agent, severity="major")
    assert Notification.objects.filter(recipient=supervisor, kind="major_complaint").count() == 1


# --- who may, and what is refused ----------------------------------------------------------------------


def test_an_agent_who_is_not_the_handler_may_not_reclassify(make_complaint, agent):
    with pytest.raises(PermissionDenied):
        reclassify(make_complaint(), agent, severity="major")


@pytest.mark.parametrize("role", [Role.CS_AGENT, Role.DEPARTMENT_STAFF])
def test_the_handler_may_reclassify(make_complaint, supervisor, project, role):
    handler = UserFactory(role=role, department=Department.ENGINEERING, projects=[project])
    complaint = make_complaint()
    services.complaint_dispatch(
        complaint=complaint, by=supervisor, department=Department.ENGINEERING, handler=handler
    )
    assert reclassify(complaint, handler, severity="major").severity == "major"


@pytest.mark.parametrize("role", [Role.READONLY_MANAGER, Role.CONTRACTOR])
def test_roles_outside_the_desk_may_not_reclassify(make_complaint, project, role):
    with pytest.raises(PermissionDenied):
        reclassify(make_complaint(), UserFactory(role=role, projects=[project]), severity="major")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"severity": "major", "reason": "  "}, "reason"),
        ({"severity": "urgent"}, "severity"),
        ({"complaint_type": "gossip"}, "complaint_type"),
        ({"severity": "normal"}, None),  # nothing changes: a message on the whole form
    ],
)
def test_bad_input_is_refused_with_a_field_message(make_complaint, supervisor, changes, field):
    complaint = make_complaint()
    with pytest.raises(ValidationError) as refused:
        reclassify(complaint, supervisor, **changes)
    if field is None:
        assert refused.value.messages == ["Nothing changed: choose another type, category or severity."]
    else:
        assert field in refused.value.message_dict
    assert not fresh(complaint).events.filter(kind=ComplaintEvent.Kind.RECLASSIFIED).exists()


def test_an_inactive_category_is_refused(make_complaint, supervisor):
    retired = Category.objects.get(code="crack")
    Category.objects.filter(pk=retired.pk).update(is_active=False)
    with pytest.raises(ValidationError) as refused:
        reclassify(make_complaint(), supervisor, category=Category.objects.get(pk=retired.pk))
    assert "category" in refused.value.message_dict


def test_a_closed_complaint_is_not_reclassified(make_complaint, supervisor):
    complaint = make_complaint()
    Complaint.objects.filter(pk=complaint.pk).update(status=Status.CLOSED)
    with pytest.raises(ValidationError) as refused:
        reclassify(complaint, supervisor, severity="major")
    assert "status" in refused.value.message_dict


def test_a_complaint_in_a_group_case_keeps_the_group_severity(make_complaint, supervisor):
    first, second = make_complaint(), make_complaint()
    services.group_case_create(by=supervisor, title="车库漏水", complaints=[first, second])
    with pytest.raises(ValidationError) as refused:
        reclassify(first, supervisor, severity="major")
    assert "severity" in refused.value.message_dict


# --- the page ---------------------------------------------------------------------------------------------


def _page(client, complaint):
    return client.get(reverse("complaints:detail", args=[complaint.pk])).content.decode()


def _post(client, complaint, data):
    return client.post(reverse("complaints:action", args=[complaint.pk, "reclassify"]), data)


def _form(complaint, **overrides):
    return {
        "complaint_type": complaint.complaint_type,
        "category": complaint.category_id,
        "severity": "major",
        "reason": "多户反映，升级",
        "version": complaint.version,
        **overrides,
    }


def test_the_page_offers_reclassification_to_supervisors_and_the_handler_only(
    client, make_complaint, supervisor, agent
):
    complaint = make_complaint()
    client.force_login(agent)
    assert 'data-testid="action-reclassify"' not in _page(client, complaint)
    client.force_login(supervisor)
    assert 'data-testid="action-reclassify"' in _page(client, complaint)
    services.complaint_dispatch(
        complaint=complaint, by=supervisor, department=Department.ENGINEERING, handler=agent
    )
    client.force_login(agent)
    assert 'data-testid="action-reclassify"' in _page(client, complaint)


def test_a_supervisor_reclassifies_through_the_page(client, make_complaint, supervisor):
    complaint = make_complaint()
    client.force_login(supervisor)
    response = _post(client, complaint, _form(complaint))
    assert response.status_code == 302
    assert fresh(complaint).severity == "major"
    assert "多户反映，升级" in _page(client, complaint)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"reason": ""}, "This field is required."),
        ({"category": "999999"}, "Select a valid choice."),
        ({"severity": "normal"}, "Nothing changed"),
        ({"version": ""}, "Reload the page and try again."),
    ],
)
def test_bad_input_on_the_page_is_a_form_error(client, make_complaint, supervisor, overrides, message):
    complaint = make_complaint()
    client.force_login(supervisor)
    response = _post(client, complaint, _form(complaint, **overrides))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert fresh(complaint).severity == "normal"


def test_a_stale_page_is_a_conflict(client, make_complaint, supervisor, agent):
    complaint = make_complaint()
    stale = _form(complaint)
    services.complaint_respond(complaint=complaint, by=agent, method="call", content="已联系")
    services.complaint_dispatch(complaint=fresh(complaint), by=supervisor, department=Department.ENGINEERING)
    client.force_login(supervisor)
    assert _post(client, complaint, stale).status_code == 409
    assert fresh(complaint).severity == "normal"


def test_an_agent_who_is_not_the_handler_is_refused_by_the_page(client, make_complaint, agent):
    complaint = make_complaint()
    client.force_login(agent)
    assert _post(client, complaint, _form(complaint)).status_code == 403


# --- the API ----------------------------------------------------------------------------------------------


def _api(user, complaint, payload, **headers):
    return client_for(user).post(
        f"{API}/complaints/{complaint.pk}/reclassify/", payload, format="json", **headers
    )


def test_the_api_reclassifies_and_answers_with_the_new_clocks(clock, make_complaint, supervisor):
    complaint = make_complaint()
    response = _api(
        supervisor, complaint, {"severity": "major", "reason": "升级", "version": complaint.version}
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["severity"] == "major"
    assert body["sla"]["policy"].startswith("重大投诉")
    assert body["sla"]["first_response_due_at"].startswith("2026-11-02T14:00")
    assert response["ETag"] == f'"{complaint.version + 1}"'


def test_the_api_takes_the_version_from_if_match(make_complaint, supervisor):
    complaint = make_complaint()
    response = _api(
        supervisor, complaint, {"severity": "major", "reason": "升级"}, HTTP_IF_MATCH=f'"{complaint.version}"'
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("payload", "status", "field"),
    [
        ({"severity": "major", "reason": "升级"}, 428, None),
        ({"severity": "major", "reason": "升级", "version": 99}, 409, None),
        ({"severity": "major", "version": 1}, 400, "reason"),
        ({"category": 999999, "reason": "升级", "version": 1}, 400, "category"),
        ({"category": "leak", "reason": "升级", "version": 1}, 400, "category"),
        ({"severity": "urgent", "reason": "升级", "version": 1}, 400, "severity"),
        ({"reason": "升级", "version": 1}, 400, "non_field_errors"),
    ],
)
def test_the_api_refuses_bad_requests_without_a_500(make_complaint, supervisor, payload, status, field):
    complaint = make_complaint()
    response = _api(supervisor, complaint, payload)
    assert response.status_code == status, response.content
    if field:
        assert field in response.json()
    assert fresh(complaint).severity == "normal"


def test_the_api_refuses_an_agent_who_is_not_the_handler(make_complaint, agent):
    complaint = make_complaint()
    response = _api(agent, complaint, {"severity": "major", "reason": "升级", "version": complaint.version})
    assert response.status_code == 403
