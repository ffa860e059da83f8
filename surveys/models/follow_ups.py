"""The closed loop: an unhappy answer becomes a follow-up for the customer's project team, with a
deadline on the shared escalation sweep (core.escalation) and an outcome."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from properties.models import TimeStampedModel

from .campaigns import Invitation


class FollowUpQuerySet(models.QuerySet):
    def visible_to(self, user) -> FollowUpQuerySet:
        if not user.is_active or not user.may_see_customers():
            return self.none()
        scope = user.scope
        if scope.is_unrestricted:
            return self
        return self.filter(
            Q(project_id__in=scope.project_ids) | Q(city_company_id__in=scope.city_company_ids)
        )

    def open(self) -> FollowUpQuerySet:
        return self.filter(status=FollowUp.Status.OPEN)


class FollowUp(TimeStampedModel):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CONTACTED = "contacted", _("Contacted")
        RESOLVED = "resolved", _("Resolved")
        UNREACHABLE = "unreachable", _("Could not reach")

    invitation = models.OneToOneField(
        Invitation, on_delete=models.CASCADE, related_name="follow_up", verbose_name=_("survey")
    )
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        related_name="survey_follow_ups",
        verbose_name=_("customer"),
    )
    city_company = models.ForeignKey("properties.CityCompany", on_delete=models.PROTECT, related_name="+")
    project = models.ForeignKey(
        "properties.Project", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=300)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.OPEN)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assignee"),
    )
    outcome_note = models.TextField(_("outcome"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    complaint = models.ForeignKey(
        "complaints.Complaint",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("complaint raised"),
    )
    # Deadline and escalation (core.escalation), like complaints, work orders and defects.
    due_at = models.DateTimeField(_("due"))
    warned = models.BooleanField(default=False, editable=False)
    escalation_level = models.PositiveSmallIntegerField(default=0, editable=False)
    next_check_at = models.DateTimeField(null=True, blank=True, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = FollowUpQuerySet.as_manager()

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("survey follow-up")
        verbose_name_plural = _("survey follow-ups")
        indexes = [
            models.Index(fields=["due_at", "id"], name="survey_follow_up_open", condition=Q(status="open")),
            models.Index(
                fields=["next_check_at"],
                name="survey_follow_up_due",
                condition=Q(status="open", next_check_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"FU {self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class FollowUpAlert(models.Model):
    """One row per warning or escalation step fired for a follow-up: the exactly-once guarantee."""

    follow_up = models.ForeignKey(FollowUp, on_delete=models.CASCADE, related_name="alerts")
    level = models.PositiveSmallIntegerField(help_text=_("0 = warning, 1–3 = escalation level"))
    fired_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-fired_at"]
        constraints = [
            models.UniqueConstraint(fields=["follow_up", "level"], name="survey_follow_up_alert_once")
        ]

    def __str__(self) -> str:
        return f"{self.follow_up_id} L{self.level}"
