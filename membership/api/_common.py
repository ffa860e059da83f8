"""What every club endpoint shares: who may read and write, and a member as other rows show it."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import permissions, serializers

from core.masking import mask_phone

from ..permissions import may_serve_members, may_view_club


class ClubPermission(permissions.BasePermission):
    """Reads: the roles viewing the club. Writes (every POST, PATCH): the roles serving members; the
    services refuse what needs more (organising events: may_run_club) with a 403 of their own."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated and may_view_club(user)):
            self.message = _("Your role may not see the club.")
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        self.message = _("Your role may only read the club.")
        return may_serve_members(user)


@extend_schema_field({"type": "string", "example": "138****5678"})
class MaskedPhoneField(serializers.Field):
    """A mobile number as staff see it in the API: masked, always."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        kwargs.setdefault("help_text", _("Masked, e.g. 138****5678."))
        super().__init__(**kwargs)

    def to_representation(self, value):
        return mask_phone(value or "")


class MemberRefSerializer(serializers.Serializer):
    """The member a row belongs to: number and name, no phone."""

    id = serializers.IntegerField(read_only=True)
    number = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True)
