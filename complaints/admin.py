"""Complaints in the admin: the category tree and SLA policies are edited here; complaints, work
orders, group cases, improvement items, SLA and work-order alerts are read here and changed in the
app, where every transition goes through complaints.services (status, clock, timeline, notifications).
"""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin import ReadOnlyAdmin, ScopedAdmin
from core.audit.admin import AuditHistoryAdminMixin

from .models import (
    Category,
    Complaint,
    GroupCase,
    ImprovementItem,
    SlaAlert,
    SlaPolicy,
    WorkOrder,
    WorkOrderAlert,
)


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("__str__", "parent", "code", "name", "default_department", "sort_order", "is_active")
    list_editable = ("default_department", "sort_order", "is_active")
    list_filter = ("parent", "default_department", "is_active")
    search_fields = ("code", "name")
    list_select_related = ("parent",)
    fields = ("parent", "code", "name", "default_department", "work_order_hours", "sort_order", "is_active")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "parent":
            # The tree has two levels: a parent is a top-level category.
            kwargs["queryset"] = Category.objects.filter(parent__isnull=True)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_delete_permission(self, request, obj=None):
        return False  # complaints keep their category (PROTECT); retire one with "active" instead


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    """ModelAdmin validates with full_clean(): field validators and the check constraints (targets in order)."""

    list_display = (
        "name",
        "complaint_type",
        "category",
        "severity",
        "first_response_minutes",
        "plan_minutes",
        "resolution_minutes",
        "time_basis",
        "warning_percent",
        "escalation_2_after_minutes",
        "escalation_3_after_minutes",
        "is_active",
    )
    list_filter = ("is_active", "time_basis", "complaint_type", "severity")
    search_fields = ("name",)
    list_select_related = ("category", "category__parent")
    fieldsets = (
        (None, {"fields": ("name", "is_active")}),
        (_("Applies to"), {"fields": ("complaint_type", "category", "severity")}),
        (
            _("Targets"),
            {"fields": ("first_response_minutes", "plan_minutes", "resolution_minutes", "time_basis")},
        ),
        (
            _("Warning and escalation"),
            {"fields": ("warning_percent", "escalation_2_after_minutes", "escalation_3_after_minutes")},
        ),
    )

    def has_delete_permission(self, request, obj=None):
        return False  # complaints point at their policy (PROTECT); deactivate instead


@admin.register(Complaint)
class ComplaintAdmin(AuditHistoryAdminMixin, ReadOnlyAdmin, ScopedAdmin):
    list_display = (
        "number",
        "title",
        "status",
        "severity",
        "complaint_type",
        "project",
        "received_at",
        "first_response_due_at",
        "plan_due_at",
        "resolution_due_at",
        "escalation_level",
    )
    list_filter = ("status", "severity", "complaint_type", "channel", "escalation_level", "project")
    search_fields = ("number", "title")
    date_hierarchy = "received_at"
    list_select_related = ("project",)
    show_full_result_count = False  # no COUNT(*) over the whole table on every page
    exclude = ("customer",)  # personal data lives on the customer page, masked

    def view_on_site(self, obj):
        from django.urls import reverse

        return reverse("complaints:detail", args=[obj.pk])


@admin.register(GroupCase)
class GroupCaseAdmin(ReadOnlyAdmin, ScopedAdmin):
    list_display = (
        "number", "title", "project", "building", "category", "status", "is_crisis", "owner", "created_at",
    )  # fmt: skip
    list_filter = ("status", "is_crisis", "project")
    search_fields = ("number", "title")
    list_select_related = ("project", "building", "category", "category__parent", "owner")

    def scope_queryset(self, request, queryset):
        scope = request.user.scope
        return queryset if scope.is_unrestricted else queryset.filter(project_id__in=scope.project_ids)


@admin.register(ImprovementItem)
class ImprovementItemAdmin(ReadOnlyAdmin, ScopedAdmin):
    list_display = ("title", "department", "root_cause", "project", "status", "owner", "due_on", "done_at")
    list_filter = ("status", "department", "root_cause")
    search_fields = ("title",)
    list_select_related = ("project", "owner")

    def scope_queryset(self, request, queryset):
        scope = request.user.scope
        if scope.is_unrestricted:
            return queryset
        # Cross-project items (no project) belong to the group.
        return queryset.filter(project_id__in=scope.project_ids)


@admin.register(WorkOrder)
class WorkOrderAdmin(ReadOnlyAdmin, ScopedAdmin):
    list_display = (
        "number", "complaint", "department", "contractor", "assignee", "status", "due_at", "escalation_level",
    )  # fmt: skip
    list_filter = ("status", "department", "contractor")
    search_fields = ("number", "complaint__number")
    list_select_related = ("complaint", "contractor", "assignee")


@admin.register(WorkOrderAlert)
class WorkOrderAlertAdmin(ReadOnlyAdmin, ScopedAdmin):
    list_display = ("fired_at", "work_order", "level", "due_at")
    list_filter = ("level",)
    search_fields = ("work_order__number",)
    date_hierarchy = "fired_at"
    list_select_related = ("work_order",)

    def scope_queryset(self, request, queryset):
        return queryset.filter(work_order__in=WorkOrder.objects.visible_to(request.user).values("pk"))


@admin.register(SlaAlert)
class SlaAlertAdmin(ReadOnlyAdmin, ScopedAdmin):
    list_display = ("fired_at", "complaint", "target", "round", "level", "due_at")
    list_filter = ("target", "level")
    search_fields = ("complaint__number",)
    date_hierarchy = "fired_at"
    list_select_related = ("complaint",)

    def scope_queryset(self, request, queryset):
        return queryset.filter(complaint__in=Complaint.objects.visible_to(request.user).values("pk"))
