"""Summary tables of the dashboards: figures counted per day (and per month) and project by a Celery task
(dashboards.tasks), so that a dashboard reads a few thousand rows instead of a million complaints.

Each row holds the numerators and denominators of the complaint desk's measures for one project on one
local day (ComplaintDayFigures), and the same summed per calendar month (ComplaintMonthFigures, read
when every period of the page is made of whole months). They are written only by
`dashboards.measures.complaints.summary`, which counts them with the very queries the live figures use.
"""

from __future__ import annotations

import datetime

from django.db import models
from django.utils.translation import gettext_lazy as _


class ComplaintFigures(models.Model):
    """The counters of one project over one stretch of time (a day or a month)."""

    project = models.ForeignKey(
        "properties.Project", on_delete=models.CASCADE, related_name="+", verbose_name=_("project")
    )
    received = models.PositiveIntegerField(_("complaints received"), default=0)
    # Of those received: resolved by now (the resolution rate's numerator), repeats of an earlier one.
    received_resolved = models.PositiveIntegerField(_("received, resolved since"), default=0)
    repeat = models.PositiveIntegerField(_("repeat complaints"), default=0)
    # First responses that fell due (and whose outcome is known), and those made by the due time.
    first_response_due = models.PositiveIntegerField(_("first responses due"), default=0)
    first_response_on_time = models.PositiveIntegerField(_("first responses on time"), default=0)
    # Resolutions made, and their time from receipt summed (mean = sum / count).
    resolved = models.PositiveIntegerField(_("complaints resolved"), default=0)
    resolution_time = models.DurationField(_("resolution time, summed"), default=datetime.timedelta)
    group_cases = models.PositiveIntegerField(_("group cases opened"), default=0)
    improvements_done = models.PositiveIntegerField(_("improvement items done"), default=0)
    # Units handed over (an active contract's handover date): the per-1,000-units denominator adds these
    # up to the period's end.
    handed_over = models.PositiveIntegerField(_("units handed over"), default=0)

    class Meta:
        abstract = True


COUNTER_FIELDS = (
    "received",
    "received_resolved",
    "repeat",
    "first_response_due",
    "first_response_on_time",
    "resolved",
    "resolution_time",
    "group_cases",
    "improvements_done",
    "handed_over",
)


class ComplaintDayFigures(ComplaintFigures):
    day = models.DateField(_("day"))

    class Meta:
        verbose_name = _("complaint figures of a day")
        verbose_name_plural = _("complaint figures of days")
        constraints = [models.UniqueConstraint(fields=["day", "project"], name="complaint_day_figures_once")]

    def __str__(self) -> str:
        return f"{self.day} project {self.project_id}"


class ComplaintMonthFigures(ComplaintFigures):
    month = models.DateField(_("month"), help_text=_("Its first day"))

    class Meta:
        verbose_name = _("complaint figures of a month")
        verbose_name_plural = _("complaint figures of months")
        constraints = [
            models.UniqueConstraint(fields=["month", "project"], name="complaint_month_figures_once"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} project {self.project_id}"


class ComplaintCategoryMonthFigures(models.Model):
    """Complaints received per month, project, top-level category and root cause: the top categories
    and root causes of a dashboard whose periods are whole months."""

    month = models.DateField(_("month"), help_text=_("Its first day"))
    project = models.ForeignKey(
        "properties.Project", on_delete=models.CASCADE, related_name="+", verbose_name=_("project")
    )
    category = models.ForeignKey(
        "complaints.Category", on_delete=models.CASCADE, related_name="+", verbose_name=_("category")
    )
    root_cause = models.CharField(_("root cause"), max_length=20, blank=True)
    received = models.PositiveIntegerField(_("complaints received"), default=0)

    class Meta:
        verbose_name = _("complaint figures of a month by category")
        verbose_name_plural = _("complaint figures of months by category")
        constraints = [
            models.UniqueConstraint(
                fields=["month", "project", "category", "root_cause"], name="complaint_category_month_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} project {self.project_id} category {self.category_id}"


class SummaryRefresh(models.Model):
    """When a summary was last brought up to date, and up to which change it has seen."""

    name = models.CharField(max_length=50, unique=True)
    refreshed_at = models.DateTimeField(_("refreshed at"), null=True, blank=True)
    # The refresh counts again the days of the records changed since this moment.
    changes_seen_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("summary refresh")
        verbose_name_plural = _("summary refreshes")

    def __str__(self) -> str:
        return f"{self.name} @ {self.refreshed_at}"
