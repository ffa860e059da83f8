"""The closed loop's services: an unhappy completed survey opens one follow-up (thresholds from settings,
a working-time due time, the obvious assignee, the team told), outcomes with a version check, and a
complaint raised from it once."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import Role
from complaints.models import Category, Channel, Complaint
from customers.services import ConcurrentEditError
from notifications.models import Notification
from surveys.models import Answer, FollowUp
from surveys.services import follow_ups as services
from surveys.signals import response_completed
from tests.factories import UserFactory
from tests.surveys.factories import completed_invitation

SHANGHAI = ZoneInfo("Asia/Shanghai")
HAPPY = {"overall": 5, "repurchase": 5, "recommend": 10, "quality": 5, "leaks": ["no"], "comments": "很好"}


def at(*args):
    return datetime.datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def clock():
    # Monday 2 November 2026, 10:00 in Shenzhen.
    with time_machine.travel(at(2026, 11, 2, 10, 0), tick=False) as traveller:
        yield traveller


@pytest.fixture
def answered(owner, project):
    """A completed survey of the owner in 四季花城 with the given answers over a happy baseline."""

    def make(completed_at=None, **answers):
        return completed_invitation(
            {**HAPPY, **answers}, customer=owner, project=project, completed_at=completed_at
        )

    return make


def complete(invitation):
    """What the answering helper's submit service does: the signal, inside its transaction."""
    response_completed.send(sender=None, invitation=invitation)
    return FollowUp.objects.filter(invitation=invitation).first()


# --- opening ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_low_recommend_and_a_low_rating_open_one_follow_up_listing_both(clock, answered, supervisor):
    follow_up = complete(answered(recommend=4, quality=2))
    assert follow_up is not None
    assert follow_up.reason == "Willingness to recommend 4; House quality 2"
    assert follow_up.status == FollowUp.Status.OPEN
    assert follow_up.customer == follow_up.invitation.customer
    assert follow_up.project_id == follow_up.invitation.project_id
    assert follow_up.city_company_id == follow_up.invitation.city_company_id


@pytest.mark.django_db
def test_the_reason_reads_in_chinese_by_default(clock, answered, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    follow_up = complete(answered(recommend=4, quality=2))
    assert follow_up.reason == "推荐意愿 4；房屋质量 2"


@pytest.mark.django_db
def test_happy_answers_and_middling_ones_open_nothing(clock, answered):
    assert complete(answered()) is None
    assert complete(answered(recommend=7, quality=3, overall=3)) is None
    assert not FollowUp.objects.exists()


@pytest.mark.django_db
def test_partial_answers_never_count(clock, answered):
    invitation = answered()
    Answer.objects.filter(invitation=invitation, question__code="quality").update(score=1, is_final=False)
    assert complete(invitation) is None


@pytest.mark.django_db
def test_the_thresholds_come_from_settings(clock, answered, settings):
    settings.SURVEY_FOLLOW_UP_RATING_MAX = 3
    settings.SURVEY_FOLLOW_UP_RECOMMEND_MAX = 4
    assert complete(answered(recommend=5)) is None
    assert complete(answered(overall=3)).reason == "Overall satisfaction 3"


@pytest.mark.django_db
def test_one_follow_up_per_response_even_if_completed_twice(clock, answered):
    invitation = answered(recommend=0)
    first = complete(invitation)
    assert complete(invitation) == first
    assert services.follow_up_open(invitation=invitation) == first
    assert FollowUp.objects.count() == 1


@pytest.mark.django_db
def test_the_due_time_counts_working_hours_from_the_completion(answered):
    # Friday 6 November 17:00: 1 h that day, the weekend off, 9 h on Monday, 8 h on Tuesday.
    follow_up = complete(answered(completed_at=at(2026, 11, 6, 17, 0), recommend=3))
    assert follow_up.due_at == at(2026, 11, 10, 17, 0)
    # The warning at 75 % of the 18 working hours (13.5 h): Tuesday 12:30.
    assert follow_up.next_check_at == at(2026, 11, 10, 12, 30)


@pytest.mark.django_db
def test_the_projects_only_agent_is_assigned_and_told_with_the_supervisor(clock, answered, agent, supervisor):
    follow_up = complete(answered(quality=1))
    assert follow_up.assignee == agent
    told = set(Notification.objects.filter(kind="survey_follow_up").values_list("recipient", flat=True))
    assert told == {agent.pk, supervisor.pk}
    note = Notification.objects.filter(recipient=agent).get()
    assert note.link == f"/surveys/follow-ups/{follow_up.pk}/"


@pytest.mark.django_db
def test_with_several_agents_it_waits_unassigned_for_the_supervisors(
    clock, answered, agent, supervisor, project
):
    UserFactory(username="agent2", role=Role.CS_AGENT, projects=[project])
    follow_up = complete(answered(quality=1))
    assert follow_up.assignee is None
    told = set(Notification.objects.filter(kind="survey_follow_up").values_list("recipient", flat=True))
    assert told == {supervisor.pk}


@pytest.mark.django_db
def test_a_survey_after_a_complaint_goes_to_its_handler(clock, owner, project, agent, supervisor, owned_unit):
    UserFactory(username="agent2", role=Role.CS_AGENT, projects=[project])
    from complaints.services import complaint_create

    complaint = complaint_create(
        by=agent,
        customer=owner,
        category=Category.objects.get(code="leak"),
        complaint_type="complaint",
        channel=Channel.HOTLINE,
        title="漏水",
        description="卫生间漏水",
        unit=owned_unit,
    )
    Complaint.objects.filter(pk=complaint.pk).update(handler=supervisor)
    invitation = completed_invitation(
        {**HAPPY, "overall": 1}, customer=owner, project=project, trigger_key=f"complaint:{complaint.pk}"
    )
    assert complete(invitation).assignee == supervisor


# --- outcomes -------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_recording_an_outcome_closes_the_follow_up_and_stops_its_clock(clock, answered, agent):
    follow_up = complete(answered(quality=1))
    recorded = services.follow_up_record(
        follow_up=follow_up, by=agent, outcome="contacted", note="已致电业主，约周六上门", version=1
    )
    recorded.refresh_from_db()
    assert recorded.status == FollowUp.Status.CONTACTED
    assert recorded.outcome_note == "已致电业主，约周六上门"
    assert recorded.closed_by == agent and recorded.closed_at is not None
    assert recorded.next_check_at is None and recorded.version == 2
    with pytest.raises(ValidationError, match="already closed"):
        services.follow_up_record(follow_up=recorded, by=agent, outcome="resolved", note="x", version=2)


@pytest.mark.django_db
def test_a_stale_version_is_a_conflict_not_a_silent_overwrite(clock, answered, agent, supervisor):
    follow_up = complete(answered(quality=1))
    services.follow_up_raise_complaint(follow_up=follow_up, by=supervisor)  # version 1 → 2
    with pytest.raises(ConcurrentEditError):
        services.follow_up_record(follow_up=follow_up, by=agent, outcome="resolved", note="好了", version=1)
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUp.Status.OPEN and follow_up.outcome_note == ""


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("outcome", "note", "field"),
    [("", "说了", "outcome"), ("open", "说了", "outcome"), ("resolved", "  ", "note")],
)
def test_an_outcome_needs_a_closing_status_and_a_note(clock, answered, agent, outcome, note, field):
    follow_up = complete(answered(quality=1))
    with pytest.raises(ValidationError) as error:
        services.follow_up_record(follow_up=follow_up, by=agent, outcome=outcome, note=note, version=1)
    assert field in error.value.message_dict


