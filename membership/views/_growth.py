"""Shared by the growth pages: the role checks."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from ..permissions import may_run_club, may_serve_members, may_view_club


def require_view(user) -> None:
    if not may_view_club(user):
        raise PermissionDenied(_("Your role may not see the club."))


def require_serve(user) -> None:
    if not may_serve_members(user):
        raise PermissionDenied(_("Your role may not serve club members."))


def require_run(user) -> None:
    if not may_run_club(user):
        raise PermissionDenied(_("Your role may not organise the club."))
