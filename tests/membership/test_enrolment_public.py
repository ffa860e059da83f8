"""The public sign-up page: no login, rate-limited, a honeypot and a minimum fill time, and one answer
whether or not the phone is a member's already."""

import time

import pytest
from django.urls import reverse

from core.models import OutboxMessage
from membership.forms.enrolment import started_token
from membership.models import EnrolmentChannel, Member
from tests.membership.factories import MemberFactory

pytestmark = pytest.mark.django_db
URL = "/club/join/"


@pytest.fixture(autouse=True)
def _club_settings(settings):
    settings.CLUB_JOIN_MIN_SECONDS = 5
    settings.CLUB_JOIN_IP_RATE = "100/h"
    settings.CLUB_JOIN_PHONE_RATE = "100/d"


def form_data(project, **overrides):
    data = {
        "name": "王芳",
        "gender": "F",
        "birth_date": "1992-08-08",
        "nationality": "中国",
        "employer": "",
        "education": "",
        "phone": "13600000001",
        "email": "",
        "id_number": "",
        "interests": ["children", "festivals"],
        "project": project.pk,
        "club_data_consent": "on",
        "website": "",
        "started": started_token(time.time() - 60),
    }
    data.update(overrides)
    return data


def test_the_page_opens_without_a_login_and_shows_the_consent_texts(client, project):
    response = client.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert "club-data-2026.1" in page and "marketing-2026.1" in page
    assert 'name="started"' in page and 'name="website"' in page
    assert reverse("club_public:join") == URL


def test_a_sign_up_makes_a_member_and_texts_the_number(client, project):
    response = client.post(URL, form_data(project, marketing_consent="on"))
    assert response.status_code == 302 and response["Location"] == reverse("club_public:joined")
    member = Member.objects.get()
    assert member.channel == EnrolmentChannel.PUBLIC and member.interests == ["children", "festivals"]
    assert member.consents.filter(granted=True).count() == 2
    text = OutboxMessage.objects.get(kind="club_welcome")
    assert text.recipient == "13600000001" and member.number in text.body


def test_an_existing_members_phone_gets_the_same_answer_and_nothing_new(client, project):
    existing = MemberFactory(phone="13600000001", city_company=project.city_company)
    response = client.post(URL, form_data(project))
    assert response.status_code == 302 and response["Location"] == reverse("club_public:joined")
    assert Member.objects.count() == 1
    # The holder of the phone learns it by text message, not whoever typed the number in.
    text = OutboxMessage.objects.get(kind="club_already_member")
    assert existing.number in text.body


def test_under_18_and_missing_consent_are_explained_on_the_form(client, project):
    response = client.post(URL, form_data(project, birth_date="2015-01-01", club_data_consent=""))
    assert response.status_code == 400
    page = response.content.decode()
    assert "The club is open to people 18 or older." in page
    assert "Joining the club needs the consent to the club&#x27;s use of personal data." in page
    assert not Member.objects.exists()


def test_a_filled_honeypot_is_thanked_and_ignored(client, project):
    response = client.post(URL, form_data(project, website="http://spam.example"))
    assert response.status_code == 302
    assert not Member.objects.exists() and not OutboxMessage.objects.exists()


def test_a_post_faster_than_a_person_is_thanked_and_ignored(client, project):
    response = client.post(URL, form_data(project, started=started_token(time.time() - 1)))
    assert response.status_code == 302
    assert not Member.objects.exists()


def test_a_forged_start_time_is_thanked_and_ignored(client, project):
    response = client.post(URL, form_data(project, started="1700000000"))
    assert response.status_code == 302
    assert not Member.objects.exists()


def test_a_form_opened_too_long_ago_is_shown_again_with_a_fresh_start(client, project, settings):
    settings.CLUB_JOIN_MAX_AGE_HOURS = 1
    response = client.post(URL, form_data(project, started=started_token(time.time() - 7200)))
    assert response.status_code == 400
    assert "opened too long ago" in response.content.decode()
    assert not Member.objects.exists()


def test_posts_are_limited_per_ip_address(client, project, settings):
    settings.CLUB_JOIN_IP_RATE = "2/h"
    for n in range(2):
        client.post(URL, form_data(project, phone=f"1360000000{n}"))
    response = client.post(URL, form_data(project, phone="13600000009"))
    assert response.status_code == 429
    assert Member.objects.count() == 2


def test_posts_are_limited_per_phone(client, project, settings):
    settings.CLUB_JOIN_PHONE_RATE = "2/d"
    for n in range(2):
        client.post(URL, form_data(project), REMOTE_ADDR=f"10.0.0.{n + 1}")
    response = client.post(URL, form_data(project), REMOTE_ADDR="10.0.0.9")
    assert response.status_code == 429
