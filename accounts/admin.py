"""Staff and contractors in the admin (the scoped admin bases live in core.admin)."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from .api_tokens import api_tokens_revoke
from .models import ApiToken, Contractor, User
from .services import staff_deactivate_departed, staff_set_role
from .two_factor import two_factor_reset


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
        "two_factor_enabled",
    )
    list_filter = (
        "role",
        "is_active",
        "is_staff",
        "two_factor_enabled",
        "city_companies",
        "employment_ends_on",
    )
    search_fields = ("username", "display_name", "first_name", "last_name", "email")
    ordering = ("username",)
    filter_horizontal = ("city_companies", "projects", "groups", "user_permissions")
    readonly_fields = ("deactivated_at", "last_login", "date_joined", "two_factor_enabled")
    actions = ["deactivate_departed", "reset_two_factor"]
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
        (_("Logging in"), {"fields": ("two_factor_enabled",)}),
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

    @admin.action(
        description=_("Reset two-factor login (a lost phone): the next login asks only for the password"),
        permissions=["change"],
    )
    def reset_two_factor(self, request, queryset):
        count = two_factor_reset(users=queryset)
        self.message_user(
            request,
            _("Two-factor login reset for %(count)d account(s).") % {"count": count},
            messages.SUCCESS,
        )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Every staff member's API tokens: read, and revoked (a leaked key, a finished integration). Keys
    are made only by their owner on "My API tokens"; the table holds none, only their digests."""

    list_display = ("name", "user", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at")
    list_filter = (("revoked_at", admin.EmptyFieldListFilter), "expires_at", "user__role")
    search_fields = ("name", "prefix", "user__username", "user__display_name")
    list_select_related = ("user",)
    readonly_fields = (
        "user",
        "name",
        "prefix",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
        "revoked_by",
    )
    fields = readonly_fields
    actions = ["revoke"]
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # revoked, not deleted: the row says who revoked it and when

    @admin.action(description=_("Revoke the selected tokens"), permissions=["change"])
    def revoke(self, request, queryset):
        count = api_tokens_revoke(tokens=queryset, by=request.user)
        self.message_user(request, _("%(count)d token(s) revoked.") % {"count": count}, messages.SUCCESS)


@admin.register(Contractor)
class ContractorAdmin(admin.ModelAdmin):
    """The companies and the projects each is engaged on: work goes only there, and a contractor user
    sees it only in the projects assigned to them (Staff → projects)."""

    list_display = ("name", "trade", "contact_phone", "is_active")
    list_filter = ("is_active", "projects__city_company")
    search_fields = ("name", "trade")
    filter_horizontal = ("projects",)
