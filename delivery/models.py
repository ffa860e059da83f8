"""Handover (交付, step 4 of the 6+2 path 恭迎乔迁): from the month before handover to the last fixed defect.

Planning: a HandoverBatch groups units of a project (phase/building) with dates, a site and a team;
its ReadinessItems (扫楼排雷, 答客问, documents) must be done before it opens. AppointmentSlots hold
owners' Appointments, which carry the day's arrival queue (checked in → inspecting → signing → done).

Each unit in a batch has one Handover: its inspections (预验收, formal inspection, 复验), its
defects, and the sign-off (documents, meter readings, keys, the owner's signature).

Defects are grouped per contractor into RectificationOrders; each defect has a due time from
its severity's RectificationPolicy and escalates through crm.escalation, the same sweep that
runs complaint SLAs (DefectAlert is its exactly-once record).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from properties.models import ScopedByProjectQuerySet, TimeStampedModel


class RoomType(models.TextChoices):
    ENTRANCE = "entrance", _("Entrance hall")
    LIVING = "living", _("Living and dining room")
    KITCHEN = "kitchen", _("Kitchen")
    BATHROOM = "bathroom", _("Bathroom")
    BEDROOM = "bedroom", _("Bedroom")
    BALCONY = "balcony", _("Balcony")
    WHOLE_UNIT = "whole_unit", _("Whole unit / other")


class InspectionArea(models.TextChoices):
    WALLS = "walls", _("Walls and ceiling")
    FLOORS = "floors", _("Floors")
    DOORS_WINDOWS = "doors_windows", _("Doors and windows")
    WATER = "water", _("Water and drainage")
    ELECTRICITY = "electricity", _("Electricity")
    GAS = "gas", _("Gas")
    FITTINGS = "fittings", _("Fittings and equipment")


class Trade(models.TextChoices):
    CIVIL = "civil", _("Civil works (土建)")
    PLUMBING_ELECTRICAL = "plumbing_electrical", _("Plumbing and electrical (水电)")
    DOORS_WINDOWS = "doors_windows", _("Doors and windows (门窗)")
    PAINTING = "painting", _("Painting (涂料)")
    WATERPROOFING = "waterproofing", _("Waterproofing (防水)")
    EQUIPMENT = "equipment", _("Equipment (设备)")
    LANDSCAPE = "landscape", _("Landscape and public areas (园林)")
    OTHER = "other", _("Other")


class DefectSeverity(models.TextChoices):
    MINOR = "minor", _("Minor")
    NORMAL = "normal", _("Normal")
    MAJOR = "major", _("Major")
    CRITICAL = "critical", _("Critical (blocks handover)")


# Severities that block the handover sign-off while the defect is open (a supervisor may override).
BLOCKING_SEVERITIES = (DefectSeverity.MAJOR, DefectSeverity.CRITICAL)


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


# --- planning ---------------------------------------------------------------------------------


class HandoverBatch(TimeStampedModel):
    """交付批次: units of a project handed over together, at one site, by one team."""

    class Status(models.TextChoices):
        PLANNING = "planning", _("Planning")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    project = models.ForeignKey(
        "properties.Project",
        on_delete=models.PROTECT,
        related_name="handover_batches",
        verbose_name=_("project"),
    )
    phase = models.ForeignKey(
        "properties.Phase",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="handover_batches",
        verbose_name=_("phase"),
    )
    buildings = models.ManyToManyField(
        "properties.Building", blank=True, related_name="handover_batches", verbose_name=_("buildings")
    )
    name = models.CharField(_("name"), max_length=100)
    starts_on = models.DateField(_("first handover day"))
    ends_on = models.DateField(_("last handover day"))
    site = models.CharField(_("site"), max_length=200, help_text=_("Where owners come, e.g. 3栋大堂交付中心"))
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="led_handover_batches",
        verbose_name=_("team lead"),
    )
    team = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="handover_batches", verbose_name=_("team")
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PLANNING)
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = ScopedByProjectQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = _("handover batch")
        verbose_name_plural = _("handover batches")
        constraints = [
            models.CheckConstraint(
                condition=Q(starts_on__lte=models.F("ends_on")),
                name="handover_batch_dates_in_order",
                violation_error_message=_("The last day is before the first day."),
            ),
        ]
        indexes = [models.Index(fields=["project", "status"], name="handover_batch_project")]

    def __str__(self) -> str:
        return self.name


class ReadinessItem(TimeStampedModel):
    """A check before the batch opens: 扫楼排雷 done, 答客问 prepared, documents ready..."""

    class Kind(models.TextChoices):
        RISK_SWEEP = "risk_sweep", _("Risk sweep of the buildings (扫楼排雷)")
        QA_PREPARED = "qa_prepared", _("Customer Q&A prepared (答客问)")
        DOCUMENTS_READY = "documents_ready", _("Handover documents ready")
        SITE_READY = "site_ready", _("Site and signage ready")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        TODO = "todo", _("To do")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        NOT_APPLICABLE = "not_applicable", _("Not applicable")

    batch = models.ForeignKey(
        HandoverBatch, on_delete=models.CASCADE, related_name="readiness_items", verbose_name=_("batch")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    title = models.CharField(_("item"), max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="readiness_items",
        verbose_name=_("owner"),
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.TODO)
    due_on = models.DateField(_("due"), null=True, blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["batch", "id"]
        verbose_name = _("readiness item")
        verbose_name_plural = _("readiness items")

    def __str__(self) -> str:
        return self.title

    @property
    def is_settled(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.NOT_APPLICABLE)


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


class AppointmentSlot(models.Model):
    """A time window on a handover day, with room for `capacity` owners."""

    batch = models.ForeignKey(
        HandoverBatch, on_delete=models.CASCADE, related_name="slots", verbose_name=_("batch")
    )
    date = models.DateField(_("date"))
    starts_at = models.TimeField(_("from"))
    ends_at = models.TimeField(_("to"))
    capacity = models.PositiveSmallIntegerField(_("capacity"), validators=[MinValueValidator(1)])

    class Meta:
        ordering = ["date", "starts_at"]
        verbose_name = _("appointment slot")
        verbose_name_plural = _("appointment slots")
        constraints = [
            models.UniqueConstraint(fields=["batch", "date", "starts_at"], name="slot_unique_start"),
            models.CheckConstraint(
                condition=Q(starts_at__lt=models.F("ends_at")), name="slot_times_in_order"
            ),
            models.CheckConstraint(condition=Q(capacity__gte=1), name="slot_capacity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.starts_at:%H:%M}-{self.ends_at:%H:%M}"


class Appointment(TimeStampedModel):
    """An owner's booking; on the day it is also their place in the site's arrival queue."""

    class Status(models.TextChoices):
        BOOKED = "booked", _("Booked")
        CHECKED_IN = "checked_in", _("Checked in")
        INSPECTING = "inspecting", _("Inspecting")
        SIGNING = "signing", _("Signing")
        DONE = "done", _("Done")
        NO_SHOW = "no_show", _("No-show")
        CANCELLED = "cancelled", _("Cancelled")

    class Channel(models.TextChoices):
        AGENT = "agent", _("Booked by an agent")
        OWNER_LINK = "owner_link", _("Booked by the owner")

    ACTIVE = (Status.BOOKED, Status.CHECKED_IN, Status.INSPECTING, Status.SIGNING)

    slot = models.ForeignKey(
        AppointmentSlot, on_delete=models.PROTECT, related_name="appointments", verbose_name=_("slot")
    )
    handover = models.ForeignKey(
        Handover, on_delete=models.CASCADE, related_name="appointments", verbose_name=_("unit handover")
    )
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="handover_appointments",
        verbose_name=_("customer"),
    )
    channel = models.CharField(_("booked through"), max_length=12, choices=Channel.choices)
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("booked by"),
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.BOOKED)
    queue_number = models.PositiveSmallIntegerField(_("queue number"), null=True, blank=True)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    inspection_started_at = models.DateTimeField(null=True, blank=True)
    signing_started_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    reminder_sent_at = models.DateTimeField(_("reminder sent at"), null=True, blank=True)
    rescheduled_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["slot__date", "slot__starts_at", "id"]
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        constraints = [
            models.UniqueConstraint(
                fields=["handover"],
                condition=Q(status__in=["booked", "checked_in", "inspecting", "signing"]),
                name="one_active_appointment_per_unit",
                violation_error_message=_("This unit already has an appointment."),
            ),
        ]
        indexes = [
            models.Index(fields=["slot", "status"], name="appointment_slot_status"),
            models.Index(
                fields=["reminder_sent_at"],
                condition=Q(status="booked", reminder_sent_at__isnull=True),
                name="appointment_reminder_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.slot} {self.handover_id}"


# --- inspection -----------------------------------------------------------------------------


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


# --- defects and rectification -----------------------------------------------------------------


class RectificationPolicy(models.Model):
    """How long a defect of one severity may take, in working days, and when it escalates after that."""

    severity = models.CharField(_("severity"), max_length=10, choices=DefectSeverity.choices, unique=True)
    working_days = models.PositiveSmallIntegerField(
        _("fix within (working days)"), validators=[MinValueValidator(1)]
    )
    warning_percent = models.PositiveSmallIntegerField(
        _("warn at (% of the time)"), default=80, validators=[MinValueValidator(1), MaxValueValidator(99)]
    )
    escalation_2_after_hours = models.PositiveIntegerField(_("level 2 after due (hours)"), default=48)
    escalation_3_after_hours = models.PositiveIntegerField(_("level 3 after due (hours)"), default=120)

    class Meta:
        ordering = ["working_days"]
        verbose_name = _("rectification deadline")
        verbose_name_plural = _("rectification deadlines")

    def __str__(self) -> str:
        return f"{self.get_severity_display()}: {self.working_days}"


class RectificationOrderQuerySet(ScopedByProjectQuerySet):
    def visible_to(self, user) -> RectificationOrderQuerySet:
        """As Defect.objects.visible_to: a contractor's company's orders in their projects; department
        staff none; everyone else the orders of their projects."""
        from accounts.models import Role

        if not user.is_active or user.role == Role.DEPARTMENT_STAFF:
            return self.none()
        if user.role == Role.CONTRACTOR:
            return self.filter(user.scope.firm_work())
        return super().visible_to(user)


class RectificationOrder(TimeStampedModel):
    """整改单: a contractor's defects in one project, issued together."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        COMPLETED = "completed", _("All defects fixed")
        CLOSED = "closed", _("Closed")

    number = models.CharField(_("number"), max_length=30, unique=True, null=True, editable=False)
    project = models.ForeignKey(
        "properties.Project",
        on_delete=models.PROTECT,
        related_name="rectification_orders",
        verbose_name=_("project"),
    )
    contractor = models.ForeignKey(
        "accounts.Contractor",
        on_delete=models.PROTECT,
        related_name="rectification_orders",
        verbose_name=_("contractor"),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("issued by")
    )
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = RectificationOrderQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("rectification order")
        verbose_name_plural = _("rectification orders")
        indexes = [models.Index(fields=["contractor", "status"], name="rect_order_contractor")]

    def __str__(self) -> str:
        return self.number or f"RO {self.pk}"


