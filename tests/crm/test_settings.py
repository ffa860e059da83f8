"""Production settings fail loudly when a secret is missing; the laptop defaults need none."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LOAD_SETTINGS = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"


def _load_settings(**env: str) -> subprocess.CompletedProcess:
    clean = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DEBUG", "SECRET_KEY", "FIELD_ENCRYPTION_SALT", "PII_HASH_KEY"}
    }
    clean.update({"DJANGO_SETTINGS_MODULE": "crm.settings", **env})
    return subprocess.run(
        [sys.executable, "-c", LOAD_SETTINGS], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60
    )


@pytest.mark.skipif((ROOT / ".env").exists(), reason="a local .env may supply SECRET_KEY")
def test_secret_key_is_required_when_debug_is_off():
    result = _load_settings(DEBUG="0", FIELD_ENCRYPTION_SALT="salt")

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr


@pytest.mark.skipif((ROOT / ".env").exists(), reason="a local .env may supply FIELD_ENCRYPTION_SALT")
def test_field_encryption_salt_is_required_when_debug_is_off():
    result = _load_settings(DEBUG="0", SECRET_KEY="s3cr3t-for-the-test")

    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_SALT" in result.stderr


def test_production_settings_load_when_the_secrets_are_given():
    result = _load_settings(DEBUG="0", SECRET_KEY="s3cr3t-for-the-test", FIELD_ENCRYPTION_SALT="salt")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_laptop_defaults_need_no_secret():
    result = _load_settings()

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"
