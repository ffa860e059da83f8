"""Typed reads of environment settings that refuse a bad value at start-up with a clear message."""

from __future__ import annotations

import datetime

import environ
from django.core.exceptions import ImproperlyConfigured


def clock_time(env: environ.Env, name: str, default: str) -> datetime.time:
    """A time of day such as 09:00."""
    value = env.str(name, default=default)
    try:
        return datetime.time.fromisoformat(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a time of day such as 09:00, not {value!r}.") from None


def json_setting(env: environ.Env, name: str) -> dict:
    """A JSON object, {} when unset."""
    try:
        return env.json(name, default={})
    except ValueError as error:  # json's decode error
        raise ImproperlyConfigured(f"{name} must be JSON: {error}") from None
