"""Skip logic, the rules a version's questions follow, copying a frozen version, the default
questionnaires shipped as data."""

import importlib

import pytest
from django.apps import apps as django_apps

from surveys.models import Dimension, Question, QuestionKind, QuestionRole, SurveyTemplate
from surveys.questionnaire import visible_answers, visible_questions
from surveys.services.questionnaires import (
    question_problems,
    questions_problems,
    template_version_copy,
    template_version_freeze,
)
from tests.surveys.factories import QuestionFactory, questionnaire

defaults = importlib.import_module("surveys.migrations.0002_default_questionnaires")


def make(code, position, kind=QuestionKind.RATING_5, **extra):
    return Question(code=code, position=position, kind=kind, text=code, dimension=Dimension.LIVING, **extra)


YES_NO = [{"value": "yes", "label": "是"}, {"value": "no", "label": "否"}]


# --- skip logic ------------------------------------------------------------------------------


def chain():
    return [
        make("issues", 1, QuestionKind.SINGLE, options=YES_NO),
        make(
            "reported",
            2,
            QuestionKind.SINGLE,
            options=YES_NO,
            show_if_question="issues",
            show_if_values=["yes"],
        ),
        make("speed", 3, show_if_question="reported", show_if_values=["yes"]),
        make("overall", 4),
        make("why", 5, QuestionKind.TEXT, show_if_question="overall", show_if_values=[1, 2]),
    ]


def codes(questions):
    return [question.code for question in questions]


def test_a_conditional_question_is_hidden_until_its_answer_is_given():
    assert codes(visible_questions(chain(), {})) == ["issues", "overall"]
    assert codes(visible_questions(chain(), {"issues": ["yes"]})) == ["issues", "reported", "overall"]


def test_a_chain_of_conditions_hides_everything_below_a_hidden_link():
    answers = {"issues": ["yes"], "reported": ["yes"]}
    assert codes(visible_questions(chain(), answers)) == ["issues", "reported", "speed", "overall"]
    # The owner changes their mind on the first question: "reported" hides, and "speed" with it,
    # although "reported" still holds a yes.
    answers["issues"] = ["no"]
    assert codes(visible_questions(chain(), answers)) == ["issues", "overall"]


def test_a_condition_on_a_score_compares_scores_given_as_numbers_or_text():
    assert "why" in codes(visible_questions(chain(), {"overall": 2}))
    assert "why" in codes(visible_questions(chain(), {"overall": "1"}))
    assert "why" not in codes(visible_questions(chain(), {"overall": 4}))


def test_answers_to_hidden_questions_are_dropped():
    answers = {"issues": ["no"], "reported": ["yes"], "speed": 2, "overall": 5}
    assert visible_answers(chain(), answers) == {"issues": ["no"], "overall": 5}


def test_the_order_is_the_questions_position_whatever_order_they_come_in():
    assert codes(visible_questions(list(reversed(chain())), {"issues": ["yes"]})) == [
        "issues",
        "reported",
        "overall",
    ]


# --- validation ------------------------------------------------------------------------------


def test_choice_questions_need_options_with_unique_values():
    assert "options" in question_problems(make("q", 1, QuestionKind.SINGLE), [])
    duplicated = [{"value": "a", "label": "甲"}, {"value": "a", "label": "乙"}]
    assert question_problems(make("q", 1, QuestionKind.MULTIPLE, options=duplicated), [])["options"] == [
        "Two options have the same value."
    ]
    assert "options" in question_problems(
        make("q", 1, QuestionKind.SINGLE, options=[{"value": "a"}, "b"]), []
    )
    assert question_problems(make("q", 1, QuestionKind.SINGLE, options=YES_NO), []) == {}


def test_ratings_and_text_take_no_options():
    assert "options" in question_problems(make("q", 1, options=YES_NO), [])
    assert question_problems(make("q", 1), []) == {}


def test_a_condition_names_an_earlier_question_and_one_of_its_answers():
    first = make("first", 1, QuestionKind.SINGLE, options=YES_NO)
    later = make("later", 2, show_if_question="first", show_if_values=["maybe"])
    assert "show_if_values" in question_problems(later, [first])
    assert "show_if_question" in question_problems(later, [])  # not earlier (or not in the version)
    later.show_if_values = []
    assert "show_if_values" in question_problems(later, [first])
    later.show_if_values = ["yes"]
    assert question_problems(later, [first]) == {}
    on_score = make("on_score", 3, show_if_question="rating", show_if_values=[0])
    assert "show_if_values" in question_problems(on_score, [make("rating", 1)])  # 1–5 has no 0
    on_score.show_if_values = [1, "2"]
    assert question_problems(on_score, [make("rating", 1)]) == {}
    values_alone = make("alone", 2, show_if_values=["yes"])
    assert "show_if_question" in question_problems(values_alone, [first])


