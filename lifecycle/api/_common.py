"""What the registers' endpoints share: who may read, and the versioned write responses."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers, status
from rest_framework.response import Response

from core.api import IF_MATCH, VERSIONED_RESPONSES

from ..permissions import may_view_registers


class MayViewRegisters(permissions.BasePermission):
    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and may_view_registers(request.user))


class VersionSerializer(serializers.Serializer):
    version = serializers.IntegerField(required=False, min_value=1)


def created(serializer_class, instance, view) -> Response:
    return view.with_etag(Response(serializer_class(instance).data, status=status.HTTP_201_CREATED), instance)


def write_schema(summary, request, response, *, versioned: bool = True, code: int = 200):
    errors = (400, 403, 404, 409, 428) if versioned else (400, 403)
    return extend_schema(
        summary=summary,
        request=request,
        parameters=[IF_MATCH] if versioned else None,
        responses={code: response, **{k: VERSIONED_RESPONSES[k] for k in errors}},
    )
