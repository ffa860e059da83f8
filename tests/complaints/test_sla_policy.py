"""Which SLA policy a complaint gets (complaints.sla.policy_rank), and that a major or group complaint is
never on a slower clock than a normal one of the same type and category (complaints.sla.clock_due).

The seeded policies (complaints/migrations/0002): 标准 Standard 24 h / 3 d / 15 d, 重大投诉 Major
(severity major) 4 h / 1 d / 7 d, 群诉 Group (severity group) 4 h / 2 d / 30 d, all in clock time;
报修 Repair (type repair) 9 / 18 / 45 working hours; 咨询 Enquiry (type enquiry) 1 d / 2 d / 3 d.
"""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from complaints import sla
from complaints.models import SlaPolicy

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
CLOCKS = ("first_response_due_at", "plan_due_at", "resolution_due_at")


def at(*args):
    return datetime.datetime(*args, tzinfo=SHANGHAI)


# The eve of the 2025 National Day holiday (1–8 October), at 17:00: one working hour is left that day.
EVE = at(2025, 9, 30, 17, 0)
MONDAY = at(2025, 11, 3, 10, 0)


@pytest.mark.parametrize(
    ("complaint_type", "severity", "received_at", "policy", "first_response_due"),
    [
        # The case: today the repair policy wins and the major repair is due 216 clock hours later.
        pytest.param(
            "repair", "major", EVE, "重大投诉", at(2025, 9, 30, 21, 0), id="major-repair-on-the-eve"
        ),
        pytest.param("repair", "group", EVE, "群诉", at(2025, 9, 30, 21, 0), id="group-repair-on-the-eve"),
        pytest.param("repair", "normal", EVE, "报修", at(2025, 10, 9, 17, 0), id="normal-repair-on-the-eve"),
        pytest.param("complaint", "normal", EVE, "标准", at(2025, 10, 1, 17, 0), id="normal-complaint"),
        pytest.param("complaint", "major", EVE, "重大投诉", at(2025, 9, 30, 21, 0), id="major-complaint"),
        pytest.param("complaint", "group", MONDAY, "群诉", at(2025, 11, 3, 14, 0), id="group-complaint"),
        pytest.param("enquiry", "normal", MONDAY, "咨询", at(2025, 11, 4, 10, 0), id="normal-enquiry"),
        pytest.param("enquiry", "major", MONDAY, "重大投诉", at(2025, 11, 3, 14, 0), id="major-enquiry"),
        pytest.param(
            "repair", "major", MONDAY, "重大投诉", at(2025, 11, 3, 14, 0), id="major-repair-on-a-monday"
        ),
        pytest.param(
            "repair", "normal", MONDAY, "报修", at(2025, 11, 4, 10, 0), id="normal-repair-on-a-monday"
        ),
    ],
)
def test_the_policy_and_first_response_due_of_each_kind_of_complaint(
    make_complaint, complaint_type, severity, received_at, policy, first_response_due
):
    with time_machine.travel(received_at, tick=False):
        complaint = make_complaint(complaint_type=complaint_type, severity=severity)
    assert complaint.sla_policy.name.startswith(policy)
    assert complaint.first_response_due_at == first_response_due


@pytest.mark.parametrize(
    "received_at", [EVE, MONDAY, at(2025, 11, 7, 17, 30)], ids=["eve", "monday", "friday"]
)
@pytest.mark.parametrize("severity", ["major", "group"])
@pytest.mark.parametrize("complaint_type", ["complaint", "repair", "enquiry", "suggestion"])
def test_a_major_or_group_complaint_is_never_on_a_slower_clock_than_a_normal_one(
    make_complaint, complaint_type, severity, received_at
):
    with time_machine.travel(received_at, tick=False):
        normal = make_complaint(complaint_type=complaint_type)
        raised = make_complaint(complaint_type=complaint_type, severity=severity)
    for clock in CLOCKS:
        assert getattr(raised, clock) <= getattr(normal, clock), clock


def test_a_raised_clock_takes_the_faster_due_time_of_each_target(make_complaint, leak):
    """The major policy wins the ranking, yet a normal leak repair's own policy is faster on the first
    response and the resolution: those two come from it, the plan from the major policy."""
    SlaPolicy.objects.create(
        name="渗漏报修",
        complaint_type="repair",
        category=leak,
        first_response_minutes=60,
        plan_minutes=48 * 60,
        resolution_minutes=72 * 60,
    )
    with time_machine.travel(MONDAY, tick=False):
        complaint = make_complaint(complaint_type="repair", severity="major")
    assert complaint.sla_policy.name.startswith("重大投诉")
    assert complaint.first_response_due_at == at(2025, 11, 3, 11, 0)  # the leak repair's hour
    assert complaint.plan_due_at == at(2025, 11, 4, 10, 0)  # the major policy's day
    assert complaint.resolution_due_at == at(2025, 11, 6, 10, 0)  # the leak repair's 72 hours
    # The warning comes at 75 % of the way to the due time the clock measures.
    assert complaint.sla_next_check_at == at(2025, 11, 3, 10, 45)


@pytest.mark.parametrize(
    ("severity", "winner"),
    [("normal", "渗漏"), ("major", "重大投诉"), ("group", "群诉")],
)
def test_severity_outranks_category_and_type_and_category_outranks_type(leak, severity, winner):
    SlaPolicy.objects.create(name="渗漏", category=leak, first_response_minutes=60)
    SlaPolicy.objects.create(name="报修渗漏无类别", complaint_type="repair", first_response_minutes=90)
    chosen = sla.policy_for(complaint_type="repair", category=leak, severity=severity)
    assert chosen.name.startswith(winner)
