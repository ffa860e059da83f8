"""The club's service errors that more than one service raises."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class ConcurrentEditError(ValidationError):
    """Someone else saved the member after this page loaded it (its `version` moved on)."""

    def __init__(self) -> None:
        super().__init__(
            _(
                "Someone else changed this member after you opened the page. Reload to see it, then try again."
            ),
            code="conflict",
        )
