"""The working-time calendar's administrator overrides (see core.workcalendar)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


def may_manage_calendar(user) -> bool:
    """Who enters the State Council's schedule and is warned when a year is missing: superusers and
    the roles named in settings.CALENDAR_MANAGER_ROLES (the kernel knows no roles of its own)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.is_superuser or getattr(user, "role", None) in settings.CALENDAR_MANAGER_ROLES


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
        # The table kept the name it had when the model lived in the crm package: moving the code
        # moved no data (core/migrations/0001_initial.py).
        db_table = "crm_calendarday"
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
