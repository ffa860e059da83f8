"""The bell in the top bar: the user's unread notifications, one COUNT query, only when a page shows it."""

from __future__ import annotations

from django.utils.functional import SimpleLazyObject

from .models import Notification


def unread_notifications(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # Lazy: htmx fragments that never render the bar cost no query.
    return {
        "unread_notifications": SimpleLazyObject(
            lambda: Notification.objects.filter(recipient=user).unread().count()
        )
    }
