"""Shared by the complaint desk's API: role permissions, bounded references, the version of an action."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers

from accounts.models import User
from core.api import IF_MATCH, VERSIONED_RESPONSES

from .. import services


class ComplaintActionPermission(permissions.BasePermission):
    """Reads follow the scope; a write needs the role `services.may(user, action)` allows.

    The view maps its DRF actions to service actions in `action_roles`; `readers`, when set,
    limits who may read at all. On a detail action the role is checked after the object is
    found, so a row outside the scope answers 404 whatever the role.
    """

    message = _("Your role may not do this.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        readers = getattr(view, "readers", None)
        if readers is not None and user.role not in readers:
            return False
        if request.method in permissions.SAFE_METHODS or getattr(view, "detail", False):
            return True
        return self._may(user, view)

    def has_object_permission(self, request, view, obj) -> bool:
        return request.method in permissions.SAFE_METHODS or self._may(request.user, view)

    @staticmethod
    def _may(user, view) -> bool:
        needed = getattr(view, "action_roles", {}).get(getattr(view, "action", None))
        return needed is not None and services.may(user, needed)


def _active_staff():
    return User.objects.filter(is_active=True)


class VersionedActionSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=2**31 - 1,
        write_only=True,
        help_text=_("The version acted on (or an If-Match header)."),
    )


def action_schema(summary, request, response, status_code=200):
    """The schema of a versioned action: JSON or multipart in, `response` (or a version error) out."""
    return extend_schema(
        summary=summary,
        request={
            "application/json": request,
            "multipart/form-data": request,
        },
        parameters=[IF_MATCH],
        responses={status_code: response, **VERSIONED_RESPONSES},
    )
