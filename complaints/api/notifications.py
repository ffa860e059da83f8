"""The bell in the API: the signed-in user's own notifications, and marking them read."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from notifications.models import Notification

from ..filters import NotificationFilter


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "link", "created_at", "read_at"]
        read_only_fields = fields


class MarkedSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text=_("How many notifications were marked read."))


@extend_schema_view(list=extend_schema(summary=_("My notifications, newest first")))
class NotificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The bell: the signed-in user's own notifications, nobody else's."""

    queryset = Notification.objects.none()  # for schema introspection; get_queryset() scopes
    serializer_class = NotificationSerializer
    filterset_class = NotificationFilter
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return Notification.objects.filter(recipient=self.request.user)

    # Marking read touches only the user's own rows and no business rule: a conditional UPDATE here.
    @extend_schema(
        summary=_("Mark one notification read"), request=None, responses={200: NotificationSerializer}
    )
    @action(detail=True, methods=["post"], url_path="mark-read")
    def mark_read(self, request, pk=None):
        notification = self.get_object()
        if notification.read_at is None:
            notification.read_at = timezone.now()
            Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(
                read_at=notification.read_at
            )
        return Response(NotificationSerializer(notification).data)

    @extend_schema(
        summary=_("Mark all my notifications read"), request=None, responses={200: MarkedSerializer}
    )
    @action(detail=False, methods=["post"], url_path="mark-all-read")
    def mark_all_read(self, request):
        marked = self.get_queryset().unread().update(read_at=timezone.now())
        return Response(MarkedSerializer({"marked": marked}).data)
