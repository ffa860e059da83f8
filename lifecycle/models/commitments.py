"""销售承诺: each promise made at sale, per contract, tracked until it is kept (or waived)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Department
from properties.models import TimeStampedModel

from ._scope import ProjectScopedQuerySet


class CommitmentQuerySet(ProjectScopedQuerySet):
    def unsettled(self):
        return self.filter(status=Commitment.Status.OPEN)

    def overdue(self, today=None):
        return self.unsettled().filter(due_on__lt=today or timezone.localdate())


class Commitment(TimeStampedModel):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        FULFILLED = "fulfilled", _("Fulfilled")
        WAIVED = "waived", _("Waived")

    contract = models.ForeignKey(
        "customers.Contract",
        on_delete=models.PROTECT,
        related_name="commitment_rows",
        verbose_name=_("contract"),
    )
    # The contract's unit's project, kept on the row: the scope and the project's list read it.
    project = models.ForeignKey(
        "properties.Project", on_delete=models.PROTECT, related_name="commitments", verbose_name=_("project")
    )
    text = models.TextField(_("promise"))
    # Salespeople leave: a staff user when they have an account, else the name as written down.
    promised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("promised by"),
    )
    promised_by_name = models.CharField(_("promised by (name)"), max_length=50, blank=True)
    evidence = models.FileField(_("evidence"), upload_to="commitments/%Y/%m/", blank=True)
    department = models.CharField(
        _("responsible department"), max_length=20, choices=Department.choices, blank=True
    )
    due_on = models.DateField(_("due date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    settled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("settled by"),
    )
    settled_at = models.DateTimeField(_("settled at"), null=True, blank=True)
    settled_note = models.TextField(_("note"), blank=True)
    # The overdue clock (lifecycle/commitment_deadlines.py): warned once, escalated once (level 1).
    warned = models.BooleanField(default=False, editable=False)
    escalation_level = models.PositiveSmallIntegerField(default=0, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = CommitmentQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("sales commitment")
        verbose_name_plural = _("sales commitments")
        indexes = [
            models.Index(fields=["project", "status", "-id"], name="commitment_project_status"),
            models.Index(fields=["contract", "status"], name="commitment_contract_status"),
            # The sweep's due rows: open, dated, not yet escalated (they leave the index when they are).
            models.Index(
                fields=["due_on"],
                name="commitment_clock_due",
                condition=Q(status="open", escalation_level=0, due_on__isnull=False),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="open") | Q(settled_at__isnull=False), name="commitment_settled_has_time"
            ),
        ]

    def __str__(self) -> str:
        return self.text[:60]

    @property
    def promiser(self) -> str:
        return str(self.promised_by) if self.promised_by_id else self.promised_by_name

    def is_overdue(self, today=None) -> bool:
        return bool(
            self.status == self.Status.OPEN and self.due_on and self.due_on < (today or timezone.localdate())
        )


class CommitmentAlert(models.Model):
    """One row per overdue warning (level 0) or escalation (level 1) fired for a commitment: the
    exactly-once guarantee of the shared sweep."""

    commitment = models.ForeignKey(Commitment, on_delete=models.CASCADE, related_name="alerts")
    level = models.PositiveSmallIntegerField(help_text=_("0 = warning, 1 = escalation"))
    fired_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-fired_at"]
        constraints = [models.UniqueConstraint(fields=["commitment", "level"], name="commitment_alert_once")]

    def __str__(self) -> str:
        return f"{self.commitment_id} L{self.level}"
