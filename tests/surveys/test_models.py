import pytest
from django.db import IntegrityError

from surveys.models import Question, QuestionRole
from tests.surveys.factories import InvitationFactory, QuestionFactory, questionnaire

pytestmark = pytest.mark.django_db


def test_a_questionnaire_has_one_question_per_l3_role():
    version = questionnaire()
    roles = set(version.questions.exclude(role="").values_list("role", flat=True))
    assert roles == {QuestionRole.OVERALL, QuestionRole.REPURCHASE, QuestionRole.RECOMMEND}
    with pytest.raises(IntegrityError):
        QuestionFactory(template_version=version, role=QuestionRole.OVERALL)


def test_invitation_links_are_long_and_distinct():
    first, second = InvitationFactory(), InvitationFactory()
    assert len(first.token) >= 43 and first.token != second.token


def test_numeric_questions_know_their_top_score():
    version = questionnaire()
    scores = {q.code: q.top_score for q in Question.objects.filter(template_version=version)}
    assert scores["overall"] == 5 and scores["recommend"] == 10 and scores["comments"] is None
