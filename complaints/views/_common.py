"""Shared by the staff pages: the role check, choice labels, and the board's ticked rows and way back."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.translation import gettext as _

from .. import services


def _require(user, action: str) -> None:
    if not services.may(user, action):
        raise PermissionDenied(_("Your role may not do this."))


def _labels(choices) -> dict[str, str]:
    return {value: str(label) for value, label in choices}


MAX_SELECTED = 200  # complaint ids taken from the board's ticks (a page holds PAGE_SIZE)


def _complaint_ids(values) -> list[str]:
    """The ids among `values` (the board's ticked rows, or `?from=` in a link), at most MAX_SELECTED."""
    return [value for value in values if value.isdigit()][:MAX_SELECTED]


def _board_url(request) -> str:
    back = request.POST.get("next", "")
    return reverse("complaints:board") + (f"?{back}" if back and "\n" not in back else "")
