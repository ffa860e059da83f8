"""Production settings fail loudly when a secret is missing or public; the laptop needs DEBUG=1 only.

Each test loads the settings in a fresh interpreter with a bare environment (no DEBUG from pytest).
"""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PRINT_SETTINGS = (
    "import django, json; django.setup(); from django.conf import settings as s; print(json.dumps({"
    "'DEBUG': s.DEBUG, 'SECURE_SSL_REDIRECT': s.SECURE_SSL_REDIRECT, 'SECURE_HSTS_SECONDS': s.SECURE_HSTS_SECONDS,"
    "'SESSION_COOKIE_SECURE': s.SESSION_COOKIE_SECURE, 'CSRF_COOKIE_SECURE': s.CSRF_COOKIE_SECURE,"
    "'SECURE_PROXY_SSL_HEADER': s.SECURE_PROXY_SSL_HEADER}))"
)
# What a deployment sets: long random secrets of its own.
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "FIELD_ENCRYPTION_SALT": secrets.token_urlsafe(16),
    "PII_HASH_KEY": secrets.token_urlsafe(32),
    "ALLOWED_HOSTS": "crm.example.com",
}
DEV_SECRET_KEY = "dev-only-insecure-key-change-me"
DEV_SALT = "crm-field-encryption-dev-salt"

no_dotenv = pytest.mark.skipif((ROOT / ".env").exists(), reason="a local .env may supply the secrets")


def _run(args: list[str], **env: str) -> subprocess.CompletedProcess:
    """`args` under a bare environment: only what a shell needs, plus `env`."""
    bare = {key: os.environ[key] for key in ("PATH", "HOME", "LANG", "SYSTEMROOT") if key in os.environ}
    bare.update({"DJANGO_SETTINGS_MODULE": "crm.settings", **env})
    return subprocess.run(args, cwd=ROOT, env=bare, capture_output=True, text=True, timeout=120)


def _load_settings(**env: str) -> subprocess.CompletedProcess:
    return _run([sys.executable, "-c", PRINT_SETTINGS], **env)


def _loaded(**env: str) -> dict:
    result = _load_settings(**env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@no_dotenv
@pytest.mark.parametrize("missing", ["SECRET_KEY", "FIELD_ENCRYPTION_SALT", "PII_HASH_KEY"])
def test_each_secret_is_required_when_debug_is_off(missing):
    env = {key: value for key, value in PRODUCTION.items() if key != missing}

    result = _load_settings(**env)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert f"{missing} must be set" in result.stderr


@no_dotenv
@pytest.mark.parametrize(
    ("name", "public_value"),
    [
        ("SECRET_KEY", DEV_SECRET_KEY),
        ("FIELD_ENCRYPTION_SALT", DEV_SALT),
        ("PII_HASH_KEY", DEV_SECRET_KEY),
        ("SECRET_KEY_FALLBACKS", DEV_SECRET_KEY),
        ("FIELD_ENCRYPTION_SALT", f"{PRODUCTION['FIELD_ENCRYPTION_SALT']},{DEV_SALT}"),
    ],
)
def test_finding_10_7_the_public_development_secrets_are_refused_when_debug_is_off(name, public_value):
    result = _load_settings(**{**PRODUCTION, name: public_value})

    assert result.returncode != 0
    assert f"{name} is the public development value" in result.stderr


@no_dotenv
def test_finding_10_7_debug_is_off_unless_set():
    production = {key: value for key, value in PRODUCTION.items() if key != "DEBUG"}

    assert _loaded(**production)["DEBUG"] is False


@no_dotenv
def test_finding_10_7_without_debug_the_secrets_are_required_even_on_a_laptop():
    result = _load_settings()

    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_settings_are_https_only_with_hsts_and_secure_cookies():
    loaded = _loaded(**PRODUCTION)

    assert loaded["DEBUG"] is False
    assert loaded["SECURE_SSL_REDIRECT"] is True
    assert loaded["SECURE_HSTS_SECONDS"] >= 365 * 24 * 60 * 60
    assert loaded["SESSION_COOKIE_SECURE"] is True and loaded["CSRF_COOKIE_SECURE"] is True
    # X-Forwarded-Proto is believed only with a proxy configured.
    assert loaded["SECURE_PROXY_SSL_HEADER"] is None
    behind_proxy = _loaded(**PRODUCTION, TRUSTED_PROXIES="172.30.71.10")
    assert behind_proxy["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]


def test_a_plain_http_trial_may_switch_https_off():
    loaded = _loaded(**PRODUCTION, SECURE_SSL_REDIRECT="0", SESSION_COOKIE_SECURE="0", CSRF_COOKIE_SECURE="0")

    assert loaded["SECURE_SSL_REDIRECT"] is False and loaded["SESSION_COOKIE_SECURE"] is False


def test_a_trusted_proxy_that_is_not_an_address_is_refused():
    result = _load_settings(**PRODUCTION, TRUSTED_PROXIES="nginx")

    assert result.returncode != 0
    assert "TRUSTED_PROXIES" in result.stderr


def test_finding_10_7_deploy_checks_pass_with_production_settings():
    result = _run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], **PRODUCTION)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNINGS" not in result.stdout + result.stderr


def test_laptop_defaults_need_no_secret_with_debug_on():
    loaded = _loaded(DEBUG="1")

    assert loaded["DEBUG"] is True
    assert loaded["SECURE_SSL_REDIRECT"] is False and loaded["SESSION_COOKIE_SECURE"] is False


EMAIL_FIELDS = (
    "EMAIL_BACKEND",
    "EMAIL_HOST",
    "EMAIL_PORT",
    "EMAIL_HOST_USER",
    "EMAIL_HOST_PASSWORD",
    "EMAIL_USE_TLS",
    "EMAIL_USE_SSL",
)
PRINT_EMAIL_SETTINGS = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    f"print(json.dumps({{name: getattr(s, name) for name in {EMAIL_FIELDS!r}}}))"
)


def _email_settings(**env: str) -> dict:
    result = _run([sys.executable, "-c", PRINT_EMAIL_SETTINGS], DEBUG="1", **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_mail_server_is_named_by_email_url():
    loaded = _email_settings(EMAIL_URL="smtp+tls://crm%40example.com:s3cret@smtp.example.com:587")
    assert loaded == {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "smtp.example.com",
        "EMAIL_PORT": 587,
        "EMAIL_HOST_USER": "crm@example.com",
        "EMAIL_HOST_PASSWORD": "s3cret",
        "EMAIL_USE_TLS": True,
        "EMAIL_USE_SSL": False,
    }


def test_or_by_email_host_and_its_companions():
    loaded = _email_settings(
        EMAIL_HOST="smtp.exmail.qq.com",
        EMAIL_PORT="465",
        EMAIL_HOST_USER="crm@example.com",
        EMAIL_HOST_PASSWORD="s3cret",
        EMAIL_USE_SSL="1",
    )
    assert loaded["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (loaded["EMAIL_HOST"], loaded["EMAIL_PORT"], loaded["EMAIL_USE_SSL"]) == (
        "smtp.exmail.qq.com",
        465,
        True,
    )


def test_without_a_mail_server_emails_go_to_the_console():
    assert _email_settings()["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"
