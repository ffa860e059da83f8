"""Club events (联谊活动): capacity, registration with a waitlist, check-in at the door."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from properties.models import TimeStampedModel

from .members import Member


def new_registration_token() -> str:
    """The member's confirmation page and QR code credential."""
    return secrets.token_urlsafe(24)


class EventQuerySet(models.QuerySet):
    def visible_to(self, user) -> EventQuerySet:
        if not user.is_active or not user.may_see_customers():
            return self.none()
        scope = user.scope
        if scope.is_unrestricted:
            return self
        return self.filter(
            Q(city_company_id__in=scope.city_company_ids) | Q(project_id__in=scope.project_ids)
        )


class Event(TimeStampedModel):
    class Kind(models.TextChoices):
        FESTIVAL = "festival", _("Festival gathering (端午、中秋、重阳、春节…)")
        INTEREST = "interest", _("Interest group")
        CHILDREN = "children", _("Children's class")
        FAMILY = "family", _("Parent-child activity")
        THANK_YOU = "thank_you", _("Owner thank-you event")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open for registration")
        CLOSED = "closed", _("Registration closed")
        CANCELLED = "cancelled", _("Cancelled")

    title = models.CharField(_("title"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    description = models.TextField(_("description"), blank=True)
    city_company = models.ForeignKey("properties.CityCompany", on_delete=models.PROTECT, related_name="+")
    project = models.ForeignKey(
        "properties.Project",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("project"),
    )
    place = models.CharField(_("place"), max_length=200)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    capacity = models.PositiveIntegerField(_("capacity"))
    registration_closes_at = models.DateTimeField(_("registration closes at"), null=True, blank=True)
    attendance_points = models.PositiveIntegerField(_("points for attending"), default=0)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at", "-id"]
        verbose_name = _("event")
        verbose_name_plural = _("events")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gte=models.F("starts_at")), name="event_ends_after_start"
            ),
        ]
        indexes = [models.Index(fields=["starts_at", "id"], name="event_by_start")]

    def __str__(self) -> str:
        return self.title


class Registration(models.Model):
    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmed")
        WAITLISTED = "waitlisted", _("On the waitlist")
        CANCELLED = "cancelled", _("Cancelled")
        ATTENDED = "attended", _("Attended")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="registrations")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="registrations")
    status = models.CharField(_("status"), max_length=10, choices=Status.choices)
    guests = models.PositiveSmallIntegerField(_("accompanying guests"), default=0)
    token = models.CharField(max_length=40, unique=True, default=new_registration_token, editable=False)
    registered_at = models.DateTimeField(_("registered at"), default=timezone.now)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cancelled_at = models.DateTimeField(null=True, blank=True)
    promoted_at = models.DateTimeField(_("moved off the waitlist at"), null=True, blank=True)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["event", "registered_at", "id"]
        verbose_name = _("event registration")
        verbose_name_plural = _("event registrations")
        constraints = [
            # A member holds one live place (or waitlist spot) per event.
            models.UniqueConstraint(
                fields=["event", "member"], condition=~Q(status="cancelled"), name="registration_once"
            ),
        ]
        indexes = [models.Index(fields=["event", "status", "registered_at"], name="registration_queue")]

    def __str__(self) -> str:
        return f"{self.event_id}/{self.member_id} {self.status}"
