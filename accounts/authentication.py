"""The API's token authentication: `Authorization: Token <key>` with a key from "My API tokens"."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from .api_tokens import api_token_for_key, api_token_touch


class StaffTokenAuthentication(TokenAuthentication):
    """DRF's token header and 401, read from accounts.ApiToken: refuses a key unknown, revoked or
    expired (each with its own message), and staff whose employment has ended."""

    def authenticate_credentials(self, key):
        token = api_token_for_key(key)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        now = timezone.now()
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed(_("This API token has been revoked; create a new one."))
        if token.is_expired(now):
            raise exceptions.AuthenticationFailed(_("This API token has expired; create a new one."))
        user = token.user
        if not user.is_active or user.has_left():
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        api_token_touch(token=token, now=now)
        return user, token
