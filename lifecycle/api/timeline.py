"""GET /api/v1/customers/{id}/timeline/: the owner timeline, newest first, cursor-paged on
(time, kind, id); `?kind=` (repeatable) keeps only those kinds. Scoped through
Customer.objects.visible_to (404 outside it); `link` is the entry's page when the caller may see it."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api_input import QuerySerializer
from core.paging import BrokenCursor
from customers.models import Customer

from ..timeline import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Position, customer_timeline, timeline_kinds


class SeesCustomers(permissions.BasePermission):
    message = _("Your role may not see customer data.")

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.may_see_customers())


class TimelineQuerySerializer(QuerySerializer):
    cursor = serializers.CharField(required=False, max_length=200)
    kind = serializers.ListField(child=serializers.CharField(max_length=40), required=False)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=MAX_PAGE_SIZE)

    def validate_cursor(self, value: str) -> Position:
        try:
            return Position.decode(value)
        except BrokenCursor:
            raise serializers.ValidationError(
                _("This cursor is broken: follow the `next` link, or start again without `cursor`.")
            ) from None

    def validate_kind(self, value: list[str]) -> list[str]:
        known = {kind for kind, _label in timeline_kinds()}
        unknown = sorted(set(value) - known)
        if unknown:
            raise serializers.ValidationError(
                _("Unknown kind: %(kinds)s. Known: %(known)s.")
                % {"kinds": ", ".join(unknown), "known": ", ".join(sorted(known))}
            )
        return value


class TimelineEntrySerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    id = serializers.IntegerField()
    title = serializers.CharField()
    detail = serializers.CharField()
    link = serializers.CharField(
        allow_null=True, help_text=_("The entry's page, when the caller may see it.")
    )


TimelinePageSerializer = inline_serializer(
    name="CustomerTimelinePage",
    fields={
        "next": serializers.URLField(allow_null=True),
        "results": TimelineEntrySerializer(many=True),
    },
)


class CustomerTimelineView(APIView):
    permission_classes = [SeesCustomers]

    @extend_schema(
        operation_id="customers_timeline",
        tags=["customers"],
        parameters=[
            OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH),
            OpenApiParameter("cursor", OpenApiTypes.STR, description="The `next` link's cursor."),
            OpenApiParameter("kind", OpenApiTypes.STR, many=True, description="Only these kinds."),
            OpenApiParameter("page_size", OpenApiTypes.INT, description=f"1–{MAX_PAGE_SIZE}."),
        ],
        responses={200: TimelinePageSerializer},
    )
    def get(self, request, pk: int):
        customer = get_object_or_404(Customer.objects.visible_to(request.user).only("pk"), pk=pk)
        params = request.query_params.copy()
        params.setlist("kind", [kind for kind in params.getlist("kind") if kind])
        query = TimelineQuerySerializer(data=params)
        if not query.is_valid():
            raise exceptions.ValidationError(query.errors)
        kinds = query.validated_data.get("kind") or None
        size = query.validated_data.get("page_size", DEFAULT_PAGE_SIZE)
        page = customer_timeline(
            customer, user=request.user, kinds=kinds, before=query.validated_data.get("cursor"), limit=size
        )
        labels = dict(timeline_kinds())
        results = [
            {
                "at": entry.at,
                "kind": entry.kind,
                "kind_label": str(labels.get(entry.kind, entry.kind)),
                "id": entry.id,
                "title": entry.title,
                "detail": entry.detail,
                "link": request.build_absolute_uri(entry.url) if entry.url else None,
            }
            for entry in page.entries
        ]
        next_url = None
        if page.next_cursor:
            params = [("kind", kind) for kind in kinds or ()] + [("cursor", page.next_cursor)]
            if "page_size" in query.validated_data:
                params.append(("page_size", size))
            next_url = request.build_absolute_uri(f"{request.path}?{urlencode(params)}")
        return Response({"next": next_url, "results": TimelineEntrySerializer(results, many=True).data})
