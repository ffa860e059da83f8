"""The working calendar's overrides in the admin: next year's statutory schedule (节假日安排)."""

from django.contrib import admin

from .models import ROLES_MANAGING_CALENDAR, CalendarDay


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ("date", "weekday", "kind", "name", "created_by")
    list_filter = ("kind",)
    search_fields = ("name",)
    date_hierarchy = "date"
    fields = ("date", "kind", "name", "created_by", "created_at", "updated_at")
    readonly_fields = ("created_by", "created_at", "updated_at")
    list_select_related = ("created_by",)

    @admin.display(description=CalendarDay._meta.get_field("date").verbose_name)
    def weekday(self, obj: CalendarDay) -> str:
        return obj.date.strftime("%a")

    def _may_manage(self, request) -> bool:
        user = request.user
        return user.is_active and (user.is_superuser or user.role in ROLES_MANAGING_CALENDAR)

    def has_module_permission(self, request):
        return self._may_manage(request)

    def has_view_permission(self, request, obj=None):
        return self._may_manage(request)

    def has_add_permission(self, request):
        return self._may_manage(request)

    def has_change_permission(self, request, obj=None):
        return self._may_manage(request)

    def has_delete_permission(self, request, obj=None):
        return self._may_manage(request)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
