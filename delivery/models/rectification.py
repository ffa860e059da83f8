"""Defects and their rectification: severities, deadlines, contractors' orders, photos, events, alerts."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from properties.models import ScopedByProjectQuerySet, TimeStampedModel


class RoomType(models.TextChoices):
    ENTRANCE = "entrance", _("Entrance hall")
    LIVING = "living", _("Living and dining room")
    KITCHEN = "kitchen", _("Kitchen")
    BATHROOM = "bathroom", _("Bathroom")
    BEDROOM = "bedroom", _("Bedroom")
    BALCONY = "balcony", _("Balcony")
    WHOLE_UNIT = "whole_unit", _("Whole unit / other")


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
        "delivery.Handover",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="defects",
        verbose_name=_("unit handover"),
    )
    inspection = models.ForeignKey(
        "delivery.Inspection",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="defects",
        verbose_name=_("found at"),
    )
    checklist_item = models.ForeignKey(
        "delivery.ChecklistItem", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
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
    # Deadline and escalation, driven by core.escalation like complaint SLAs.
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
    stage = models.CharField(
        pgettext_lazy("when a defect photo was taken", "stage"),
        max_length=12,
        choices=Stage.choices,
        default=Stage.FOUND,
    )
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
