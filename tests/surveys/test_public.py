"""The owner's answer page /s/<token>/: no login, the project but no personal data, autosave, a
friendly page for every closed or unknown link, never a 500 on garbage, limited per IP."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from surveys.models import Answer, Invitation, SurveyOptOut
from surveys.services.responses import response_save
from tests.surveys.factories import InvitationFactory

pytestmark = pytest.mark.django_db

COMPLETE = {"q-overall": "5", "q-repurchase": "4", "q-recommend": "9", "q-quality": "4", "q-leaks": "no"}


@pytest.fixture
def invitation(owner, project):
    return InvitationFactory(customer=owner, project=project, subject="报修 TS-2026-0001")


def answer_url(invitation):
    return reverse("survey_public:answer", args=[invitation.token])


def save_url(invitation):
    return reverse("survey_public:save", args=[invitation.token])


def test_the_page_shows_the_project_and_the_questions_but_no_personal_data(client, invitation, owner):
    page = client.get(answer_url(invitation))
    html = page.content.decode()
    assert page.status_code == 200
    assert "四季花城" in html and 'data-testid="question-overall"' in html
    assert owner.name not in html and "13812345678" not in html and "5678" not in html and "502" not in html
    assert "crm-navbar" not in html and "navbar" not in html  # the standalone page, not the staff one
    assert 'src="/static/surveys/answer.js"' in html or "surveys/answer" in html
    assert "<script>" not in html  # CSP: no inline script
    assert reverse("survey_public:opt_out", args=[invitation.token]) in html
    invitation.refresh_from_db()
    assert invitation.opened_at is not None


def test_the_page_is_in_chinese_by_default_and_english_on_request(client, settings, invitation):
    settings.LANGUAGE_CODE = "zh-hans"
    html = client.get(answer_url(invitation)).content.decode()
    assert 'lang="zh-hans"' in html and "提交" in html
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(answer_url(invitation)).content.decode()
    assert 'lang="en"' in html and "Submit my answers" in html


def test_hidden_questions_are_rendered_hidden_for_the_script(client, invitation):
    html = client.get(answer_url(invitation)).content.decode()
    assert 'data-show-if="leaks" data-show-values="yes" hidden' in html


def test_the_page_reads_a_constant_number_of_queries(client, invitation, django_assert_max_num_queries):
    response_save(invitation, {"overall": "4", "leaks": "yes", "leak_rooms": ["kitchen"]}, submit=False)
    client.get(answer_url(invitation))  # the first visit also notes when the link was opened
    # 1 invitation with campaign, version, template and project; 1 opt-out and consent check; 1 questions;
    # 1 stored answers; the session and the rate-limit cache are not the database.
    with django_assert_max_num_queries(4):
        assert client.get(answer_url(invitation)).status_code == 200


def test_saved_answers_come_back_on_reload(client, invitation):
    response = client.post(
        save_url(invitation), {"q-overall": "4", "q-leaks": ["", "yes"], "q-leak_rooms": ["", "bathroom"]}
    )
    assert response.status_code == 200 and response.json()["saved"] is True
    html = client.get(answer_url(invitation)).content.decode()
    assert 'value="bathroom" checked' in html and 'name="q-overall" value="4" checked' in html
    assert 'data-show-if="leaks" data-show-values="yes" hidden' not in html


def test_the_autosave_answers_field_errors_as_400(client, invitation):
    response = client.post(save_url(invitation), {"q-overall": "9", "q-recommend": "x"})
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"overall", "recommend"}


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"q-overall": ["1"] * 500},
        {"q-leaks": "yes", "q-leak_rooms": "\x00"},
        {"q-comments": "\x00"},
        {"q-recommend": "1e9"},
        {"q-recommend": "-1"},
        {"submit": "1", "q-overall": "🙂"},
        {"q-unknown": "x", "q-": "y"},
    ],
)
def test_garbage_posts_never_answer_500(client, invitation, data):
    for url in (save_url(invitation), answer_url(invitation)):
        assert client.post(url, data).status_code in (200, 302, 400)


def test_a_garbage_body_is_refused_cleanly(client, invitation):
    response = client.post(save_url(invitation), b"\xff\xfe{not json", content_type="application/json")
    assert response.status_code < 500


def test_the_form_without_script_saves_then_submits(client, invitation):
    response = client.post(answer_url(invitation), {"q-overall": "5", "save": "1"})
    assert response.status_code == 302 and response["Location"].endswith("?saved=1")
    response = client.post(answer_url(invitation), {"submit": "1", "q-overall": "5"})
    assert response.status_code == 400 and 'data-testid="error-recommend"' in response.content.decode()
    response = client.post(answer_url(invitation), {**COMPLETE, "submit": "1"})
    assert response.status_code == 302
    assert response["Location"] == reverse("survey_public:thanks", args=[invitation.token])
    assert 'data-testid="thanks"' in client.get(response["Location"]).content.decode()
    assert Answer.objects.filter(invitation=invitation, is_final=True).count() == 5


def test_a_second_visit_after_submitting_says_already_answered(client, invitation):
    client.post(answer_url(invitation), {**COMPLETE, "submit": "1"})
    page = client.get(answer_url(invitation))
    assert page.status_code == 200 and 'data-testid="already-answered"' in page.content.decode()
    again = client.post(answer_url(invitation), {**COMPLETE, "q-overall": "1", "submit": "1"})
    assert again.status_code == 409 and 'data-testid="already-answered"' in again.content.decode()
    assert client.post(save_url(invitation), {"q-overall": "1"}).status_code == 409
    assert Answer.objects.get(invitation=invitation, question__code="overall").score == 5


def test_thanks_before_submitting_goes_back_to_the_survey(client, invitation):
    response = client.get(reverse("survey_public:thanks", args=[invitation.token]))
    assert response.status_code == 302 and response["Location"] == answer_url(invitation)


def test_an_expired_link_has_its_own_page(client, invitation):
    invitation.expires_at = timezone.now() - timedelta(hours=1)
    invitation.save()
    page = client.get(answer_url(invitation))
    assert page.status_code == 200 and 'data-testid="expired"' in page.content.decode()
    assert 'data-testid="question-overall"' not in page.content.decode()


def test_an_unknown_link_is_a_friendly_404(client, db):
    for token in ("nope", "x" * 300):
        page = client.get(reverse("survey_public:answer", args=[token]))
        assert page.status_code == 404 and 'data-testid="unknown-link"' in page.content.decode()
    assert client.post(reverse("survey_public:save", args=["nope"]), {"q-overall": "1"}).status_code == 404
    assert client.get(reverse("survey_public:opt_out", args=["nope"])).status_code == 404


def test_opting_out_asks_first_then_records_it(client, invitation):
    url = reverse("survey_public:opt_out", args=[invitation.token])
    page = client.get(url)
    assert page.status_code == 200 and 'data-testid="opt-out-confirm"' in page.content.decode()
    assert not SurveyOptOut.objects.exists()
    done = client.post(url)
    assert done.status_code == 200 and 'data-testid="opted-out"' in done.content.decode()
    opt_out = SurveyOptOut.objects.get()
    assert opt_out.customer_id == invitation.customer_id and opt_out.invitation_id == invitation.pk
    assert opt_out.source == "link"
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.OPTED_OUT
    page = client.get(answer_url(invitation))
    assert 'data-testid="opted-out"' in page.content.decode()


def test_public_pages_need_no_login_and_are_public_paths(client, settings, invitation):
    assert any(answer_url(invitation).startswith(prefix) for prefix in settings.PUBLIC_PATH_PREFIXES)
    assert client.get(answer_url(invitation)).status_code == 200


def test_requests_are_limited_per_address(client, settings, invitation):
    settings.SURVEY_PUBLIC_PAGE_RATE = "2/h"
    settings.SURVEY_PUBLIC_SAVE_RATE = "1/h"
    assert client.get(answer_url(invitation)).status_code == 200
    assert client.get(answer_url(invitation)).status_code == 200
    assert client.get(answer_url(invitation)).status_code == 429
    assert client.post(save_url(invitation), {"q-overall": "3"}).status_code == 200
    assert client.post(save_url(invitation), {"q-overall": "3"}).status_code == 429


def test_the_script_is_small_and_local():
    from pathlib import Path

    script = Path(__file__).resolve().parents[2] / "static" / "surveys" / "answer.js"
    assert script.stat().st_size < 100 * 1024
    assert "http://" not in script.read_text() and "https://" not in script.read_text()