class DefectQuerySet(models.QuerySet):
    def visible_to(self, user) -> DefectQuerySet:
        from accounts.models import Role

        if not user.is_active or user.role == Role.DEPARTMENT_STAFF:
            # Department staff work on complaint work orders; the handover desk is not theirs.
            return self.none()
        if user.role == Role.CONTRACTOR:
            # A contractor sees their company's defects in their projects, nothing else.
            return self.filter(user.scope.firm_work())
        scope = user.scope
        if scope.is_unrestricted:
            return self
        return self.filter(project_id__in=scope.project_ids)

    def open(self) -> DefectQuerySet:
        return self.filter(status__in=Defect.OPEN_STATUSES)

    def blocking(self) -> DefectQuerySet:
        return self.open().filter(severity__in=BLOCKING_SEVERITIES)


class Defect(TimeStampedModel):
    """问题/缺陷 found at an inspection (or reported by the owner later, within warranty).

    open → fixing (in a rectification order) → fixed (contractor) → verified (engineer)
    → accepted (owner, at 复验). The engineer or the owner may reject: back to fixing.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        FIXING = "fixing", _("Being fixed")
        FIXED = "fixed", _("Fixed, awaiting verification")
        VERIFIED = "verified", _("Verified, awaiting the owner")
        ACCEPTED = "accepted", _("Accepted by the owner")
        CANCELLED = "cancelled", _("Cancelled")

    OPEN_STATUSES = (Status.OPEN, Status.FIXING, Status.FIXED, Status.VERIFIED)

    number = models.CharField(_("number"), max_length=30, unique=True, null=True, editable=False)
    # Sent by the tablet with the defect: a retried upload after a dropped connection finds the
    # defect it already made instead of making a second one.
    client_uuid = models.UUIDField(null=True, blank=True, unique=True, editable=False)
    project = models.ForeignKey(
        "properties.Project", on_delete=models.PROTECT, related_name="defects", verbose_name=_("project")
    )
    unit = models.ForeignKey(
        "properties.Unit", on_delete=models.PROTECT, related_name="defects", verbose_name=_("unit")
    )
    handover = models.ForeignKey(
        Handover,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="defects",
        verbose_name=_("unit handover"),
    )
    inspection = models.ForeignKey(
        Inspection,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="defects",
        verbose_name=_("found at"),
    )
    checklist_item = models.ForeignKey(
        ChecklistItem, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    room = models.CharField(_("room"), max_length=12, choices=RoomType.choices)
    location = models.CharField(_("location"), max_length=200, blank=True, help_text=_("e.g. 主卧北墙窗下"))
    # A pin on the layout's floor plan, as fractions of its width and height (0–1).
    pin_x = models.DecimalField(
        max_digits=5,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
    )
    pin_y = models.DecimalField(
        max_digits=5,
        decimal_places=4,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
    )
    trade = models.CharField(_("trade"), max_length=20, choices=Trade.choices)
    severity = models.CharField(_("severity"), max_length=10, choices=DefectSeverity.choices)
    description = models.TextField(_("description"))
    contractor = models.ForeignKey(
        "accounts.Contractor",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="defects",
        verbose_name=_("contractor responsible"),
    )
    order = models.ForeignKey(
        RectificationOrder,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="defects",
        verbose_name=_("rectification order"),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    found_at = models.DateTimeField(_("found at"), default=timezone.now)
    after_handover = models.BooleanField(
        _("reported after handover"), default=False, help_text=_("Reported by the owner within warranty")
    )
    complaint = models.ForeignKey(
        "complaints.Complaint",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="defects",
        verbose_name=_("complaint / repair request"),
    )
    # Deadline and escalation, driven by crm.escalation like complaint SLAs.
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    clock_started_at = models.DateTimeField(null=True, blank=True)
    warned = models.BooleanField(default=False)
    escalation_level = models.PositiveSmallIntegerField(default=0)
    next_check_at = models.DateTimeField(null=True, blank=True)
    rework_count = models.PositiveSmallIntegerField(_("times rejected"), default=0)
    fixed_at = models.DateTimeField(_("fixed at"), null=True, blank=True)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = DefectQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("defect")
        verbose_name_plural = _("defects")
        constraints = [
            models.CheckConstraint(
                condition=Q(pin_x__isnull=True, pin_y__isnull=True)
                | Q(pin_x__isnull=False, pin_y__isnull=False),
                name="defect_pin_has_both_coordinates",
            ),
        ]
        indexes = [
            models.Index(fields=["unit", "status"], name="defect_unit_status"),
            models.Index(fields=["project", "status", "-id"], name="defect_project_status"),
            models.Index(fields=["contractor", "status"], name="defect_contractor_status"),
            models.Index(
                fields=["next_check_at"],
                condition=Q(status__in=["open", "fixing"], next_check_at__isnull=False),
                name="defect_escalation_due",
            ),
        ]

    def __str__(self) -> str:
        return self.number or f"D {self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def is_blocking(self) -> bool:
        return self.is_open and self.severity in BLOCKING_SEVERITIES


class DefectPhoto(models.Model):
    class Stage(models.TextChoices):
        FOUND = "found", _("As found")
        PROGRESS = "progress", _("Work in progress")
        FIXED = "fixed", _("Fixed")
        REINSPECTION = "reinspection", _("At re-inspection")

    defect = models.ForeignKey(
        Defect, on_delete=models.CASCADE, related_name="photos", verbose_name=_("defect")
    )
    image = models.FileField(_("photo"), upload_to="defects/%Y/%m/")
    stage = models.CharField(_("stage"), max_length=12, choices=Stage.choices, default=Stage.FOUND)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("defect photo")
        verbose_name_plural = _("defect photos")

    def __str__(self) -> str:
        return self.image.name


class DefectEvent(models.Model):
    """The defect's timeline: every state change, note, rejection and escalation."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Recorded")
        ASSIGNED = "assigned", _("Put in a rectification order")
        PROGRESS = "progress", _("Progress")
        FIXED = "fixed", _("Marked fixed")
        VERIFIED = "verified", _("Verified by the engineer")
        VERIFY_REJECTED = "verify_rejected", _("Rejected by the engineer")
        ACCEPTED = "accepted", _("Accepted by the owner")
        OWNER_REJECTED = "owner_rejected", _("Rejected by the owner")
        CANCELLED = "cancelled", _("Cancelled")
        CORRECTED = "corrected", _("Corrected")
        WARNING = "warning", _("Deadline warning")
        ESCALATED = "escalated", _("Escalated")
        COMPLAINT_LINKED = "complaint_linked", _("Turned into a complaint")

    defect = models.ForeignKey(Defect, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("defect event")
        verbose_name_plural = _("defect events")

    def __str__(self) -> str:
        return f"{self.defect_id} {self.kind}"


class DefectAlert(models.Model):
    """One row per warning or escalation fired for a defect; the unique constraint makes it exactly once."""

    defect = models.ForeignKey(Defect, on_delete=models.CASCADE, related_name="alerts")
    round = models.PositiveSmallIntegerField(default=0, help_text=_("Rework count when fired"))
    level = models.PositiveSmallIntegerField(help_text=_("0 = warning, 1–3 = escalation level"))
    fired_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField()

    class Meta:
        ordering = ["-fired_at"]
        verbose_name = _("defect alert")
        verbose_name_plural = _("defect alerts")
        constraints = [
            models.UniqueConstraint(fields=["defect", "round", "level"], name="defect_alert_once"),
        ]

    def __str__(self) -> str:
        return f"{self.defect_id} L{self.level}"
