"""Helpers for the REST API tests."""

import datetime

from django.utils import timezone
from rest_framework.test import APIClient

from accounts.api_tokens import api_token_issue


def client_for(user) -> APIClient:
    """A client that authenticates with a token: the user (and its scope) is reloaded per request.

    The token is marked used just now, so that the first request does not write `last_used_at` (a
    query-count test measures the request's own reads), and lives long enough for any clock a test
    moves to."""
    issued = api_token_issue(
        user=user, name="tests", expires_at=timezone.now() + datetime.timedelta(days=3650)
    )
    issued.token.last_used_at = timezone.now()
    issued.token.save(update_fields=["last_used_at"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {issued.key}")
    return client