def test_l3_questions_must_be_ratings_of_their_kind():
    assert "kind" in question_problems(make("o", 1, QuestionKind.RATING_10, role=QuestionRole.OVERALL), [])
    assert "kind" in question_problems(
        make("r", 1, QuestionKind.SINGLE, options=YES_NO, role=QuestionRole.REPURCHASE), []
    )
    assert "kind" in question_problems(make("n", 1, QuestionKind.RATING_5, role=QuestionRole.RECOMMEND), [])
    assert question_problems(make("n", 1, QuestionKind.RATING_10, role=QuestionRole.RECOMMEND), []) == {}


def test_a_version_is_checked_in_position_order_with_unique_codes_and_roles():
    later = make("later", 2, show_if_question="first", show_if_values=["yes"])
    first = make("first", 1, QuestionKind.SINGLE, options=YES_NO)
    assert questions_problems([later, first]) == {}
    twice = [make("a", 1, role=QuestionRole.OVERALL), make("a", 2, role=QuestionRole.OVERALL)]
    problems = questions_problems(twice)
    assert set(problems[1]) == {"code", "role"}


# --- versions --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_copying_a_frozen_version_makes_the_next_draft_with_the_same_questions(group_admin):
    version = questionnaire()
    template_version_freeze(version=version)
    draft = template_version_copy(version=version, by=group_admin)
    version.refresh_from_db()
    assert version.is_frozen and not draft.is_frozen
    assert draft.number == 2 and draft.template_id == version.template_id and draft.created_by == group_admin
    copied = list(
        draft.questions.values_list("code", "kind", "role", "options", "show_if_question", "show_if_values")
    )
    original = list(
        version.questions.values_list("code", "kind", "role", "options", "show_if_question", "show_if_values")
    )
    assert copied == original
    assert template_version_copy(version=version).number == 3


# --- the default questionnaires --------------------------------------------------------------


@pytest.mark.django_db
def test_the_default_questionnaires_ship_with_the_migrations():
    templates = {
        template.code: template
        for template in SurveyTemplate.objects.filter(
            code__in=["owner-half-yearly", "after-complaint", "after-handover"]
        )
    }
    assert set(templates) == {"owner-half-yearly", "after-complaint", "after-handover"}
    assert (
        templates["after-complaint"].trigger == "complaint_closed"
        and templates["after-complaint"].delay_hours == 24
    )
    assert (
        templates["after-handover"].trigger == "handover_signed"
        and templates["after-handover"].delay_hours == 72
    )
    for template in templates.values():
        version = template.versions.get()
        assert version.number == 1 and not version.is_frozen
        questions = list(version.questions.order_by("position"))
        assert questions_problems(questions) == {}, template.code
        assert all(question.text and question.text_en for question in questions)
        assert {QuestionRole.OVERALL, QuestionRole.RECOMMEND} <= {question.role for question in questions}
    half_yearly = list(templates["owner-half-yearly"].versions.get().questions.all())
    assert {question.dimension for question in half_yearly} == set(Dimension.values)
    assert {question.role for question in half_yearly} >= {"overall", "repurchase", "recommend"}
    assert any(question.show_if_question for question in half_yearly)
    assert any(question.kind == QuestionKind.TEXT for question in half_yearly)
    for code in ("after-complaint", "after-handover"):
        assert 4 <= templates[code].versions.get().questions.count() <= 6


@pytest.mark.django_db
def test_the_default_questionnaires_migration_is_idempotent_and_reversible():
    Question.objects.filter(template_version__template__code="after-handover").update(text="改过的问题")
    defaults.create_defaults(django_apps, None)  # run again: nothing duplicated, an edit kept
    assert SurveyTemplate.objects.filter(code="owner-half-yearly").count() == 1
    assert Question.objects.filter(
        template_version__template__code="after-handover", text="改过的问题"
    ).exists()
    defaults.remove_defaults(django_apps, None)
    assert not SurveyTemplate.objects.filter(
        code__in=["owner-half-yearly", "after-complaint", "after-handover"]
    ).exists()
    defaults.create_defaults(django_apps, None)
    assert SurveyTemplate.objects.get(code="owner-half-yearly").versions.get().questions.count() == len(
        defaults.HALF_YEARLY["questions"]
    )


@pytest.mark.django_db
def test_a_transactional_default_is_created_inactive_when_its_event_already_has_a_template():
    defaults.remove_defaults(django_apps, None)
    SurveyTemplate.objects.create(code="our-own", name="自定义", trigger="complaint_closed", is_active=True)
    defaults.create_defaults(django_apps, None)
    assert not SurveyTemplate.objects.get(code="after-complaint").is_active
    assert SurveyTemplate.objects.get(code="after-handover").is_active


@pytest.mark.django_db
def test_a_questionnaire_factory_question_may_be_added_to_a_copy():
    draft = template_version_copy(version=questionnaire())
    QuestionFactory(template_version=draft, position=99, code="extra")
    assert draft.questions.filter(code="extra").exists()
