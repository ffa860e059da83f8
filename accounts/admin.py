"""Staff and the personal-data access log in the admin; `ScopedAdmin`, the base of every scoped admin."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponseRedirect
from django.utils.translation import gettext_lazy as _

from customers.models import Customer

from .models import Contractor, PersonalDataAccess, User
from .services import staff_deactivate_departed, staff_set_role


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


def is_group_admin(user) -> bool:
    return user.scope.is_unrestricted


@admin.register(User)
class StaffAdmin(UserAdmin):
    list_display = (
        "username",
        "display_name",
        "role",
        "is_active",
        "is_staff",
        "employment_ends_on",
        "deactivated_at",
        "last_login",
    )
    list_filter = ("role", "is_active", "is_staff", "city_companies", "employment_ends_on")
    search_fields = ("username", "display_name", "first_name", "last_name", "email")
    ordering = ("username",)
    filter_horizontal = ("city_companies", "projects", "groups", "user_permissions")
    readonly_fields = ("deactivated_at", "last_login", "date_joined")
    actions = ["deactivate_departed"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("display_name", "first_name", "last_name", "email", "phone")}),
        (
            _("Role and data scope"),
            {"fields": ("role", "city_companies", "projects", "department", "contractor")},
        ),
        (_("Employment"), {"fields": ("is_active", "employment_ends_on", "deactivated_at")}),
        (
            _("Admin permissions"),
            {"classes": ("collapse",), "fields": ("is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "password1", "password2", "role", "city_companies", "projects"),
            },
        ),
    )

    def get_queryset(self, request):
        users = super().get_queryset(request)
        if is_group_admin(request.user):
            return users
        # Others see the staff who share one of their city companies or projects.
        scope = request.user.scope
        return users.filter(
            Q(city_companies__in=scope.city_company_ids) | Q(projects__in=scope.project_ids)
        ).distinct()

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404(_("No such record."))
        return obj

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)  # sets groups from the form first
        if not change or "role" in form.changed_data:
            # The role decides the admin group and staff flag: one rule, in the service.
            staff_set_role(user=form.instance, role=form.instance.role)

    @admin.action(description=_("Disable every account whose employment has ended"))
    def deactivate_departed(self, request, queryset):
        count = staff_deactivate_departed()
        self.message_user(request, _("%(count)d account(s) disabled.") % {"count": count}, messages.SUCCESS)


@admin.register(Contractor)
class ContractorAdmin(admin.ModelAdmin):
    """The companies and the projects each is engaged on: work goes only there, and a contractor user
    sees it only in the projects assigned to them (Staff → projects)."""

    list_display = ("name", "trade", "contact_phone", "is_active")
    list_filter = ("is_active", "projects__city_company")
    search_fields = ("name", "trade")
    filter_horizontal = ("projects",)


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(ReadOnlyAdmin):
    """The reveal log (PIPL): readable by those who may, written only by personal_data_reveal."""

    list_display = (
        "accessed_at",
        "user",
        "customer",
        "field",
        "reason_code",
        "reason",
        "channel",
        "ip_address",
        "burst_alert_sent",
    )
    list_filter = ("field", "reason_code", "channel", "burst_alert_sent", "accessed_at")
    search_fields = ("user__username", "user__display_name", "customer__name", "reason")
    list_select_related = ("user", "customer")
    date_hierarchy = "accessed_at"
    raw_id_fields = ("user", "customer")

    def get_queryset(self, request):
        log = super().get_queryset(request)
        if is_group_admin(request.user):
            return log
        return log.filter(customer__in=Customer.objects.visible_to(request.user).values("pk"))
