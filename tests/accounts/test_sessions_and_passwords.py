"""A staff session ends after SESSION_IDLE_MINUTES without a request (and is not written on every
request to stay alive); passwords are checked by AUTH_PASSWORD_VALIDATORS wherever staff set them."""

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role, User
from accounts.services import staff_set_role
from tests.factories import UserFactory

T0 = "2026-03-02 09:00:00 +08:00"


@pytest.fixture
def clock(time_machine, settings):
    settings.SESSION_IDLE_MINUTES = 30  # the default (tests/conftest.py lengthens it for the others)
    time_machine.move_to(T0, tick=False)
    return time_machine


def test_a_session_ends_after_the_idle_time(client, agent, clock):
    client.force_login(agent)

    clock.shift(29 * 60)
    assert client.get(reverse("home")).status_code == 200
    clock.shift(29 * 60)  # 58 minutes after the login, 29 after the last request: still on
    assert client.get(reverse("home")).status_code == 200
    clock.shift(31 * 60)
    response = client.get(reverse("home"))

    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_the_idle_time_is_a_setting(client, agent, clock, settings):
    settings.SESSION_IDLE_MINUTES = 5
    client.force_login(agent)

    clock.shift(4 * 60)
    kept = client.get(reverse("home"))
    clock.shift(6 * 60)
    ended = client.get(reverse("home"))

    assert kept.status_code == 200
    assert kept.cookies[django_settings.SESSION_COOKIE_NAME]["max-age"] == 5 * 60
    assert ended.status_code == 302


def test_the_session_row_is_written_at_most_once_a_minute(client, agent, clock):
    client.force_login(agent)

    clock.shift(30)
    with CaptureQueriesContext(connection) as within_the_minute:
        client.get(reverse("home"))
    clock.shift(31)
    with CaptureQueriesContext(connection) as after_a_minute:
        client.get(reverse("home"))

    def session_writes(queries):
        return [q for q in queries if "django_session" in q["sql"] and not q["sql"].startswith("SELECT")]

    assert session_writes(within_the_minute) == []
    assert session_writes(after_a_minute)


def test_an_anonymous_visitor_gets_no_idle_clock(client, db):
    response = client.get(reverse("login"))

    assert response.status_code == 200
    assert "_last_activity" not in client.session


# --- passwords ---------------------------------------------------------------------------------------


def test_the_validators_are_all_on(settings):
    names = [v["NAME"].rsplit(".", 1)[1] for v in settings.AUTH_PASSWORD_VALIDATORS]

    assert names == [
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    ]
    assert settings.AUTH_PASSWORD_VALIDATORS[1]["OPTIONS"]["min_length"] == 10


@pytest.mark.parametrize(
    ("new_password", "complaint"),
    [
        ("Short-1", "too short"),
        ("password123", "too common"),
        ("4815162342", "entirely numeric"),
        ("agent2026", "too similar"),
    ],
)
def test_the_password_page_refuses_weak_passwords(client, agent, new_password, complaint):
    client.force_login(agent)

    response = client.post(
        reverse("password-change"),
        {"old_password": "pass-1234", "new_password1": new_password, "new_password2": new_password},
    )

    assert response.status_code == 200
    assert complaint in " ".join(response.context["form"].errors["new_password2"])
    assert User.objects.get(pk=agent.pk).check_password("pass-1234")


def test_the_password_page_changes_it_and_keeps_the_session(client, agent):
    client.force_login(agent)

    response = client.post(
        reverse("password-change"),
        {
            "old_password": "pass-1234",
            "new_password1": "Lantern-river-42",
            "new_password2": "Lantern-river-42",
        },
    )

    assert response.status_code == 302 and response.url == reverse("account")
    assert User.objects.get(pk=agent.pk).check_password("Lantern-river-42")
    assert client.get(reverse("home")).status_code == 200  # still logged in


def test_the_password_page_needs_the_old_password(client, agent):
    client.force_login(agent)

    response = client.post(
        reverse("password-change"),
        {"old_password": "wrong", "new_password1": "Lantern-river-42", "new_password2": "Lantern-river-42"},
    )

    assert response.status_code == 200 and response.context["form"].errors["old_password"]


@pytest.fixture
def admin_of_the_group(db):
    return staff_set_role(
        user=UserFactory(username="groupadmin", role=Role.GROUP_ADMIN), role=Role.GROUP_ADMIN
    )


def test_the_admin_refuses_a_weak_password_for_a_new_account(client, admin_of_the_group):
    client.force_login(admin_of_the_group)

    response = client.post(
        reverse("admin:accounts_user_add"),
        {
            "username": "newagent",
            "usable_password": "true",
            "password1": "12345678",
            "password2": "12345678",
            "role": Role.CS_AGENT,
        },
    )

    assert response.status_code == 200
    errors = " ".join(response.context["adminform"].form.errors["password2"])
    assert "too short" in errors and "entirely numeric" in errors
    assert not User.objects.filter(username="newagent").exists()


def test_the_admin_refuses_a_weak_password_when_setting_one(client, admin_of_the_group, agent):
    client.force_login(admin_of_the_group)

    response = client.post(
        reverse("admin:auth_user_password_change", args=[agent.pk]),
        {"password1": "password123", "password2": "password123"},
    )

    assert response.status_code == 200
    assert "too common" in " ".join(response.context["form"].errors["password2"])
