"""Each unit's handover and its inspections: checklists, ticked checks, floor plans and the sign-off."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from properties.models import ScopedByProjectQuerySet, TimeStampedModel

from .planning import HandoverBatch
from .rectification import Defect, RoomType, Trade


class InspectionArea(models.TextChoices):
    WALLS = "walls", _("Walls and ceiling")
    FLOORS = "floors", _("Floors")
    DOORS_WINDOWS = "doors_windows", _("Doors and windows")
    WATER = "water", _("Water and drainage")
    ELECTRICITY = "electricity", _("Electricity")
    GAS = "gas", _("Gas")
    FITTINGS = "fittings", _("Fittings and equipment")


class HandoverQuerySet(ScopedByProjectQuerySet):
    def visible_to(self, user) -> HandoverQuerySet:
        """The handovers of the user's projects. A handover carries the owner (name, signature):
        contractors and department staff, who see no customer pages, see none."""
        from accounts.models import Role

        if not user.is_active or user.role in (Role.CONTRACTOR, Role.DEPARTMENT_STAFF):
            return self.none()
        return super().visible_to(user)


class Handover(TimeStampedModel):
    """One unit's handover: its place in a batch, its inspections and defects, and the sign-off."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Not yet inspected")
        INSPECTING = "inspecting", _("Inspecting")
        RECTIFYING = "rectifying", _("Defects being fixed")
        READY = "ready", _("Ready for sign-off")
        HANDED_OVER = "handed_over", _("Handed over")

    batch = models.ForeignKey(
        HandoverBatch, on_delete=models.PROTECT, related_name="handovers", verbose_name=_("batch")
    )
    # Repeats unit.project so that scoping is one indexed column.
    project = models.ForeignKey(
        "properties.Project", on_delete=models.PROTECT, related_name="handovers", verbose_name=_("project")
    )
    unit = models.OneToOneField(
        "properties.Unit", on_delete=models.PROTECT, related_name="handover", verbose_name=_("unit")
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PENDING)
    # The owner's booking link: /handover/book/<token>/ (no login; the token is the credential).
    booking_token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)

    # Sign-off (交房): documents, meters, keys, the owner's signature.
    documents_handed = models.JSONField(
        _("documents handed"), default=list, blank=True, help_text=_("Codes of the documents handed over")
    )
    water_meter = models.DecimalField(
        _("water meter (m³)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    electricity_meter = models.DecimalField(
        _("electricity meter (kWh)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    gas_meter = models.DecimalField(
        _("gas meter (m³)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    keys_handed = models.PositiveSmallIntegerField(_("keys handed"), null=True, blank=True)
    signature = models.FileField(_("owner's signature"), upload_to="handover_signatures/%Y/%m/", blank=True)
    signed_by_name = models.CharField(_("signed by"), max_length=50, blank=True)
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    handed_over_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("handed over by"),
    )
    override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("override by"),
    )
    override_reason = models.TextField(_("override reason"), blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = HandoverQuerySet.as_manager()

    class Meta:
        ordering = ["batch", "unit__building__number", "unit__entrance", "unit__number"]
        verbose_name = _("unit handover")
        verbose_name_plural = _("unit handovers")
        indexes = [models.Index(fields=["batch", "status"], name="handover_batch_status")]

    def __str__(self) -> str:
        return str(self.unit_id)


class FloorPlanQuerySet(ScopedByProjectQuerySet):
    def visible_to(self, user) -> FloorPlanQuerySet:
        """The plans of the user's projects. A contractor sees where their defects are pinned: the plans
        of the projects of the defects they see; department staff, outside the handover desk, none."""
        from accounts.models import Role

        if not user.is_active or user.role == Role.DEPARTMENT_STAFF:
            return self.none()
        if user.role == Role.CONTRACTOR:
            return self.filter(project_id__in=Defect.objects.visible_to(user).values("project_id"))
        return super().visible_to(user)


class FloorPlan(TimeStampedModel):
    """户型图: a layout's floor plan image, on which a defect's location can be pinned."""

    project = models.ForeignKey(
        "properties.Project", on_delete=models.CASCADE, related_name="floor_plans", verbose_name=_("project")
    )
    layout = models.CharField(_("layout"), max_length=30, help_text=_("As on the unit, e.g. 3室2厅2卫"))
    image = models.FileField(_("image"), upload_to="floor_plans/%Y/")

    objects = FloorPlanQuerySet.as_manager()

    class Meta:
        ordering = ["project", "layout"]
        verbose_name = _("floor plan")
        verbose_name_plural = _("floor plans")
        constraints = [
            models.UniqueConstraint(fields=["project", "layout"], name="floor_plan_one_per_layout"),
        ]

    def __str__(self) -> str:
        return f"{self.project_id} {self.layout}"


class ChecklistTemplate(TimeStampedModel):
    """A checklist used on the tablet; administrators edit it in the admin."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("checklist template")
        verbose_name_plural = _("checklist templates")

    def __str__(self) -> str:
        return self.name


class ChecklistItem(models.Model):
    template = models.ForeignKey(
        ChecklistTemplate, on_delete=models.CASCADE, related_name="items", verbose_name=_("template")
    )
    room_type = models.CharField(_("room"), max_length=12, choices=RoomType.choices)
    area = models.CharField(_("area"), max_length=16, choices=InspectionArea.choices)
    text = models.CharField(_("check"), max_length=200)
    trade = models.CharField(_("trade"), max_length=20, choices=Trade.choices, default=Trade.CIVIL)
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["template", "position", "id"]
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")

    def __str__(self) -> str:
        return self.text


class Inspection(TimeStampedModel):
    """预验收, the formal handover inspection, or a re-inspection (复验), with the owner, on a tablet."""

    class Kind(models.TextChoices):
        PRE_INSPECTION = "pre_inspection", _("Pre-inspection (预验收)")
        HANDOVER = "handover", _("Handover inspection")
        RE_INSPECTION = "re_inspection", _("Re-inspection (复验)")

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", _("In progress")
        COMPLETED = "completed", _("Completed")

    handover = models.ForeignKey(
        Handover, on_delete=models.CASCADE, related_name="inspections", verbose_name=_("unit handover")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    template = models.ForeignKey(
        ChecklistTemplate,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="inspections",
        verbose_name=_("checklist"),
    )
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="inspections",
        verbose_name=_("inspector"),
    )
    owner_present = models.BooleanField(_("owner present"), default=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.IN_PROGRESS)
    started_at = models.DateTimeField(_("started at"), default=timezone.now)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.handover_id}"


class InspectionCheck(models.Model):
    """One ticked line of the checklist. Saved as the inspector taps, so a reload loses nothing."""

    class Result(models.TextChoices):
        PASS = "pass", _("OK")
        FAIL = "fail", _("Defect")
        NOT_APPLICABLE = "na", _("Not applicable")

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="checks")
    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="+")
    result = models.CharField(_("result"), max_length=4, choices=Result.choices)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["item__position", "item_id"]
        constraints = [
            models.UniqueConstraint(fields=["inspection", "item"], name="inspection_check_once"),
        ]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.result}"
