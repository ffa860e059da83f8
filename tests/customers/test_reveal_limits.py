"""Finding 10.10: revealing personal data is limited per user, needs a real purpose, and a burst
alerts the user's supervisors (once per burst window)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import PersonalDataAccess, Role
from accounts.services import RevealLimitReached, personal_data_reveal
from notifications.models import Notification
from tests.api import client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

API = "/api/v1"
GOOD = {"field": "phone", "reason_code": "callback", "reason": "业主来电询问维修进度"}


def reveal(user, customer, *, now=None, reason="业主来电询问维修进度"):
    return personal_data_reveal(
        user=user, customer=customer, field="phone", reason_code="callback", reason=reason, now=now
    )


# --- the purpose -------------------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["00", "批量", "  ", "1234567", "...!!", "aaaa", "回访"])
def test_finding_10_10_a_reason_without_real_words_is_refused(agent, owner, reason):
    with pytest.raises(ValidationError) as error:
        reveal(agent, owner, reason=reason)
    assert "reason" in error.value.message_dict
    assert not PersonalDataAccess.objects.exists()


@pytest.mark.parametrize("reason", ["00", "批量"])
def test_finding_10_10_the_api_refuses_00_and_bulk_as_reasons(agent, owner, reason):
    response = client_for(agent).post(
        f"{API}/customers/{owner.pk}/reveal/", {**GOOD, "reason": reason}, format="json"
    )
    assert response.status_code == 400 and "reason" in response.json()
    assert not PersonalDataAccess.objects.exists()


def test_finding_10_10_a_purpose_must_be_chosen_from_the_list(agent, owner):
    with pytest.raises(ValidationError) as error:
        personal_data_reveal(user=agent, customer=owner, field="phone", reason_code="", reason="业主来电回访")
    assert "reason_code" in error.value.message_dict


def test_the_purpose_and_the_words_are_logged(agent, owner):
    reveal(agent, owner, reason="  业主来电   询问维修进度 ")
    access = PersonalDataAccess.objects.get()
    assert (access.reason_code, access.reason) == ("callback", "业主来电 询问维修进度")


def test_the_page_offers_the_purposes_and_shows_the_chosen_one_in_the_log(client, supervisor, owner):
    client.force_login(supervisor)
    html = client.get(reverse("customers:detail", args=[owner.pk])).content.decode()
    for code in ("callback", "complaint", "handover", "identity", "other"):
        assert f'value="{code}"' in html
    client.post(reverse("customers:reveal", args=[owner.pk]), {**GOOD, "reason_code": "complaint"})
    html = client.get(reverse("customers:detail", args=[owner.pk])).content.decode()
    assert "Complaint handling (投诉处理): 业主来电询问维修进度" in html


# --- the limit ---------------------------------------------------------------------------------


def test_finding_10_10_the_31st_reveal_in_an_hour_is_a_429_on_the_api(agent, owner, settings):
    assert settings.REVEAL_RATE == "30/h"
    for _ in range(30):
        reveal(agent, owner)
    response = client_for(agent).post(f"{API}/customers/{owner.pk}/reveal/", GOOD, format="json")

    assert response.status_code == 429
    assert int(response["Retry-After"]) > 3000  # the oldest of the 30 leaves the window in an hour
    assert "13812345678" not in response.content.decode()
    assert PersonalDataAccess.objects.count() == 30


def test_finding_10_10_the_page_says_clearly_that_the_limit_is_reached(client, agent, owner, settings):
    settings.REVEAL_RATE = "2/h"
    client.force_login(agent)
    url = reverse("customers:reveal", args=[owner.pk])
    assert client.post(url, GOOD).status_code == 200
    assert client.post(url, GOOD, HTTP_HX_REQUEST="true").status_code == 200

    page = client.post(url, GOOD)
    assert page.status_code == 429 and "Retry-After" in page
    assert "You have revealed the most personal data allowed for now" in page.content.decode()
    assert "13812345678" not in page.content.decode()
    fragment = client.post(url, GOOD, HTTP_HX_REQUEST="true")  # htmx swaps only a 2xx answer in
    assert "You have revealed the most personal data allowed for now" in fragment.content.decode()
    assert "13812345678" not in fragment.content.decode()
    assert PersonalDataAccess.objects.count() == 2


def test_the_page_and_the_api_share_one_allowance(client, agent, owner, settings):
    settings.REVEAL_RATE = "2/h"
    client.force_login(agent)
    client.post(reverse("customers:reveal", args=[owner.pk]), GOOD)
    assert (
        client_for(agent).post(f"{API}/customers/{owner.pk}/reveal/", GOOD, format="json").status_code == 200
    )
    assert (
        client_for(agent).post(f"{API}/customers/{owner.pk}/reveal/", GOOD, format="json").status_code == 429
    )


def test_the_allowance_comes_back_as_the_hour_passes_and_is_per_user(agent, supervisor, owner, settings):
    settings.REVEAL_RATE = "2/h"
    start = timezone.now()
    reveal(agent, owner, now=start)
    reveal(agent, owner, now=start + datetime.timedelta(minutes=30))
    with pytest.raises(RevealLimitReached) as limit:
        reveal(agent, owner, now=start + datetime.timedelta(minutes=40))
    assert limit.value.retry_after == datetime.timedelta(minutes=20)
    reveal(supervisor, owner, now=start + datetime.timedelta(minutes=40))  # another user's own allowance
    reveal(agent, owner, now=start + datetime.timedelta(minutes=61))


# --- the burst alert ---------------------------------------------------------------------------


@pytest.fixture
def watchers(project, city, other_project):
    return {
        "supervisor": UserFactory(username="boss", role=Role.CS_SUPERVISOR, projects=[project]),
        "head": UserFactory(username="head", role=Role.CITY_HEAD, city_companies=[city]),
        "elsewhere": UserFactory(username="far", role=Role.CS_SUPERVISOR, projects=[other_project]),
        "peer": UserFactory(username="peer", role=Role.CS_AGENT, projects=[project]),
    }


def test_finding_10_10_a_burst_alerts_the_supervisors_and_city_heads_once_per_window(
    agent, owner, watchers, settings
):
    assert settings.REVEAL_BURST_ALERT == "10/10m"
    start = timezone.now() - datetime.timedelta(minutes=30)
    for n in range(10):
        reveal(agent, owner, now=start + datetime.timedelta(seconds=n))
    assert not Notification.objects.exists()  # ten in ten minutes is no burst yet

    for n in range(10, 14):  # the 11th makes the burst; the 12th–14th are the same burst
        reveal(agent, owner, now=start + datetime.timedelta(seconds=n))
    alerts = Notification.objects.filter(kind="reveal_burst")
    assert sorted(alerts.values_list("recipient__username", flat=True)) == ["boss", "head"]
    assert "11" in alerts.first().title and str(agent) in alerts.first().title
    assert alerts.first().link == reverse("customers:detail", args=[owner.pk])
    assert PersonalDataAccess.objects.filter(burst_alert_sent=True).count() == 1

    # Ten minutes after the alert the window is over: the next burst is told again, once.
    later = start + datetime.timedelta(minutes=11)
    for n in range(11):
        reveal(agent, owner, now=later + datetime.timedelta(seconds=n))
    assert Notification.objects.filter(kind="reveal_burst").count() == 4


def test_a_supervisor_bursting_is_reported_to_the_city_head_not_to_themselves(supervisor, owner, watchers):
    for _ in range(11):
        reveal(supervisor, owner)
    recipients = set(
        Notification.objects.filter(kind="reveal_burst").values_list("recipient__username", flat=True)
    )
    assert recipients == {"boss", "head"}  # the other supervisor of the project and the head


def test_a_group_administrator_bursting_is_reported_to_the_other_administrators(owner, watchers):
    root = UserFactory(username="root", role=Role.GROUP_ADMIN, is_superuser=True)
    other = UserFactory(username="root2", role=Role.GROUP_ADMIN)
    for _ in range(11):
        reveal(root, owner)
    assert list(Notification.objects.values_list("recipient", flat=True)) == [other.pk]
