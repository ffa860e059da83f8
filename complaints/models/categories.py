"""The complaint category tree and the SLA policies chosen by type × category × severity."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Department
from core.workcalendar import TimeBasis

from .choices import ComplaintType, Severity, SlaTarget


class Category(models.Model):
    """A node of the complaint category tree (e.g. 房屋质量 → 渗漏), edited by administrators."""

    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent"),
    )
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=50)
    default_department = models.CharField(
        _("default department"), max_length=20, choices=Department.choices, blank=True
    )
    work_order_hours = models.PositiveSmallIntegerField(
        _("work orders due within (hours)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_(
            "A work order issued without a due time is due this many hours later. Empty: the parent's, else the default setting."
        ),
    )
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="category_name_unique_in_parent")
        ]

    def __str__(self) -> str:
        return f"{self.parent.name} / {self.name}" if self.parent_id else self.name


class SlaPolicy(models.Model):
    """Targets for a type × category × severity. The most specific active policy wins.

    An empty type/severity or a null category matches any. A category policy also covers the
    category's children.
    """

    name = models.CharField(_("name"), max_length=100)
    complaint_type = models.CharField(_("type"), max_length=20, choices=ComplaintType.choices, blank=True)
    category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sla_policies",
        verbose_name=_("category"),
    )
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices, blank=True)
    first_response_minutes = models.PositiveIntegerField(
        _("first response within (minutes)"), default=24 * 60, validators=[MinValueValidator(1)]
    )
    plan_minutes = models.PositiveIntegerField(
        _("plan agreed within (minutes)"), default=3 * 24 * 60, validators=[MinValueValidator(1)]
    )
    resolution_minutes = models.PositiveIntegerField(
        _("resolved within (minutes)"), default=15 * 24 * 60, validators=[MinValueValidator(1)]
    )
    time_basis = models.CharField(
        _("time basis"),
        max_length=10,
        choices=TimeBasis.choices,
        default=TimeBasis.CLOCK,
        help_text=_("Clock hours, or working time on the statutory calendar with business hours."),
    )
    warning_percent = models.PositiveSmallIntegerField(
        # xgettext:no-python-format (the "%" is a literal percent sign)
        _("warn at (% of the time)"),
        default=75,
        validators=[MinValueValidator(1), MaxValueValidator(99)],
    )
    escalation_2_after_minutes = models.PositiveIntegerField(
        _("level 2 escalation after breach (minutes)"), default=4 * 60
    )
    escalation_3_after_minutes = models.PositiveIntegerField(
        _("level 3 escalation after breach (minutes)"), default=24 * 60
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        constraints = [
            models.CheckConstraint(
                condition=Q(first_response_minutes__lte=models.F("resolution_minutes"))
                & Q(plan_minutes__lte=models.F("resolution_minutes")),
                name="sla_targets_in_order",
                violation_error_message=_("First response and plan must be due before resolution."),
            ),
            models.CheckConstraint(
                condition=Q(escalation_2_after_minutes__lte=models.F("escalation_3_after_minutes")),
                name="sla_escalations_in_order",
                violation_error_message=_("Level 2 must come before level 3."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def specificity(self) -> int:
        return (
            (4 if self.category_id else 0) + (2 if self.complaint_type else 0) + (1 if self.severity else 0)
        )

    def target_minutes(self, target: str) -> int:
        return {
            SlaTarget.FIRST_RESPONSE: self.first_response_minutes,
            SlaTarget.PLAN: self.plan_minutes,
            SlaTarget.RESOLUTION: self.resolution_minutes,
        }[target]
