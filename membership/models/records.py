"""Bookkeeping beside the members: each city company's member-number counter, and the log of staff
revealing a member's masked phone or ID number."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import PersonalField, RevealReason

from .members import Member


class MemberNumberSequence(models.Model):
    """The last member number given in a city company (WK + its code + this number). Enrolments
    take the next one with a row-locking UPDATE, so two at once never get the same number."""

    city_company = models.OneToOneField(
        "properties.CityCompany", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("member number sequence")
        verbose_name_plural = _("member number sequences")

    def __str__(self) -> str:
        return f"{self.city_company_id}: {self.last}"


class MemberDataAccess(models.Model):
    """One row per reveal of a member's masked phone or ID number (PIPL), as accounts'
    PersonalDataAccess does for customers: a member need not be a customer."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("staff member")
    )
    member = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="data_accesses", verbose_name=_("member")
    )
    field = models.CharField(_("field"), max_length=20, choices=PersonalField.choices)
    reason_code = models.CharField(_("purpose"), max_length=20, choices=RevealReason.choices)
    reason = models.CharField(_("reason"), max_length=200)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    accessed_at = models.DateTimeField(_("accessed at"), default=timezone.now)

    class Meta:
        ordering = ["-accessed_at", "-id"]
        verbose_name = _("member data access")
        verbose_name_plural = _("member data access log")
        indexes = [
            models.Index(fields=["member", "-accessed_at"], name="member_access_recent"),
            # The reveal limit counts one user's recent reveals, of customers and members together.
            models.Index(fields=["user", "accessed_at"], name="member_access_user_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.member_id} {self.field}"
