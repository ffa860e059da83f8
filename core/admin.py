"""Admin building blocks every app uses (read-only and scoped admins), and the working calendar's
overrides: next year's statutory schedule (节假日安排)."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.utils.translation import gettext_lazy as _

from .models import CalendarDay, may_manage_calendar


class NoWritesMixin:
    """Rows written only by the services: listed and opened in the admin, never changed there."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(NoWritesMixin, admin.ModelAdmin):
    pass


class ScopedAdmin(admin.ModelAdmin):
    """An admin that shows only what the user may see in the app, and 404s on the rest.

    Scoping is the model's `visible_to(user)`, the same rule as views and API; the group
    administrator's scope is unrestricted. Foreign-key choices are scoped the same way.
    Writes go through services: their ValidationError comes back as a message on the form page.
    """

    def scope_queryset(self, request, queryset):
        return queryset.visible_to(request.user)

    def get_queryset(self, request):
        return self.scope_queryset(request, super().get_queryset(request))

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            # Out of scope and missing look the same: a 404, never "perhaps it was deleted".
            raise Http404(_("No such record."))
        return obj

    def _scoped_choices(self, request, model):
        queryset = model._default_manager.all()
        return queryset.visible_to(request.user) if hasattr(queryset, "visible_to") else queryset

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "queryset" not in kwargs:
            kwargs["queryset"] = self._scoped_choices(request, db_field.related_model)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "queryset" not in kwargs:
            kwargs["queryset"] = self._scoped_choices(request, db_field.related_model)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    @staticmethod
    def stored(obj):
        """The row as stored: the admin's form has already written its values onto `obj`."""
        return type(obj)._default_manager.get(pk=obj.pk)

    @staticmethod
    def adopt(obj, saved) -> None:
        """Make the admin's `obj` the instance the service saved (pk, derived fields, version)."""
        obj.__dict__.update(saved.__dict__)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as error:
            # The service refused (stale version, duplicate, rule); the transaction rolled back.
            for message in error.messages:
                messages.error(request, message)
            return HttpResponseRedirect(request.get_full_path())


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
        return may_manage_calendar(request.user)

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
