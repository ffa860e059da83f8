"""Club members (万客会), their consents and the care tasks they generate.

A member may or may not be a customer: `customer` is set when they buy (matched by phone or ID
number; an ambiguous match waits for a person to decide, `link_status`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from encrypted_fields.fields import EncryptedCharField

from core.encryption import pii_hash
from customers.models import Education, Gender
from customers.validators import validate_mobile
from properties.models import TimeStampedModel


class Tier(models.TextChoices):
    """The rules that put a member in a tier are in membership/tiers.py, in one place."""

    STANDARD = "standard", _("Standard (普通)")
    SILVER = "silver", _("Silver (银卡)")
    GOLD = "gold", _("Gold (金卡)")


class Interest(models.TextChoices):
    NEW_PROJECTS = "new_projects", _("New projects and launches")
    FAMILY = "family", _("Parent-child activities")
    CHILDREN = "children", _("Children's classes")
    CULTURE = "culture", _("Culture and museums")
    SPORTS = "sports", _("Sports")
    ELDERLY = "elderly", _("Activities for the elderly")
    FESTIVALS = "festivals", _("Festival gatherings")
    HOME = "home", _("Home and decoration")


class EnrolmentChannel(models.TextChoices):
    STAFF = "staff", _("By staff")
    PUBLIC = "public", _("Public sign-up page")
    IMPORT = "import", _("Imported")


class MemberQuerySet(models.QuerySet):
    def visible_to(self, user) -> MemberQuerySet:
        """Members of the user's city companies, or registered at one of their projects."""
        if not user.is_active or not user.may_see_customers():
            return self.none()
        scope = user.scope
        if scope.is_unrestricted:
            return self
        return self.filter(
            Q(city_company_id__in=scope.city_company_ids) | Q(project_id__in=scope.project_ids)
        )

    def active(self) -> MemberQuerySet:
        return self.filter(left_at__isnull=True)


