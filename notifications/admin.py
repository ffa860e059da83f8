"""In-app notifications in the admin: read-only (written by the complaint services and the SLA sweep)."""

from django.contrib import admin

from core.admin import ReadOnlyAdmin

from .models import Notification


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "recipient", "kind", "title", "read_at")
    list_filter = ("kind", "read_at")
    search_fields = ("title", "recipient__username", "recipient__display_name")
    date_hierarchy = "created_at"
    list_select_related = ("recipient",)
    show_full_result_count = False

    def get_queryset(self, request):
        notifications = super().get_queryset(request)
        if request.user.scope.is_unrestricted:
            return notifications
        return notifications.filter(recipient=request.user)  # a bell is personal
