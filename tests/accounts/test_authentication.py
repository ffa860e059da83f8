"""A departed user (end date past, not yet swept) is refused at the login form and with an API token."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.api_tokens import api_token_issue
from accounts.models import Role
from tests.factories import UserFactory

PASSWORD = "pass-1234"  # UserFactory's


@pytest.fixture
def departed(project):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    return UserFactory(
        username="departed", role=Role.CS_AGENT, projects=[project], employment_ends_on=yesterday
    )


@pytest.fixture
def colleague(project):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    return UserFactory(
        username="colleague", role=Role.CS_AGENT, projects=[project], employment_ends_on=tomorrow
    )


def test_departed_user_cannot_log_in_with_the_form(client, departed):
    assert departed.is_active  # the sweep has not run yet

    response = client.post(reverse("login"), {"username": "departed", "password": PASSWORD})

    assert response.status_code == 200  # the form again, with an error
    assert response.context["form"].errors
    assert "_auth_user_id" not in client.session


def test_user_still_employed_logs_in_with_the_form(client, colleague):
    response = client.post(reverse("login"), {"username": "colleague", "password": PASSWORD})

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(colleague.pk)


def test_session_of_a_user_who_has_since_left_no_longer_authenticates(client, colleague):
    client.force_login(colleague)
    colleague.employment_ends_on = timezone.localdate() - datetime.timedelta(days=1)
    colleague.save(update_fields=["employment_ends_on"])

    response = client.get("/api/v1/customers/")

    assert response.status_code in (401, 403)


def test_departed_user_token_is_refused(api_client, departed):
    issued = api_token_issue(user=departed, name="bi", expires_at=timezone.now() + datetime.timedelta(days=1))
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {issued.key}")

    response = api_client.get("/api/v1/customers/")

    assert response.status_code == 401


def test_employed_user_token_is_accepted(api_client, colleague):
    issued = api_token_issue(
        user=colleague, name="bi", expires_at=timezone.now() + datetime.timedelta(days=1)
    )
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {issued.key}")

    response = api_client.get("/api/v1/customers/")

    assert response.status_code == 200