class Member(TimeStampedModel):
    class LinkStatus(models.TextChoices):
        NOT_A_CUSTOMER = "none", _("Not a customer yet")
        LINKED = "linked", _("Linked to a customer")
        TO_REVIEW = "review", _("Possible match: to review")

    number = models.CharField(_("member number"), max_length=20, unique=True)
    city_company = models.ForeignKey(
        "properties.CityCompany",
        on_delete=models.PROTECT,
        related_name="members",
        verbose_name=_("city company"),
    )
    project = models.ForeignKey(
        "properties.Project",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
        verbose_name=_("registered at project"),
    )
    name = models.CharField(_("name"), max_length=50)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices, blank=True)
    birth_date = models.DateField(_("birth date"))
    nationality = models.CharField(_("nationality"), max_length=50, default="中国")
    employer = models.CharField(_("employer"), max_length=100, blank=True)
    education = models.CharField(_("education"), max_length=20, choices=Education.choices, blank=True)
    phone = models.CharField(_("mobile number"), max_length=11, validators=[validate_mobile])
    phone_last4 = models.CharField(max_length=4, editable=False, db_index=True)
    id_number = EncryptedCharField(_("ID number"), max_length=40, blank=True, null=True)
    id_number_hash = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    email = models.EmailField(_("email"), blank=True)
    interests = models.JSONField(_("interests"), default=list, blank=True)
    care_wish = models.CharField(
        _("care wish"), max_length=200, blank=True, help_text=_("For example: ask before visiting.")
    )
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("customer"),
    )
    link_status = models.CharField(
        _("customer link"), max_length=8, choices=LinkStatus.choices, default=LinkStatus.NOT_A_CUSTOMER
    )
    referred_by = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("referred by"),
    )
    channel = models.CharField(_("enrolled through"), max_length=10, choices=EnrolmentChannel.choices)
    enrolled_at = models.DateTimeField(_("enrolled at"), default=timezone.now)
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    left_at = models.DateTimeField(_("left the club at"), null=True, blank=True)
    # Kept by membership.tiers (nightly) and membership.services.points (every entry).
    tier = models.CharField(_("tier"), max_length=10, choices=Tier.choices, default=Tier.STANDARD)
    tier_reason = models.CharField(_("why this tier"), max_length=200, blank=True)
    tier_computed_at = models.DateTimeField(null=True, blank=True, editable=False)
    points_balance = models.IntegerField(
        _("points"), default=0, editable=False, help_text=_("The sum of the ledger, kept with every entry.")
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = MemberQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("member")
        verbose_name_plural = _("members")
        constraints = [
            # One active membership per phone number: a second enrolment is refused.
            models.UniqueConstraint(
                fields=["phone"], condition=Q(left_at__isnull=True), name="member_phone_once"
            ),
            models.CheckConstraint(condition=Q(points_balance__gte=0), name="member_points_never_negative"),
        ]
        indexes = [
            models.Index(fields=["city_company", "id"], name="member_city"),
            models.Index(fields=["project", "id"], name="member_project"),
            models.Index(fields=["customer"], name="member_customer"),
            # The dashboards: members enrolled in a period at a project, members now at each project.
            models.Index(
                fields=["enrolled_at", "project"], name="member_enrolled", condition=Q(project__isnull=False)
            ),
            models.Index(
                fields=["project"],
                name="member_now_at_project",
                condition=Q(project__isnull=False, left_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"

    @classmethod
    def from_db(cls, db, field_names, values):
        member = super().from_db(db, field_names, values)
        # Where and when they enrolled as loaded: a save that moves them moves the club's monthly sums
        # (membership.purchases).
        if "project_id" in member.__dict__ and "enrolled_at" in member.__dict__:
            member._loaded_enrolment = (member.project_id, member.enrolled_at)
        return member

    def save(self, *args, **kwargs):
        self.phone_last4 = (self.phone or "")[-4:]
        if self.id_number:
            self.id_number_hash = pii_hash(self.id_number)
        super().save(*args, **kwargs)


class Consent(models.Model):
    """Append-only: each grant or withdrawal of a consent, with the text version it answered.
    The member's current consent of a kind is their latest row of that kind."""

    class Kind(models.TextChoices):
        CLUB_DATA = "club_data", _("The club's use of my personal data")
        MARKETING = "marketing", _("Marketing messages")

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="consents")
    kind = models.CharField(_("consent to"), max_length=10, choices=Kind.choices)
    granted = models.BooleanField(_("granted"))
    text_version = models.CharField(_("consent text version"), max_length=20)
    channel = models.CharField(_("channel"), max_length=10, choices=EnrolmentChannel.choices)
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["member", "kind", "-recorded_at", "-id"]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        indexes = [models.Index(fields=["member", "kind", "-recorded_at"], name="consent_latest")]

    def __str__(self) -> str:
        return f"{self.member_id} {self.kind} {'+' if self.granted else '-'}"


class CareTask(TimeStampedModel):
    """A birthday or a home anniversary the project team should mark, once a year per member."""

    class Kind(models.TextChoices):
        BIRTHDAY = "birthday", _("Birthday")
        HOME_ANNIVERSARY = "anniversary", _("Home anniversary")

    class Status(models.TextChoices):
        OPEN = "open", _("To do")
        DONE = "done", _("Done")
        SKIPPED = "skipped", _("Skipped")

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="care_tasks")
    kind = models.CharField(_("occasion"), max_length=12, choices=Kind.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    due_on = models.DateField(_("date"))
    project = models.ForeignKey(
        "properties.Project", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    city_company = models.ForeignKey("properties.CityCompany", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.OPEN)
    note = models.TextField(_("note"), blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("care task")
        verbose_name_plural = _("care tasks")
        constraints = [
            models.UniqueConstraint(fields=["member", "kind", "year"], name="care_task_once_a_year")
        ]
        indexes = [models.Index(fields=["due_on", "id"], name="care_task_open", condition=Q(status="open"))]

    def __str__(self) -> str:
        return f"{self.member_id} {self.kind} {self.year}"
