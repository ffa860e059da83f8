"""Questionnaires in the admin: the group admin edits a draft's questions (checked together), a
frozen version is read-only and copied into a new draft by a button or an action."""

import json

import pytest
from django.urls import reverse

from accounts.models import Role
from accounts.services import staff_set_role
from surveys.models import SurveyTemplateVersion
from surveys.services.questionnaires import template_version_freeze
from tests.factories import UserFactory
from tests.surveys.factories import questionnaire

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    user = staff_set_role(user=UserFactory(role=Role.GROUP_ADMIN), role=Role.GROUP_ADMIN)
    client.force_login(user)
    return client


def question_rows(version, changes=None, extra=()):
    """The change form's POST: every question as stored, with `changes` by code, plus `extra` rows."""
    data = {}
    rows = list(version.questions.order_by("position"))
    for index, question in enumerate(rows):
        values = {
            "id": question.pk,
            "template_version": version.pk,
            "position": question.position,
            "code": question.code,
            "kind": question.kind,
            "text": question.text,
            "text_en": question.text_en,
            "dimension": question.dimension,
            "role": question.role,
            "required": "on" if question.required else "",
            "options": json.dumps(question.options),
            "show_if_question": question.show_if_question,
            "show_if_values": json.dumps(question.show_if_values),
        }
        values.update((changes or {}).get(question.code, {}))
        data.update({f"questions-{index}-{key}": value for key, value in values.items() if value != ""})
    for offset, values in enumerate(extra):
        data.update({f"questions-{len(rows) + offset}-{key}": value for key, value in values.items()})
    data.update(
        {
            "questions-TOTAL_FORMS": len(rows) + len(extra),
            "questions-INITIAL_FORMS": len(rows),
            "questions-MIN_NUM_FORMS": 0,
            "questions-MAX_NUM_FORMS": 1000,
            "template": version.template_id,
        }
    )
    return data


def test_the_group_admin_lists_templates_and_opens_a_version(admin_client):
    version = questionnaire(code="half-year")
    assert admin_client.get(reverse("admin:surveys_surveytemplate_changelist")).status_code == 200
    page = admin_client.get(reverse("admin:surveys_surveytemplate_change", args=[version.template_id]))
    assert page.status_code == 200 and "v1" in page.content.decode()
    page = admin_client.get(reverse("admin:surveys_surveytemplateversion_change", args=[version.pk]))
    assert page.status_code == 200 and "leak_rooms" in page.content.decode()


def test_a_draft_question_with_a_bad_condition_is_refused_with_its_reason(admin_client):
    version = questionnaire()
    url = reverse("admin:surveys_surveytemplateversion_change", args=[version.pk])
    data = question_rows(version, {"leak_rooms": {"show_if_values": '["maybe"]'}})
    response = admin_client.post(url, data)
    assert response.status_code == 200  # the form again, with the errors
    assert "Not an answer of question leaks" in response.content.decode()
    assert version.questions.get(code="leak_rooms").show_if_values == ["yes"]


def test_a_draft_question_is_saved_when_valid(admin_client):
    version = questionnaire()
    url = reverse("admin:surveys_surveytemplateversion_change", args=[version.pk])
    new = {
        "position": 8,
        "code": "greenery",
        "kind": "rating_5",
        "text": "您对绿化养护是否满意？",
        "dimension": "property_service",
        "required": "on",
        "options": "[]",
        "show_if_values": "[]",
        "template_version": version.pk,
    }
    response = admin_client.post(url, question_rows(version, extra=[new]))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert version.questions.filter(code="greenery").exists()


def test_a_recommend_question_must_be_a_0_to_10_score(admin_client):
    version = questionnaire()
    url = reverse("admin:surveys_surveytemplateversion_change", args=[version.pk])
    response = admin_client.post(url, question_rows(version, {"recommend": {"kind": "rating_5"}}))
    assert response.status_code == 200
    assert "must be a Score 0–10" in response.content.decode()


def test_a_frozen_version_is_read_only_and_copied_by_its_button(admin_client):
    version = questionnaire()
    template_version_freeze(version=version)
    url = reverse("admin:surveys_surveytemplateversion_change", args=[version.pk])
    page = admin_client.get(url)
    assert page.status_code == 200
    assert 'name="questions-0-text"' not in page.content.decode()  # shown, not editable
    assert "new-draft-version" in page.content.decode()
    assert admin_client.post(url, question_rows(version, {"overall": {"text": "改"}})).status_code == 403
    response = admin_client.post(reverse("admin:surveys_surveytemplateversion_copy", args=[version.pk]))
    draft = SurveyTemplateVersion.objects.get(template=version.template, number=2)
    assert response.status_code == 302 and response["Location"].endswith(f"/{draft.pk}/change/")
    assert draft.questions.count() == version.questions.count() and not draft.is_frozen


def test_the_new_draft_action_copies_the_selected_versions(admin_client):
    version = questionnaire()
    response = admin_client.post(
        reverse("admin:surveys_surveytemplateversion_changelist"),
        {"action": "copy_to_draft", "_selected_action": [version.pk]},
    )
    assert response.status_code == 302
    assert SurveyTemplateVersion.objects.filter(template=version.template, number=2).exists()


def test_an_agent_has_no_questionnaire_admin(client, agent):
    agent.is_staff = True
    agent.save()
    client.force_login(agent)
    assert client.get(reverse("admin:surveys_surveytemplate_changelist")).status_code == 403


def test_the_group_admin_reads_the_opt_outs(admin_client, owner):
    from surveys.services.responses import survey_opt_out
    from tests.surveys.factories import InvitationFactory

    survey_opt_out(InvitationFactory(customer=owner))
    page = admin_client.get(reverse("admin:surveys_surveyoptout_changelist"))
    assert page.status_code == 200 and "link" in page.content.decode()
