"""Handover in the admin: the inspection checklists, the rectification deadlines and the floor plans
are edited here; batches, handovers, appointments, inspections, defects, rectification orders and
alerts are read here and changed in the app, where every transition goes through delivery.services.

Scoped like the other apps' admins: a row outside the user's projects is not listed and is a 404.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.files.uploadedfile import UploadedFile
from django.db.models import Count
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from core import uploads
from core.admin import NoWritesMixin, ReadOnlyAdmin, ScopedAdmin
from core.audit.admin import AuditHistoryAdminMixin

from .models import (
    Appointment,
    AppointmentSlot,
    ChecklistItem,
    ChecklistTemplate,
    Defect,
    DefectAlert,
    DefectEvent,
    DefectPhoto,
    FloorPlan,
    Handover,
    HandoverBatch,
    Inspection,
    InspectionCheck,
    ReadinessItem,
    RectificationOrder,
    RectificationPolicy,
)


def _scoped_by(path: str):
    """A scope_queryset that filters on the project reached through `path` (e.g. "batch__project")."""

    def scope_queryset(self, request, queryset):
        scope = request.user.scope
        if scope.is_unrestricted:
            return queryset
        return queryset.filter(**{f"{path}_id__in": scope.project_ids})

    return scope_queryset


def _site_link(name: str, pk: int) -> str | None:
    try:
        return reverse(name, args=[pk])
    except NoReverseMatch:
        return None


# --- set-up: edited here ------------------------------------------------------------------------


class ChecklistItemInline(admin.TabularInline):
    model = ChecklistItem
    fields = ("position", "room_type", "area", "trade", "text")
    extra = 1
    ordering = ("position", "id")


@admin.register(ChecklistTemplate)
class ChecklistTemplateAdmin(admin.ModelAdmin):
    """The tablet's checklist. A line already answered at an inspection cannot be deleted (it is
    history): change its text or retire the whole checklist with "active" instead."""

    list_display = ("name", "is_active", "line_count", "updated_at")
    list_filter = ("is_active",)
    search_fields = ("name",)
    inlines = [ChecklistItemInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(line_count=Count("items"))

    @admin.display(description=_("lines"), ordering="line_count")
    def line_count(self, obj) -> int:
        return obj.line_count

    def has_delete_permission(self, request, obj=None):
        return False  # inspections keep their checklist (PROTECT); deactivate instead


@admin.register(RectificationPolicy)
class RectificationPolicyAdmin(admin.ModelAdmin):
    """How long each severity may take. A change applies to defects recorded (or rejected) afterwards."""

    list_display = (
        "severity",
        "working_days",
        "warning_percent",
        "escalation_2_after_hours",
        "escalation_3_after_hours",
    )
    list_editable = (
        "working_days",
        "warning_percent",
        "escalation_2_after_hours",
        "escalation_3_after_hours",
    )


class FloorPlanForm(forms.ModelForm):
    class Meta:
        model = FloorPlan
        fields = ("project", "layout", "image")

    def clean_image(self):
        image = self.cleaned_data["image"]
        if isinstance(image, UploadedFile):  # a new file; an unchanged one is the stored FieldFile
            return uploads.clean_image(image).file
        return image


@admin.register(FloorPlan)
class FloorPlanAdmin(ScopedAdmin):
    """户型图 per project and layout: defects are pinned on it on the tablet."""

    form = FloorPlanForm

    list_display = ("project", "layout", "image", "updated_at")
    list_filter = ("project",)
    search_fields = ("layout", "project__name")
    list_select_related = ("project",)
    fields = ("project", "layout", "image")


# --- read here, changed in the app ------------------------------------------------------------


class ReadOnlyInline(NoWritesMixin, admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False


class ReadinessItemInline(ReadOnlyInline):
    model = ReadinessItem
    fields = ("kind", "title", "owner", "status", "due_on", "done_at")


@admin.register(HandoverBatch)
class HandoverBatchAdmin(ReadOnlyAdmin, ScopedAdmin):
    list_display = ("name", "project", "phase", "starts_on", "ends_on", "site", "lead", "status")
    list_filter = ("status", "project")
    search_fields = ("name", "site")
    date_hierarchy = "starts_on"
    list_select_related = ("project", "phase", "phase__project", "lead")
    inlines = [ReadinessItemInline]


@admin.register(ReadinessItem)
class ReadinessItemAdmin(ReadOnlyAdmin, ScopedAdmin):
    list_display = ("title", "batch", "kind", "owner", "status", "due_on", "done_at")
    list_filter = ("status", "kind")
    search_fields = ("title", "batch__name")
    list_select_related = ("batch", "owner")
    scope_queryset = _scoped_by("batch__project")


@admin.register(Handover)
class HandoverAdmin(ReadOnlyAdmin, ScopedAdmin):
    list_display = ("unit_code", "project", "batch", "status", "signed_at", "handed_over_by", "override_by")
    list_filter = ("status", "project")
    search_fields = ("unit__code", "batch__name")
    list_select_related = ("unit", "project", "batch", "handed_over_by", "override_by")
    show_full_result_count = False
    # The booking token is the owner's credential; the signature and name are on the handover page.
    exclude = ("signature", "signed_by_name")

    @admin.display(description=_("unit"), ordering="unit__code")
    def unit_code(self, obj) -> str:
        return obj.unit.code

    def view_on_site(self, obj):
        return _site_link("delivery:handover-detail", obj.pk)


@admin.register(AppointmentSlot)
class AppointmentSlotAdmin(ReadOnlyAdmin, ScopedAdmin):
    list_display = ("batch", "date", "starts_at", "ends_at", "capacity")
    list_filter = ("date",)
    list_select_related = ("batch",)
    scope_queryset = _scoped_by("batch__project")


@admin.register(Appointment)
class AppointmentAdmin(ReadOnlyAdmin, ScopedAdmin):
    list_display = ("handover", "slot", "status", "channel", "queue_number", "checked_in_at", "done_at")
    list_filter = ("status", "channel")
    search_fields = ("handover__unit__code",)
    list_select_related = ("handover", "slot")
    exclude = ("customer",)  # personal data lives on the customer page, masked
    scope_queryset = _scoped_by("handover__project")


class InspectionCheckInline(ReadOnlyInline):
    model = InspectionCheck
    fields = ("item", "result", "updated_at")
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("item")


@admin.register(Inspection)
class InspectionAdmin(ReadOnlyAdmin, ScopedAdmin):
    list_display = ("handover", "kind", "status", "inspector", "template", "started_at", "completed_at")
    list_filter = ("kind", "status")
    search_fields = ("handover__unit__code",)
    date_hierarchy = "started_at"
    list_select_related = ("handover", "inspector", "template")
    inlines = [InspectionCheckInline]
    scope_queryset = _scoped_by("handover__project")

    def view_on_site(self, obj):
        return _site_link("delivery:inspection", obj.pk)


class DefectPhotoInline(ReadOnlyInline):
    model = DefectPhoto
    fields = ("image", "stage", "content_type", "size", "uploaded_by", "uploaded_at")
    readonly_fields = fields


class DefectEventInline(ReadOnlyInline):
    model = DefectEvent
    fields = ("created_at", "kind", "actor", "note")
    readonly_fields = fields


@admin.register(Defect)
class DefectAdmin(AuditHistoryAdminMixin, ReadOnlyAdmin, ScopedAdmin):
    list_display = (
        "number",
        "unit",
        "room",
        "trade",
        "severity",
        "status",
        "contractor",
        "due_at",
        "escalation_level",
    )
    list_filter = ("status", "severity", "trade", "room", "escalation_level", "project")
    search_fields = ("number", "unit__code", "description")
    date_hierarchy = "found_at"
    list_select_related = ("unit", "unit__project", "contractor")
    show_full_result_count = False
    inlines = [DefectPhotoInline, DefectEventInline]

    def view_on_site(self, obj):
        return _site_link("delivery:defect-detail", obj.pk)


@admin.register(RectificationOrder)
class RectificationOrderAdmin(ReadOnlyAdmin, ScopedAdmin):
    list_display = ("__str__", "project", "contractor", "status", "issued_by", "due_at", "completed_at")
    list_filter = ("status", "contractor", "project")
    search_fields = ("number",)
    list_select_related = ("project", "contractor", "issued_by")


@admin.register(DefectAlert)
class DefectAlertAdmin(ReadOnlyAdmin, ScopedAdmin):
    list_display = ("fired_at", "defect", "round", "level", "due_at")
    list_filter = ("level",)
    search_fields = ("defect__number",)
    date_hierarchy = "fired_at"
    list_select_related = ("defect",)

    def scope_queryset(self, request, queryset):
        return queryset.filter(defect__in=Defect.objects.visible_to(request.user).values("pk"))
