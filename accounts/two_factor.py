"""TOTP two-factor login (django-otp): enrolment, the code asked at login, the administrators' reset.

A user of TWO_FACTOR_ROLES may turn it on (TWO_FACTOR_REQUIRED_ROLES must): the enrolment page shows a
QR code of a new, unconfirmed TOTPDevice; the first right code from the authenticator app confirms it.
From then on the login asks for a code after the password (accounts.views), and `User.two_factor_enabled`
tells accounts.middleware to end any session of theirs that has not given one (one from before the
enrolment, say). Codes are checked by django-otp: each is accepted once, with its throttling after
wrong ones; a wrong code at login also counts as a failed login for django-axes' lockout.
"""

from __future__ import annotations

import time
from base64 import b32encode

import segno
from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django_otp import verify_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from .models import User

# The password was right and the code is awaited: who, through which backend, where to after; for
# PENDING_SECONDS, in the (not yet logged-in) session.
PENDING_KEY = "accounts_pending_login"
PENDING_SECONDS = 300
DEVICE_NAME = "authenticator"


def may_use_two_factor(user: User) -> bool:
    roles = set(settings.TWO_FACTOR_ROLES) | set(settings.TWO_FACTOR_REQUIRED_ROLES)
    return user.is_authenticated and (user.role in roles or user.is_superuser)


def two_factor_required(user: User) -> bool:
    return user.is_authenticated and user.role in settings.TWO_FACTOR_REQUIRED_ROLES


def confirmed_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).order_by("id").first()


# --- enrolment -----------------------------------------------------------------------------------


def enrolment_device(user: User) -> TOTPDevice:
    """The unconfirmed device the enrolment page shows: the same one (and QR code) on every reload."""
    if not may_use_two_factor(user):
        raise PermissionDenied(_("Two-factor login is not offered to your role."))
    device = TOTPDevice.objects.devices_for_user(user, confirmed=False).order_by("-id").first()
    return device or TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


def two_factor_confirm(*, user: User, device: TOTPDevice, code: str) -> bool:
    """Turn two-factor login on with the device whose code the user typed. False: the code is wrong."""
    if device.user_id != user.pk or device.confirmed:
        raise PermissionDenied
    with transaction.atomic():
        locked = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        if not locked.verify_token(code):
            return False
        locked.confirmed = True
        locked.save(update_fields=["confirmed"])
        # One authenticator per person: older devices (an abandoned enrolment) go.
        TOTPDevice.objects.filter(user=user).exclude(pk=locked.pk).delete()
        User.objects.filter(pk=user.pk).update(two_factor_enabled=True)
    user.two_factor_enabled = True
    device.confirmed = True
    return True


def two_factor_disable(*, user: User, by: User) -> None:
    """The user turns it off for themself; not where their role requires it."""
    if by.pk != user.pk:
        raise PermissionDenied
    if two_factor_required(user):
        raise PermissionDenied(_("Your role must log in with a two-factor code."))
    two_factor_reset(users=User.objects.filter(pk=user.pk))
    user.two_factor_enabled = False


def two_factor_reset(*, users: QuerySet[User]) -> int:
    """Remove the users' devices (a lost phone: the administrators' action); their next login is
    password-only, or the enrolment page where their role requires it. The number of users reset."""
    with transaction.atomic():
        ids = list(users.values_list("pk", flat=True))
        TOTPDevice.objects.filter(user_id__in=ids).delete()
        return User.objects.filter(pk__in=ids, two_factor_enabled=True).update(two_factor_enabled=False)


def qr_code_data_uri(device: TOTPDevice) -> str:
    """The otpauth:// URL as an SVG image in a data: URI (img-src allows data:), made on our server."""
    return segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2)


def secret_for_typing(device: TOTPDevice) -> str:
    """The key in base32, in groups of four, for an app that cannot scan."""
    text = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


# --- the code at login ---------------------------------------------------------------------------


def pending_login_start(request, *, user: User, redirect_to: str) -> None:
    request.session[PENDING_KEY] = {
        "user": user.pk,
        "backend": user.backend,
        "next": redirect_to,
        "until": int(time.time()) + PENDING_SECONDS,
    }


def pending_login(request) -> tuple[User, str, str] | None:
    """(user, backend, where to after) of a password step passed in the last PENDING_SECONDS."""
    held = request.session.get(PENDING_KEY)
    if not isinstance(held, dict) or held.get("until", 0) < time.time():
        return None
    user = User.objects.filter(pk=held.get("user"), is_active=True).first()
    if user is None or user.has_left():
        return None
    return user, held["backend"], held["next"]


def pending_login_clear(request) -> None:
    request.session.pop(PENDING_KEY, None)


def login_code_verify(request, *, user: User, code: str) -> TOTPDevice | None:
    """The device that accepts the code, or None; a wrong code counts as a failed login (django-axes)."""
    device = confirmed_device(user)
    verified = device and verify_token(user, device.persistent_id, code.strip())
    if not verified:
        user_login_failed.send(
            sender=__name__, credentials={"username": user.get_username()}, request=request
        )
        return None
    return verified
