"""API tokens: made by their owner with a name and a life, revoked by the owner or an administrator.

The key is random (`secrets`, 256 bits) and shown once; the table keeps its SHA-256 digest, which is
what a request's key is looked up by. A request with an expired or revoked token is refused with a
message that says which (accounts.authentication). `last_used_at` is written at most once per
LAST_USED_EVERY, by a conditional UPDATE, so that an API client's burst writes the row once.
"""

from __future__ import annotations

import datetime
import hashlib
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import ApiToken, User

KEY_BYTES = 32
LAST_USED_EVERY = datetime.timedelta(minutes=1)
# The choices on the "My API tokens" page (days); API_TOKEN_MAX_DAYS cuts the longer ones off.
LIFETIME_DAYS = (7, 30, 90, 180, 365)


def token_digest(key: str) -> str:
    """What the table stores of a key: a digest of 256 random bits needs no salt or slow hash."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def may_administer_tokens(user: User) -> bool:
    """Revoke anyone's token: the admin's right to change API tokens (the group administrators)."""
    return user.is_active and user.has_perm("accounts.change_apitoken")


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    key: str  # the only time the key exists outside the caller's program


def api_token_create(*, user: User, name: str, days: int) -> IssuedToken:
    """A new token of `user`'s, valid for `days` (1 … API_TOKEN_MAX_DAYS)."""
    name = (name or "").strip()
    errors = {}
    if not name:
        errors["name"] = _("Give the token a name, such as the program that will use it.")
    if not 1 <= days <= settings.API_TOKEN_MAX_DAYS:
        errors["days"] = _("A token lives between 1 and %(max)d days.") % {"max": settings.API_TOKEN_MAX_DAYS}
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    return api_token_issue(user=user, name=name, expires_at=now + datetime.timedelta(days=days), now=now)


def api_token_issue(
    *, user: User, name: str, expires_at: datetime.datetime, now: datetime.datetime | None = None
) -> IssuedToken:
    """Make the key and its row (no checks: api_token_create's, or a test's or a command's own)."""
    key = secrets.token_urlsafe(KEY_BYTES)
    token = ApiToken.objects.create(
        user=user,
        name=name[:100],
        digest=token_digest(key),
        prefix=key[:8],
        created_at=now or timezone.now(),
        expires_at=expires_at,
    )
    return IssuedToken(token=token, key=key)


def api_token_revoke(*, token: ApiToken, by: User) -> ApiToken:
    """Revoke one token: its owner's or an administrator's act. Revoking twice keeps the first time."""
    if token.user_id != by.pk and not may_administer_tokens(by):
        raise PermissionDenied(_("You may revoke only your own API tokens."))
    api_tokens_revoke(tokens=ApiToken.objects.filter(pk=token.pk), by=by)
    token.refresh_from_db(fields=["revoked_at", "revoked_by"])
    return token


def api_tokens_revoke(*, tokens: QuerySet[ApiToken], by: User | None) -> int:
    """Revoke every token of `tokens` not yet revoked (one UPDATE); `by` None: the system did."""
    return tokens.filter(revoked_at__isnull=True).update(revoked_at=timezone.now(), revoked_by=by)


def api_token_for_key(key: str) -> ApiToken | None:
    """The token of a presented key, with its user (one query), whatever its state; None if unknown."""
    return ApiToken.objects.select_related("user").filter(digest=token_digest(key)).first()


def api_token_touch(*, token: ApiToken, now: datetime.datetime | None = None) -> bool:
    """Note the token's use, unless that was done less than LAST_USED_EVERY ago. True if written."""
    now = now or timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_EVERY:
        return False  # no query: the usual case for a busy client
    written = (
        ApiToken.objects.filter(pk=token.pk)
        .filter(Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - LAST_USED_EVERY))
        .update(last_used_at=now)
    )
    token.last_used_at = now
    return bool(written)


def user_api_tokens(user: User) -> QuerySet[ApiToken]:
    """The user's tokens, for their page (newest first, paged by id)."""
    return ApiToken.objects.filter(user=user).select_related("revoked_by")


def lifetime_choices() -> list[tuple[int, str]]:
    maximum = settings.API_TOKEN_MAX_DAYS
    days = [day for day in LIFETIME_DAYS if day <= maximum] or [maximum]
    return [(day, _("%(days)d days") % {"days": day}) for day in days]
