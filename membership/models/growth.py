"""How the club grows sales: referrals (老带新) and purchase intentions (意向登记)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from encrypted_fields.fields import EncryptedCharField

from core.encryption import pii_hash
from customers.validators import validate_mobile
from properties.models import TimeStampedModel

from .members import EnrolmentChannel, Member


class ScopedByProjectQuerySet(models.QuerySet):
    def visible_to(self, user):
        if not user.is_active or not user.may_see_customers():
            return self.none()
        scope = user.scope
        if scope.is_unrestricted:
            return self
        return self.filter(
            Q(project_id__in=scope.project_ids) | Q(project__city_company_id__in=scope.city_company_ids)
        )


class Referral(TimeStampedModel):
    class Status(models.TextChoices):
        OPEN = "open", _("Referred")
        BOUGHT = "bought", _("Became a buyer")
        LAPSED = "lapsed", _("Lapsed")

    referrer = models.ForeignKey(
        Member, on_delete=models.PROTECT, related_name="referrals", verbose_name=_("referrer")
    )
    friend_name = models.CharField(_("friend's name"), max_length=50)
    friend_phone = models.CharField(_("friend's mobile number"), max_length=11, validators=[validate_mobile])
    friend_id_number = EncryptedCharField(_("friend's ID number"), max_length=40, blank=True, null=True)
    friend_id_number_hash = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    project = models.ForeignKey(
        "properties.Project",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("project of interest"),
    )
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.OPEN)
    # Set once, when the friend signs: the contract, and the referrer's reward entry.
    contract = models.OneToOneField(
        "customers.Contract",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referral",
        verbose_name=_("contract"),
    )
    attributed_at = models.DateTimeField(_("attributed at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = ScopedByProjectQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        indexes = [
            models.Index(fields=["friend_phone"], name="referral_friend_phone", condition=Q(status="open")),
            models.Index(fields=["project", "status"], name="referral_project"),
        ]

    def __str__(self) -> str:
        return f"{self.referrer_id} → {self.friend_name}"

    def save(self, *args, **kwargs):
        self.friend_id_number_hash = pii_hash(self.friend_id_number) if self.friend_id_number else ""
        super().save(*args, **kwargs)


class PurchaseIntention(models.Model):
    class UnitType(models.TextChoices):
        ONE_BEDROOM = "1br", _("One bedroom")
        TWO_BEDROOMS = "2br", _("Two bedrooms")
        THREE_BEDROOMS = "3br", _("Three bedrooms")
        FOUR_PLUS = "4br", _("Four bedrooms or more")
        VILLA = "villa", _("Townhouse or villa")

    project = models.ForeignKey(
        "properties.Project", on_delete=models.PROTECT, related_name="+", verbose_name=_("project")
    )
    member = models.ForeignKey(
        Member,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="intentions",
        verbose_name=_("member"),
    )
    name = models.CharField(_("name"), max_length=50)
    phone = models.CharField(_("mobile number"), max_length=11, validators=[validate_mobile])
    unit_type = models.CharField(_("unit type"), max_length=6, choices=UnitType.choices)
    budget_10k = models.PositiveIntegerField(_("budget (×10k yuan)"), null=True, blank=True)
    notes = models.CharField(_("notes"), max_length=300, blank=True)
    channel = models.CharField(_("registered through"), max_length=10, choices=EnrolmentChannel.choices)
    created_at = models.DateTimeField(_("registered at"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = ScopedByProjectQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("purchase intention")
        verbose_name_plural = _("purchase intentions")
        constraints = [
            # One registration per phone, project and unit type: a resubmitted form changes nothing.
            models.UniqueConstraint(fields=["project", "phone", "unit_type"], name="intention_once"),
        ]
        indexes = [models.Index(fields=["project", "unit_type"], name="intention_project")]

    def __str__(self) -> str:
        return f"{self.project_id} {self.unit_type} {self.name}"
