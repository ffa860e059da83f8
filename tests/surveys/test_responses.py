"""Saving an owner's answers: partial saves, validation by kind, skip logic on the server, one
submit per link, closed links refused, answers entered by an agent."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from surveys.models import Answer, AnswerMode, Campaign, Invitation, SurveyOptOut
from surveys.services.responses import SurveyClosed, response_save, survey_opt_out
from surveys.signals import response_completed
from tests.surveys.factories import InvitationFactory

pytestmark = pytest.mark.django_db

COMPLETE = {"overall": "5", "repurchase": "4", "recommend": "9", "quality": "4", "leaks": "no"}


@pytest.fixture
def invitation(owner, project):
    return InvitationFactory(customer=owner, project=project, segment="stable")


def answers_of(invitation):
    return {
        answer.question.code: answer
        for answer in Answer.objects.filter(invitation=invitation).select_related("question")
    }


def test_a_partial_save_keeps_the_answers_as_not_final_and_starts_the_survey(invitation):
    response_save(
        invitation, {"overall": "4", "leaks": ["yes"], "leak_rooms": ["bathroom", "kitchen"]}, submit=False
    )
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.STARTED and invitation.opened_at is not None
    assert invitation.completed_at is None
    stored = answers_of(invitation)
    assert stored["overall"].score == 4 and not stored["overall"].is_final
    assert stored["leak_rooms"].choices == ["kitchen", "bathroom"]  # in the options' order


def test_answers_repeat_the_invitations_and_the_questions_keys(invitation, project):
    response_save(invitation, {"recommend": "10"}, submit=False)
    answer = Answer.objects.get(invitation=invitation)
    assert answer.campaign_id == invitation.campaign_id
    assert answer.city_company_id == project.city_company_id and answer.project_id == project.pk
    assert answer.segment == "stable" and answer.dimension == "loyalty" and answer.role == "recommend"


def test_later_saves_add_to_and_change_the_earlier_ones(invitation):
    response_save(invitation, {"overall": "4"}, submit=False)
    response_save(invitation, {"recommend": "7"}, submit=False)
    response_save(invitation, {"overall": "2", "comments": ""}, submit=False)
    stored = answers_of(invitation)
    assert stored["overall"].score == 2 and stored["recommend"].score == 7 and "comments" not in stored


def test_an_empty_answer_clears_a_stored_one(invitation):
    response_save(invitation, {"overall": "4"}, submit=False)
    response_save(invitation, {"overall": [""]}, submit=False)
    assert not Answer.objects.filter(invitation=invitation).exists()


@pytest.mark.parametrize(
    "data, code",
    [
        ({"overall": "6"}, "overall"),
        ({"overall": "0"}, "overall"),
        ({"recommend": "11"}, "recommend"),
        ({"recommend": "nine"}, "recommend"),
        ({"overall": ["4", "5"]}, "overall"),
        ({"leaks": ["maybe"]}, "leaks"),
        ({"leaks": ["yes", "no"]}, "leaks"),
        ({"leaks": ["yes"], "leak_rooms": ["garage"]}, "leak_rooms"),
        ({"comments": "很" * 2001}, "comments"),
    ],
)
def test_an_invalid_answer_is_refused_with_a_field_error_and_nothing_is_saved(invitation, data, code):
    with pytest.raises(ValidationError) as refused:
        response_save(invitation, {"quality": "3", **data}, submit=False)
    assert code in refused.value.message_dict
    assert not Answer.objects.filter(invitation=invitation).exists()


def test_answers_to_questions_the_skip_logic_hides_are_dropped(invitation):
    response_save(invitation, {"leaks": ["yes"], "leak_rooms": ["balcony"]}, submit=False)
    assert "leak_rooms" in answers_of(invitation)
    response_save(invitation, {"leaks": ["no"]}, submit=False)
    assert set(answers_of(invitation)) == {"leaks"}
    # An answer to a hidden question is not even validated: it is dropped.
    response_save(invitation, {"leak_rooms": ["garage"]}, submit=False)
    assert set(answers_of(invitation)) == {"leaks"}


def test_unknown_fields_are_ignored(invitation):
    response_save(invitation, {"overall": "3", "csrfmiddlewaretoken": "x", "nope": ["1"]}, submit=False)
    assert set(answers_of(invitation)) == {"overall"}


def test_submit_requires_every_required_question_shown(invitation):
    with pytest.raises(ValidationError) as refused:
        response_save(invitation, {"overall": "5", "leaks": "yes"}, submit=True)
    missing = set(refused.value.message_dict)
    assert missing == {"repurchase", "recommend", "quality", "leak_rooms"}  # comments is optional
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.SENT


def test_submit_marks_the_answers_final_and_completes_the_invitation(invitation):
    received = []

    def receiver(sender, invitation, **kwargs):
        # Sent inside the submit's transaction: the answers are final already.
        received.append((invitation.pk, Answer.objects.filter(invitation=invitation, is_final=True).count()))

    response_completed.connect(receiver)
    try:
        response_save(invitation, {"overall": "5"}, submit=False)
        response_save(invitation, COMPLETE, submit=True)
    finally:
        response_completed.disconnect(receiver)
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.COMPLETED and invitation.completed_at is not None
    assert invitation.mode == AnswerMode.SELF and invitation.interviewer is None
    assert all(answer.is_final for answer in answers_of(invitation).values())
    assert received == [(invitation.pk, 5)]


def test_a_second_submit_of_the_same_link_is_refused(invitation):
    response_save(invitation, COMPLETE, submit=True)
    for submit in (True, False):
        with pytest.raises(SurveyClosed) as refused:
            response_save(invitation, {**COMPLETE, "overall": "1"}, submit=submit)
        assert refused.value.code == "completed"
    assert answers_of(invitation)["overall"].score == 5


def test_an_expired_link_is_refused(invitation):
    invitation.expires_at = timezone.now() - timedelta(minutes=1)
    invitation.save()
    with pytest.raises(SurveyClosed) as refused:
        response_save(invitation, COMPLETE, submit=True)
    assert refused.value.code == "expired"


def test_a_closed_or_past_campaign_refuses_answers(invitation):
    Campaign.objects.filter(pk=invitation.campaign_id).update(expires_at=timezone.now() - timedelta(days=1))
    with pytest.raises(SurveyClosed):
        response_save(invitation, {"overall": "3"}, submit=False)
    Campaign.objects.filter(pk=invitation.campaign_id).update(expires_at=None, status=Campaign.Status.CLOSED)
    with pytest.raises(SurveyClosed):
        response_save(invitation, {"overall": "3"}, submit=False)


def test_an_opted_out_owner_is_refused_on_every_link(invitation, owner, project):
    other = InvitationFactory(customer=owner, project=project)
    survey_opt_out(invitation)
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.OPTED_OUT
    for link in (invitation, other):
        with pytest.raises(SurveyClosed) as refused:
            response_save(link, {"overall": "3"}, submit=False)
        assert refused.value.code == "opted_out"


def test_opting_out_twice_records_once_and_keeps_a_completed_surveys_answers(invitation):
    response_save(invitation, COMPLETE, submit=True)
    survey_opt_out(invitation)
    survey_opt_out(invitation)
    invitation.refresh_from_db()
    assert SurveyOptOut.objects.filter(customer=invitation.customer).count() == 1
    assert invitation.status == Invitation.Status.COMPLETED


def test_an_agent_enters_the_answers_as_interviewer(invitation, agent):
    response_save(invitation, COMPLETE, submit=True, interviewer=agent)
    invitation.refresh_from_db()
    assert invitation.mode == AnswerMode.INTERVIEWER and invitation.interviewer == agent


def test_an_agent_out_of_scope_or_without_the_role_may_not_enter_answers(invitation, other_agent, project):
    from tests.factories import UserFactory

    with pytest.raises(PermissionDenied):
        response_save(invitation, COMPLETE, submit=True, interviewer=other_agent)
    engineer = UserFactory(role="delivery_engineer", projects=[project])
    with pytest.raises(PermissionDenied):
        response_save(invitation, COMPLETE, submit=False, interviewer=engineer)
    assert not Answer.objects.filter(invitation=invitation).exists()
