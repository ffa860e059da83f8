"""Finding 10.6: failed logins lock out (django-axes) per username + address and per address, on the
staff login and the admin login; an administrator unlocks with `axes_reset`."""

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.urls import reverse

from accounts.models import Role
from tests.factories import UserFactory

PASSWORD = "pass-1234"  # UserFactory's
LOGIN = reverse("login")
ADMIN_LOGIN = reverse("admin:login")


@pytest.fixture(autouse=True)
def _five_attempts(settings):
    settings.AXES_FAILURE_LIMIT = 5


@pytest.fixture
def colleague(project):
    return UserFactory(username="colleague", role=Role.CS_AGENT, projects=[project])


def fail_logins(client, url, username, times, **extra):
    for _ in range(times):
        response = client.post(url, {"username": username, "password": "wrong-guess"}, **extra)
        assert response.status_code in (200, 429)
    return response


def test_finding_10_6_the_right_password_is_refused_after_five_wrong_ones(client, colleague):
    response = fail_logins(client, LOGIN, "colleague", 5)
    assert response.status_code == 429

    response = client.post(LOGIN, {"username": "colleague", "password": PASSWORD})

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    page = response.content.decode()
    assert "Login locked" in page and "1\xa0hour" in page and "administrator" in page


def test_a_few_wrong_passwords_do_not_lock_out(client, colleague):
    fail_logins(client, LOGIN, "colleague", 4)

    response = client.post(LOGIN, {"username": "colleague", "password": PASSWORD})

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(colleague.pk)


def test_finding_10_6_the_admin_login_locks_out_too(client, group_admin):
    fail_logins(client, ADMIN_LOGIN, "admin", 5)

    response = client.post(ADMIN_LOGIN, {"username": "admin", "password": PASSWORD, "next": "/admin/"})

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_finding_10_6_one_address_guessing_many_usernames_is_locked_out(client, colleague):
    for n in range(5):
        fail_logins(client, LOGIN, f"guess{n}", 1, REMOTE_ADDR="203.0.113.7")

    locked = client.post(LOGIN, {"username": "colleague", "password": PASSWORD}, REMOTE_ADDR="203.0.113.7")
    elsewhere = client.post(
        LOGIN, {"username": "colleague", "password": PASSWORD}, REMOTE_ADDR="198.51.100.2"
    )

    assert locked.status_code == 429
    assert elsewhere.status_code == 302  # the colleague at their own desk is not locked out


def test_the_lockout_page_speaks_chinese_by_default(client, colleague, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    response = fail_logins(client, LOGIN, "colleague", 6)

    assert response.status_code == 429
    assert "登录已锁定" in response.content.decode()


def test_finding_10_6_axes_reset_unlocks(client, colleague):
    fail_logins(client, LOGIN, "colleague", 5)
    assert AccessAttempt.objects.exists()

    call_command("axes_reset", verbosity=0)

    response = client.post(LOGIN, {"username": "colleague", "password": PASSWORD})
    assert response.status_code == 302


def test_the_cool_off_ends_the_lockout(client, colleague, time_machine):
    time_machine.move_to("2026-03-02 09:00 +08:00", tick=False)
    fail_logins(client, LOGIN, "colleague", 5)

    time_machine.move_to("2026-03-02 10:01 +08:00", tick=False)
    response = client.post(LOGIN, {"username": "colleague", "password": PASSWORD})

    assert response.status_code == 302


def test_force_login_is_not_counted(client, colleague):
    fail_logins(client, LOGIN, "colleague", 5)

    client.force_login(colleague)  # the tests' way in: no password, no lockout

    assert client.get(reverse("home")).status_code == 200


def test_the_locked_out_attempts_are_listed_in_the_admin(client, colleague, group_admin):
    fail_logins(client, LOGIN, "colleague", 5, REMOTE_ADDR="203.0.113.9")
    client.force_login(group_admin)

    response = client.get(reverse("admin:axes_accessattempt_changelist"))

    assert response.status_code == 200
    assert "colleague" in response.content.decode()
