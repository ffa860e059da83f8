"""The points ledger (append-only) and the benefits catalogue redeemed against it.

A member's balance is the sum of their entries; `Member.points_balance` keeps that sum, written in
the same transaction as each entry with the member's row locked (membership.services.points), and a
check constraint keeps it from ever going negative, concurrent redemptions included.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from properties.models import TimeStampedModel

from .members import Member


class PointsEntry(models.Model):
    class Kind(models.TextChoices):
        PURCHASE = "purchase", _("Purchase")
        REFERRAL = "referral", _("Referral")
        EVENT = "event", _("Event attendance")
        SURVEY = "survey", _("Survey answered")
        REDEMPTION = "redemption", _("Benefit redeemed")
        EXPIRY = "expiry", _("Points expired")
        ADJUSTMENT = "adjustment", _("Adjustment")

    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="points_entries")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    points = models.IntegerField(_("points"), help_text=_("Positive: earned; negative: spent or expired."))
    reason = models.CharField(_("reason"), max_length=200)
    # The record behind it ("contract:12", "referral:5", "event_registration:9"): with the kind, unique,
    # so the same source never earns twice.
    source = models.CharField(_("source"), max_length=60)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    created_at = models.DateTimeField(_("at"), default=timezone.now)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("points entry")
        verbose_name_plural = _("points entries")
        constraints = [
            models.UniqueConstraint(fields=["kind", "source"], name="points_entry_once_per_source"),
            models.CheckConstraint(condition=~Q(points=0), name="points_entry_not_zero"),
        ]
        indexes = [models.Index(fields=["member", "-created_at"], name="points_entry_member")]

    def __str__(self) -> str:
        return f"{self.member_id} {self.points:+d} {self.kind}"


class BenefitQuerySet(models.QuerySet):
    def visible_to(self, user) -> BenefitQuerySet:
        if not user.is_active or not user.may_see_customers():
            return self.none()
        scope = user.scope
        if scope.is_unrestricted:
            return self
        return self.filter(Q(city_company__isnull=True) | Q(city_company_id__in=scope.city_company_ids))


class Benefit(TimeStampedModel):
    class Kind(models.TextChoices):
        PARTNER_DISCOUNT = "partner", _("Partner merchant discount")
        PURCHASE_DISCOUNT = "purchase", _("Home purchase discount")
        PRIORITY_NOTICE = "priority", _("Priority notice of new projects")

    title = models.CharField(_("title"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    partner = models.CharField(_("partner"), max_length=100, blank=True)
    description = models.TextField(_("description"), blank=True)
    city_company = models.ForeignKey(
        "properties.CityCompany",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("city company"),
        help_text=_("Empty: every city."),
    )
    points_cost = models.PositiveIntegerField(_("points"))
    per_member_limit = models.PositiveIntegerField(_("per member"), null=True, blank=True)
    total_limit = models.PositiveIntegerField(_("in all"), null=True, blank=True)
    redeemed_count = models.PositiveIntegerField(_("redeemed"), default=0, editable=False)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = BenefitQuerySet.as_manager()

    class Meta:
        ordering = ["points_cost", "id"]
        verbose_name = _("benefit")
        verbose_name_plural = _("benefits")
        constraints = [
            models.CheckConstraint(
                condition=Q(total_limit__isnull=True) | Q(redeemed_count__lte=models.F("total_limit")),
                name="benefit_within_total_limit",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Redemption(models.Model):
    benefit = models.ForeignKey(Benefit, on_delete=models.PROTECT, related_name="redemptions")
    member = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="redemptions")
    entry = models.OneToOneField(PointsEntry, on_delete=models.PROTECT, related_name="redemption")
    code = models.CharField(_("voucher code"), max_length=20, unique=True)
    redeemed_at = models.DateTimeField(_("redeemed at"), default=timezone.now)
    redeemed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-redeemed_at", "-id"]
        verbose_name = _("redemption")
        verbose_name_plural = _("redemptions")
        indexes = [models.Index(fields=["benefit", "member"], name="redemption_member")]

    def __str__(self) -> str:
        return self.code
