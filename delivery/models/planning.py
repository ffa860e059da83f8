"""Handover planning: batches and their readiness checks, appointment slots and owners' appointments."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from properties.models import ScopedByProjectQuerySet, TimeStampedModel


class HandoverBatch(TimeStampedModel):
    """交付批次: units of a project handed over together, at one site, by one team."""

    class Status(models.TextChoices):
        PLANNING = "planning", _("Planning")
        OPEN = "open", pgettext_lazy("handover batch status", "Open")
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
        "delivery.Handover",
        on_delete=models.CASCADE,
        related_name="appointments",
        verbose_name=_("unit handover"),
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
