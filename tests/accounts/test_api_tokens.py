"""API tokens: made on "My API tokens" with a name and a life, shown once, stored as a digest; refused
with their own message once expired or revoked (by their owner or in the admin); last use noted at
most once a minute."""

import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.api_tokens import api_token_create, api_token_issue, token_digest
from accounts.models import ApiToken, Role
from accounts.services import staff_set_role
from tests.factories import UserFactory

API = "/api/v1/customers/"


def _create_on_the_page(client, name="BI export", days=30):
    response = client.post(reverse("api-tokens"), {"name": name, "days": days})
    assert response.status_code == 200
    issued = response.context["issued"]
    assert issued is not None, response.context["form"].errors
    return issued


def _api_get(api_client, key):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return api_client.get(API)


@pytest.fixture
def agent_logged_in(client, agent):
    client.force_login(agent)
    return client


def test_a_token_made_on_the_page_is_shown_once_and_calls_the_api(agent_logged_in, agent, api_client, owner):
    issued = _create_on_the_page(agent_logged_in)

    token = ApiToken.objects.get(user=agent)
    assert token.name == "BI export"
    assert token.expires_at - token.created_at == datetime.timedelta(days=30)
    assert _api_get(api_client, issued.key).status_code == 200
    # Shown once: the list page afterwards has its prefix, never the key.
    page = agent_logged_in.get(reverse("api-tokens")).content.decode()
    assert token.prefix in page and issued.key not in page


def test_the_table_keeps_a_digest_never_the_key(agent):
    issued = api_token_issue(user=agent, name="bi", expires_at=timezone.now() + datetime.timedelta(days=1))

    row = ApiToken.objects.filter(pk=issued.token.pk).values().get()
    assert issued.key not in [str(value) for value in row.values()]
    assert row["digest"] == token_digest(issued.key)
    assert len(issued.key) >= 40


def test_an_expired_token_is_refused_with_a_message_that_says_so(agent, api_client, owner, time_machine):
    time_machine.move_to("2026-03-02 09:00 +08:00", tick=False)
    issued = api_token_create(user=agent, name="bi", days=7)
    assert _api_get(api_client, issued.key).status_code == 200

    time_machine.move_to("2026-03-09 09:00:01 +08:00", tick=False)
    response = _api_get(api_client, issued.key)

    assert response.status_code == 401
    assert "expired" in response.json()["detail"]
    assert response.headers["WWW-Authenticate"] == "Token"


def test_the_owner_revokes_a_token_on_the_page(agent_logged_in, agent, api_client, owner):
    issued = _create_on_the_page(agent_logged_in)

    response = agent_logged_in.post(reverse("api-token-revoke", args=[issued.token.pk]))

    assert response.status_code == 302
    token = ApiToken.objects.get(pk=issued.token.pk)
    assert token.revoked_at is not None and token.revoked_by == agent
    refused = _api_get(api_client, issued.key)
    assert refused.status_code == 401
    assert "revoked" in refused.json()["detail"]


def test_nobody_revokes_another_persons_token_on_their_page(client, agent, supervisor):
    issued = api_token_issue(user=agent, name="bi", expires_at=timezone.now() + datetime.timedelta(days=1))
    client.force_login(supervisor)

    response = client.post(reverse("api-token-revoke", args=[issued.token.pk]))

    assert response.status_code == 404
    assert ApiToken.objects.get(pk=issued.token.pk).revoked_at is None


def test_the_page_lists_only_ones_own_tokens(agent_logged_in, supervisor):
    api_token_issue(
        user=supervisor, name="someone else's", expires_at=timezone.now() + datetime.timedelta(days=1)
    )
    _create_on_the_page(agent_logged_in, name="mine")

    page = agent_logged_in.get(reverse("api-tokens")).content.decode()

    assert "mine" in page and "someone else&#x27;s" not in page


def test_a_token_needs_a_name_and_a_life_within_the_maximum(agent_logged_in, agent, settings):
    settings.API_TOKEN_MAX_DAYS = 30

    no_name = agent_logged_in.post(reverse("api-tokens"), {"name": "  ", "days": 7})
    too_long = agent_logged_in.post(reverse("api-tokens"), {"name": "bi", "days": 365})

    assert no_name.status_code == too_long.status_code == 200
    assert no_name.context["form"].errors["name"]
    assert too_long.context["form"].errors["days"]
    assert not ApiToken.objects.filter(user=agent).exists()


