"""TOTP two-factor login (django-otp): enrolment with a QR code, the code asked after the password, the
administrators' reset, and TWO_FACTOR_REQUIRED_ROLES. Codes are real: computed from the device's key
like an authenticator app does, at a clock the test holds."""

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.apps import check_two_factor_roles
from accounts.models import Role, User
from accounts.services import staff_set_role
from accounts.two_factor import PENDING_KEY
from tests.factories import UserFactory

PASSWORD = "pass-1234"  # UserFactory's
T0 = "2026-03-02 09:00:00 +08:00"


def app_code(device: TOTPDevice) -> str:
    """What the authenticator app shows now for this device's key."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def wrong_code(device: TOTPDevice) -> str:
    return f"{(int(app_code(device)) + 1) % 1_000_000:06d}"


@pytest.fixture
def clock(time_machine):
    time_machine.move_to(T0, tick=False)
    return time_machine


@pytest.fixture
def head(city):
    return UserFactory(username="head", role=Role.CITY_HEAD, city_companies=[city])


def enrol(client, user) -> TOTPDevice:
    """The user turns two-factor login on, on the enrolment page, in `client`'s session."""
    client.force_login(user)
    page = client.get(reverse("two-factor"))
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(reverse("two-factor"), {"code": app_code(device)})
    assert response.status_code == 302, response.context["form"].errors
    device.refresh_from_db()
    return device


def log_in_with_password(client, username="head", next_url=None):
    data = {"username": username, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post(reverse("login"), data)


def test_enrolment_shows_a_qr_code_and_the_key_and_a_right_code_turns_it_on(client, head, clock):
    client.force_login(head)

    page = client.get(reverse("two-factor"))
    device = TOTPDevice.objects.get(user=head)
    again = client.get(reverse("two-factor"))  # a reload shows the same key, not a new device
    wrong = client.post(reverse("two-factor"), {"code": wrong_code(device)})
    clock.shift(31)  # past the throttle after a wrong code, and a fresh time step
    right = client.post(reverse("two-factor"), {"code": app_code(device)})

    html = page.content.decode()
    assert 'src="data:image/svg+xml' in html
    assert page.context["secret"].replace(" ", "") in again.content.decode().replace(" ", "")
    assert TOTPDevice.objects.filter(user=head).count() == 1
    assert wrong.status_code == 200 and wrong.context["form"].errors["code"]
    assert right.status_code == 302
    device.refresh_from_db()
    head.refresh_from_db()
    assert device.confirmed and head.two_factor_enabled
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id  # this session gave a code


def test_the_login_asks_for_the_code_after_the_password(client, head, clock):
    device = enrol(client, head)
    client.logout()
    clock.shift(30)

    after_password = log_in_with_password(client, next_url="/complaints/")
    assert after_password.status_code == 302 and after_password.url == reverse("login-code")
    assert SESSION_KEY not in client.session  # not logged in yet
    assert client.get(reverse("home")).status_code == 302

    wrong = client.post(reverse("login-code"), {"code": wrong_code(device)})
    assert wrong.status_code == 200 and SESSION_KEY not in client.session

    clock.shift(30)
    right = client.post(reverse("login-code"), {"code": app_code(device)})

    assert right.status_code == 302 and right.url == "/complaints/"
    assert client.session[SESSION_KEY] == str(head.pk)
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert PENDING_KEY not in client.session
    assert client.get(reverse("home")).status_code == 200


def test_a_code_is_accepted_once(client, head, clock):
    device = enrol(client, head)
    client.logout()
    clock.shift(30)
    log_in_with_password(client)
    code = app_code(device)
    assert client.post(reverse("login-code"), {"code": code}).status_code == 302
    client.logout()

    log_in_with_password(client)
    replay = client.post(reverse("login-code"), {"code": code})

    assert replay.status_code == 200 and SESSION_KEY not in client.session


def test_the_code_step_times_out(client, head, clock):
    device = enrol(client, head)
    client.logout()
    clock.shift(30)
    log_in_with_password(client)

    clock.shift(301)
    response = client.post(reverse("login-code"), {"code": app_code(device)})

    assert response.status_code == 302 and response.url == reverse("login")
    assert SESSION_KEY not in client.session


def test_the_admin_login_asks_for_the_code_too(client, head, clock):
    enrol(client, head)
    client.logout()

    response = client.post(
        reverse("admin:login"), {"username": "head", "password": PASSWORD, "next": "/admin/"}
    )

    assert response.status_code == 302 and response.url == reverse("login-code")
    assert SESSION_KEY not in client.session


def test_a_session_from_before_the_enrolment_is_ended(client, head, clock):
    earlier = Client()
    earlier.force_login(head)  # another browser, logged in with the password alone
    enrol(client, head)

    response = earlier.get(reverse("home"))

    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    assert SESSION_KEY not in earlier.session
    assert client.get(reverse("home")).status_code == 200  # the session that gave the code stays


def test_wrong_codes_count_towards_the_login_lockout(client, head, clock, settings):
    settings.AXES_FAILURE_LIMIT = 3
    device = enrol(client, head)
    client.logout()
    clock.shift(30)
    log_in_with_password(client)

    responses = []
    for _ in range(3):
        clock.shift(5)  # past the device's own throttle: the lockout is what stops it
        responses.append(client.post(reverse("login-code"), {"code": wrong_code(device)}))

    assert [r.status_code for r in responses] == [200, 200, 429]
    assert log_in_with_password(client).status_code == 429  # the password step is locked too


def test_an_administrator_resets_a_lost_device(client, head, clock):
    enrol(client, head)
    client.logout()
    admin = staff_set_role(
        user=UserFactory(username="groupadmin", role=Role.GROUP_ADMIN), role=Role.GROUP_ADMIN
    )
    client.force_login(admin)

    response = client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "reset_two_factor", "_selected_action": [head.pk]},
    )

    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=head).exists()
    assert not User.objects.get(pk=head.pk).two_factor_enabled
    client.logout()
    assert log_in_with_password(client).url == reverse("home")  # the password alone again


