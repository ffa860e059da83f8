"""What the planning API shares: the role permission, a colleague by id, id filters, versions."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers

from accounts.models import User
from core.api import IF_MATCH, MAX_ID, VERSIONED_RESPONSES

from ...services import planning as services


class PlanningPermission(permissions.BasePermission):
    """Only the handover roles read; a write needs the role its action names in `action_roles`.

    On a detail action the role is checked after the object is found, so a row outside the
    scope answers 404 whatever the role.
    """

    message = _("Your role may not do this.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated and services.may(user, "read")):
            return False
        if request.method in permissions.SAFE_METHODS or getattr(view, "detail", False):
            return True
        if getattr(view, "action", None) is None:
            return True  # a method the endpoint does not have: let it answer 405
        return self._may(user, view)

    def has_object_permission(self, request, view, obj) -> bool:
        return request.method in permissions.SAFE_METHODS or self._may(request.user, view)

    @staticmethod
    def _may(user, view) -> bool:
        needed = getattr(view, "action_roles", {}).get(getattr(view, "action", None))
        return needed is not None and services.may(user, needed)


class StaffField(serializers.PrimaryKeyRelatedField):
    """A colleague by id; whether they work on the project is the service's check."""

    def __init__(self, **kwargs):
        kwargs.setdefault("queryset", User.objects.filter(is_active=True))
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, int) and not isinstance(data, bool) and not 0 < data <= MAX_ID:
            self.fail("does_not_exist", pk_value=data)
        if isinstance(data, str) and data.isdigit() and int(data) > MAX_ID:
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(data)


def _id_filter(field_name: str, label) -> filters.NumberFilter:
    return filters.NumberFilter(field_name=field_name, min_value=1, max_value=MAX_ID, label=label)


class VersionSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=2**31 - 1,
        write_only=True,
        help_text=_("The version acted on (or an If-Match header)."),
    )


def _versioned_schema(summary, request, response, status_code=200):
    return extend_schema(
        summary=summary,
        request=request,
        parameters=[IF_MATCH],
        responses={status_code: response, **VERSIONED_RESPONSES},
    )