def test_an_unknown_key_is_refused(api_client, agent):
    response = _api_get(api_client, "not-a-key-anyone-was-given")

    assert response.status_code == 401
    assert response.json()["detail"] == "Invalid token."


def test_last_use_is_written_at_most_once_a_minute(agent, api_client, owner, time_machine):
    time_machine.move_to("2026-03-02 09:00 +08:00", tick=False)
    issued = api_token_create(user=agent, name="bi", days=7)

    _api_get(api_client, issued.key)
    first = ApiToken.objects.get(pk=issued.token.pk).last_used_at
    time_machine.move_to("2026-03-02 09:00:59 +08:00", tick=False)
    with CaptureQueriesContext(connection) as queries:
        _api_get(api_client, issued.key)
    within_the_minute = ApiToken.objects.get(pk=issued.token.pk).last_used_at
    time_machine.move_to("2026-03-02 09:01:00 +08:00", tick=False)
    _api_get(api_client, issued.key)
    after_a_minute = ApiToken.objects.get(pk=issued.token.pk).last_used_at

    assert first == datetime.datetime(2026, 3, 2, 1, 0, tzinfo=datetime.UTC)
    assert within_the_minute == first
    assert not any(q["sql"].startswith("UPDATE") and "accounts_apitoken" in q["sql"] for q in queries)
    assert after_a_minute == datetime.datetime(2026, 3, 2, 1, 1, tzinfo=datetime.UTC)


def test_the_page_shows_when_a_token_was_last_used(agent_logged_in, agent, api_client, owner, time_machine):
    time_machine.move_to("2026-03-02 09:00 +08:00", tick=False)
    unused = api_token_create(user=agent, name="never called", days=7)
    used = api_token_create(user=agent, name="called", days=7)
    _api_get(api_client, used.key)

    page = agent_logged_in.get(reverse("api-tokens")).content.decode()

    assert "2026-03-02 09:00" in page and "never" in page
    assert unused.token.prefix in page


# --- administrators ---------------------------------------------------------------------------------


@pytest.fixture
def admin_of_the_group(db):
    """A group administrator by role (not a superuser): the admin rights come from the role's group."""
    user = UserFactory(username="groupadmin", role=Role.GROUP_ADMIN)
    return staff_set_role(user=user, role=Role.GROUP_ADMIN)


def test_an_administrator_revokes_tokens_in_the_admin(client, admin_of_the_group, agent, api_client, owner):
    issued = api_token_issue(user=agent, name="bi", expires_at=timezone.now() + datetime.timedelta(days=1))
    client.force_login(admin_of_the_group)

    listed = client.get(reverse("admin:accounts_apitoken_changelist"))
    response = client.post(
        reverse("admin:accounts_apitoken_changelist"),
        {"action": "revoke", "_selected_action": [issued.token.pk]},
    )

    assert listed.status_code == 200 and "bi" in listed.content.decode()
    assert issued.key not in listed.content.decode()
    assert response.status_code == 302
    token = ApiToken.objects.get(pk=issued.token.pk)
    assert token.revoked_by == admin_of_the_group
    assert _api_get(api_client, issued.key).status_code == 401


def test_a_city_head_does_not_see_the_token_list(client, city):
    head = staff_set_role(user=UserFactory(role=Role.CITY_HEAD, city_companies=[city]), role=Role.CITY_HEAD)
    client.force_login(head)

    assert client.get(reverse("admin:accounts_apitoken_changelist")).status_code == 403


@pytest.mark.parametrize("tokens", [2, 20])
def test_the_token_page_costs_the_same_whatever_the_number(
    agent_logged_in, agent, tokens, django_assert_max_num_queries
):
    for n in range(tokens):
        api_token_issue(user=agent, name=f"t{n}", expires_at=timezone.now() + datetime.timedelta(days=1))
    agent_logged_in.get(reverse("api-tokens"))
    # Session + user (2), the page of tokens with who revoked them (1), the menu's and the bell's
    # reads (≤ 3).
    with django_assert_max_num_queries(6):
        response = agent_logged_in.get(reverse("api-tokens"))
    assert response.status_code == 200


def test_the_command_makes_a_token_for_a_service_account(agent, api_client, owner):
    out, err = io.StringIO(), io.StringIO()

    call_command("create_api_token", "agent", name="BI", days=30, stdout=out, stderr=err)

    assert _api_get(api_client, out.getvalue().strip()).status_code == 200
    assert ApiToken.objects.get(user=agent).name == "BI"
    with pytest.raises(CommandError):
        call_command("create_api_token", "agent", name="BI", days=9999, stdout=out, stderr=err)