def test_the_user_turns_it_off(client, head, clock):
    enrol(client, head)

    response = client.post(reverse("two-factor-off"))

    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=head).exists()
    assert not User.objects.get(pk=head.pk).two_factor_enabled


def test_roles_outside_two_factor_roles_are_not_offered_it(client, agent):
    client.force_login(agent)

    assert client.get(reverse("two-factor")).status_code == 403
    assert "two-factor-card" not in client.get(reverse("account")).content.decode()


# --- TWO_FACTOR_REQUIRED_ROLES ---------------------------------------------------------------------


@pytest.fixture
def heads_must(settings):
    settings.TWO_FACTOR_REQUIRED_ROLES = ["city_head"]


def test_a_required_role_is_sent_to_enrol_before_anything_else(client, head, agent, heads_must, clock):
    client.force_login(head)

    page = client.get(reverse("home"))
    api = client.get("/api/v1/customers/")
    enrolment = client.get(reverse("two-factor"))

    assert page.status_code == 302 and page.url == reverse("two-factor")
    assert api.status_code == 403 and "two-factor" in api.json()["detail"]
    assert enrolment.status_code == 200 and "must log in with a code" in enrolment.content.decode()
    client.force_login(agent)  # another role: untouched
    assert client.get(reverse("home")).status_code == 200


def test_after_enrolling_a_required_role_works_and_cannot_turn_it_off(client, head, heads_must, clock):
    enrol(client, head)

    assert client.get(reverse("home")).status_code == 200
    assert client.post(reverse("two-factor-off")).status_code == 403
    assert TOTPDevice.objects.filter(user=head, confirmed=True).exists()


def test_without_required_roles_the_login_stays_password_only(client, head):
    response = log_in_with_password(client)

    assert response.status_code == 302 and response.url == reverse("home")
    assert client.get(reverse("home")).status_code == 200


def test_an_unknown_role_in_the_settings_stops_the_start(settings):
    settings.TWO_FACTOR_REQUIRED_ROLES = ["city_head", "boss"]

    errors = check_two_factor_roles()

    assert [error.id for error in errors] == ["accounts.E001"]
    assert "boss" in errors[0].msg
