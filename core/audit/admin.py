"""The trail in the admin: django-auditlog's log entry list limited to the records the user may see,
and a mixin that makes a model admin's "History" button show the record's trail."""

from __future__ import annotations

from auditlog.admin import LogEntryAdmin
from auditlog.mixins import AuditlogHistoryAdminMixin
from auditlog.models import LogEntry
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q

from .registry import audited_models


def entries_visible_to(user, queryset):
    """Entries of records the user may see (and whose trail their role may read)."""
    if user.scope.is_unrestricted:
        return queryset
    allowed = Q(pk__in=[])
    for config in audited_models():
        if config.may_view is not None and not config.may_view(user):
            continue
        content_type = ContentType.objects.get_for_model(config.model)
        allowed |= Q(content_type=content_type, object_id__in=config.visible_to(user).values("pk"))
    return queryset.filter(allowed)


class ScopedLogEntryAdmin(LogEntryAdmin):
    def get_queryset(self, request):
        return entries_visible_to(request.user, super().get_queryset(request))


class AuditHistoryAdminMixin(AuditlogHistoryAdminMixin):
    """The change form's "History" button opens the record's audit trail (django-auditlog's page)."""

    def history_view(self, request, object_id, extra_context=None):
        return self.auditlog_history_view(request, object_id, extra_context)


if admin.site.is_registered(LogEntry):
    admin.site.unregister(LogEntry)
admin.site.register(LogEntry, ScopedLogEntryAdmin)
