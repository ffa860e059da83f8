"""Privacy records of a customer (PIPL): their consents to marketing and surveys, and the
anonymisations of their record.

Consents have the club's shape (membership.Consent: append-only grants and withdrawals, each with the
text version it answered, the channel and the time) at the customer's level, so that any desk writing
to a customer (the club's marketing to a member who is a customer, surveys) reads one answer.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ConsentPurpose(models.TextChoices):
    MARKETING = "marketing", _("Marketing messages")
    SURVEYS = "surveys", _("Satisfaction surveys")


# Whether a purpose needs a yes on record (opt-in: marketing) or holds until withdrawn (surveys are
# part of the service a buyer contracted; a withdrawal stops them, like an opt-out).
CONSENT_NEEDED = {ConsentPurpose.MARKETING: True, ConsentPurpose.SURVEYS: False}


class ConsentChannel(models.TextChoices):
    STAFF = "staff", _("By staff")
    PUBLIC = "public", _("By the person (a link or page)")
    IMPORT = "import", _("Imported")


class CustomerConsentQuerySet(models.QuerySet):
    def latest_granted(self, purpose: str, customer_ref="pk") -> Subquery:
        """The customer's latest answer for `purpose` (True/False/None), to annotate a queryset of
        customers (or of rows with `customer_ref` naming their customer id)."""
        return Subquery(
            self.filter(customer_id=OuterRef(customer_ref), purpose=purpose)
            .order_by("-recorded_at", "-id")
            .values("granted")[:1]
        )


class CustomerConsent(models.Model):
    """Append-only: each grant or withdrawal of a customer's consent to a purpose, with the text version
    it answered. The current answer of a purpose is the customer's latest row of that purpose."""

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="consents", verbose_name=_("customer")
    )
    purpose = models.CharField(_("purpose"), max_length=12, choices=ConsentPurpose.choices)
    granted = models.BooleanField(_("granted"))
    text_version = models.CharField(_("consent text version"), max_length=20)
    channel = models.CharField(_("channel"), max_length=10, choices=ConsentChannel.choices)
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    objects = CustomerConsentQuerySet.as_manager()

    class Meta:
        ordering = ["customer", "purpose", "-recorded_at", "-id"]
        verbose_name = _("customer consent")
        verbose_name_plural = _("customer consents")
        indexes = [
            models.Index(fields=["customer", "purpose", "-recorded_at"], name="customer_consent_latest")
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.purpose} {'+' if self.granted else '-'}"


class CustomerAnonymisation(models.Model):
    """A customer's personal data replaced by placeholders (customers.anonymise): by whom (None: the
    retention job), when, why, and how many rows of each kind were rewritten. The record keeps its id,
    dates, categories and links, so every figure counted from it stays the same."""

    customer = models.OneToOneField(
        "customers.Customer",
        on_delete=models.PROTECT,
        related_name="anonymisation",
        verbose_name=_("customer"),
    )
    anonymised_at = models.DateTimeField(_("anonymised at"), default=timezone.now)
    anonymised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("anonymised by"),
    )
    automatic = models.BooleanField(_("by the retention job"), default=False)
    reason = models.CharField(_("reason"), max_length=200)
    rewritten = models.JSONField(_("rows rewritten"), default=dict, help_text=_("Rows rewritten, by kind."))

    class Meta:
        ordering = ["-anonymised_at", "-id"]
        verbose_name = _("customer anonymisation")
        verbose_name_plural = _("customer anonymisations")

    def __str__(self) -> str:
        return f"{self.customer_id} @ {self.anonymised_at:%Y-%m-%d}"
