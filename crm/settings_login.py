"""Logging in: idle sessions, two-factor codes, API tokens and the login lockout (django-axes).

Part of the one settings module (crm/settings.py imports everything here), split off to keep each file
readable; read from the same environment variables (README, "Logging in").
"""

import datetime

import environ
from django.core.exceptions import ImproperlyConfigured

env = environ.Env()  # crm/settings.py has read .env already (into the process environment)

# --- Logging in: sessions, two-factor codes, API tokens (README, "Logging in") ---------------------
# A logged-in session ends after this many minutes without a request (accounts.middleware refreshes
# the session's expiry at most once a minute, so a request does not write the session row each time).
SESSION_IDLE_MINUTES = env.int("SESSION_IDLE_MINUTES", default=30)
if SESSION_IDLE_MINUTES < 1:
    raise ImproperlyConfigured("SESSION_IDLE_MINUTES must be at least 1.")
# Roles that may turn on a TOTP code at login (accounts.Role values), and the roles that must: their
# staff are sent to the enrolment page until they have. Empty: optional for everyone (the demo).
TWO_FACTOR_ROLES = env.list("TWO_FACTOR_ROLES", default=["group_admin", "city_head"])
TWO_FACTOR_REQUIRED_ROLES = env.list("TWO_FACTOR_REQUIRED_ROLES", default=[])
# The authenticator app's account label, and no TOTP secrets shown in django-otp's own admin.
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="CRM")
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# The longest life a staff member may give an API token they create (days).
API_TOKEN_MAX_DAYS = env.int("API_TOKEN_MAX_DAYS", default=365)
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# --- Login lockout (django-axes) ------------------------------------------------
# Failed logins at /login/ and /admin/login/ are counted per username and address, and per address;
# at the limit, logins from there are refused (the page registration/locked_out.html) until the
# cool-off has passed or an administrator unlocks (admin → Axes, or `manage.py axes_reset`).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
_cooloff_hours = env.float("AXES_COOLOFF_TIME", default=1.0)
AXES_COOLOFF_TIME = (
    datetime.timedelta(hours=_cooloff_hours) if _cooloff_hours > 0 else None
)  # 0: until unlocked


def _lockout_parameters(names: list[str]) -> list:
    """ "username+ip_address,ip_address" → [["username", "ip_address"], "ip_address"] (axes' form)."""
    parameters = []
    for name in names:
        combination = name.split("+")
        if not set(combination) <= {"username", "ip_address", "user_agent"}:
            raise ImproperlyConfigured(f"AXES_LOCKOUT_PARAMETERS: unknown parameter in {name!r}.")
        parameters.append(combination if len(combination) > 1 else name)
    return parameters


AXES_LOCKOUT_PARAMETERS = _lockout_parameters(
    env.list("AXES_LOCKOUT_PARAMETERS", default=["username+ip_address", "ip_address"])
)
AXES_LOCKOUT_CALLABLE = "accounts.views.login_locked_out"  # the login card with the reason (HTTP 429)
# The address TrustedProxyMiddleware settled on, never a header axes would read on its own.
AXES_CLIENT_IP_CALLABLE = "core.middleware.client_ip"
AXES_VERBOSE = False  # no start-up banner on every manage.py command; lockouts are still logged