@pytest.mark.django_db
def test_only_handling_roles_in_scope_may_record(clock, answered, other_agent):
    follow_up = complete(answered(quality=1))
    manager = UserFactory(role=Role.READONLY_MANAGER, is_superuser=False)
    for user in (manager, other_agent):
        with pytest.raises(PermissionDenied):
            services.follow_up_record(follow_up=follow_up, by=user, outcome="resolved", note="x", version=1)


# --- raising a complaint --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_one_click_raises_a_complaint_with_the_answers_and_links_it(clock, answered, agent, owner, project):
    follow_up = complete(answered(recommend=4, quality=2, leaks=["yes"], leak_rooms=["kitchen", "bathroom"]))
    complaint = services.follow_up_raise_complaint(follow_up=follow_up, by=agent)
    assert complaint.customer == owner and complaint.project == project
    assert complaint.channel == Channel.HOTLINE
    assert complaint.category.code == "quality"  # the low quality rating's dimension
    assert complaint.received_by == agent
    assert "Willingness to recommend 4; House quality 2" in complaint.title
    questions = {q.code: q.text for q in follow_up.invitation.campaign.template_version.questions.all()}
    assert f"{questions['recommend']}: 4 / 10" in complaint.description
    assert f"{questions['quality']}: 2 / 5" in complaint.description
    assert f"{questions['leak_rooms']}: Kitchen, Bathroom" in complaint.description
    assert f"{questions['comments']}: 很好" in complaint.description
    follow_up.refresh_from_db()
    assert follow_up.complaint == complaint and follow_up.is_open


@pytest.mark.django_db
def test_a_second_raise_is_refused(clock, answered, agent):
    follow_up = complete(answered(quality=1))
    first = services.follow_up_raise_complaint(follow_up=follow_up, by=agent)
    with pytest.raises(ValidationError, match=first.number):
        services.follow_up_raise_complaint(follow_up=follow_up, by=agent)
    assert Complaint.objects.count() == 1


@pytest.mark.django_db
def test_the_agent_may_choose_the_category(clock, answered, agent):
    follow_up = complete(answered(recommend=2))
    fees = Category.objects.get(code="property-fee")
    assert services.follow_up_raise_complaint(follow_up=follow_up, by=agent, category=fees).category == fees
