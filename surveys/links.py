"""The owner's links in a survey message: the answer page and the opt-out page (public, no login)."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse


def answer_url(invitation) -> str:
    """SITE_URL + /s/<token>/ (survey_public:answer)."""
    return settings.SITE_URL + reverse("survey_public:answer", args=[invitation.token])


def opt_out_url(invitation) -> str:
    """SITE_URL + /s/<token>/opt-out/ (survey_public:opt_out)."""
    return settings.SITE_URL + reverse("survey_public:opt_out", args=[invitation.token])
