"""The working-time calendar's administrator overrides (see crm.workcalendar)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import Role

# Who enters the State Council's schedule and is warned when a year is missing.
ROLES_MANAGING_CALENDAR = {Role.GROUP_ADMIN, Role.CITY_HEAD}


class CalendarDay(models.Model):
    """One day whose status differs from, or is missing in, the `chinesecalendar` package.

    Administrators enter next year's schedule when the State Council publishes it
    (usually in November); a row always wins over the package.
    """

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Holiday or rest day (法定节假日/休息日)")
        WORKDAY = "workday", _("Make-up working day (调休上班日)")

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(
        _("name"), max_length=50, blank=True, help_text=_("For example 国庆节 or 国庆节调休.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["holiday", "workday"]), name="calendarday_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        label = f"{self.date:%Y-%m-%d} {self.get_kind_display()}"
        return f"{label} {self.name}" if self.name else label
