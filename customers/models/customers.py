"""The customer record: a person, their phones, the lifecycle stage, and merges of duplicates."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from encrypted_fields.fields import EncryptedCharField

from core.encryption import pii_hash
from core.masking import mask_id_number, mask_phone
from properties.models import TimeStampedModel

from ..validators import validate_mobile, validate_resident_id
from .households import HouseholdMember


class Gender(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")
    UNKNOWN = "", _("Unknown")


class IdType(models.TextChoices):
    RESIDENT_ID = "resident_id", _("Resident ID card (居民身份证)")
    PASSPORT = "passport", _("Passport")
    HK_MACAO_PERMIT = "hk_macao", _("Mainland travel permit for HK/Macao residents")
    TAIWAN_PERMIT = "taiwan", _("Mainland travel permit for Taiwan residents")
    FOREIGN_PERMANENT = "foreign_pr", _("Foreigner's permanent residence ID")


class Education(models.TextChoices):
    UNKNOWN = "", _("Unknown")
    SECONDARY = "secondary", _("Secondary school or below")
    COLLEGE = "college", _("College (大专)")
    BACHELOR = "bachelor", _("Bachelor")
    MASTER = "master", _("Master")
    DOCTORATE = "doctorate", _("Doctorate")


class ContactChannel(models.TextChoices):
    PHONE = "phone", _("Phone call")
    SMS = "sms", _("SMS")
    WECHAT = "wechat", _("WeChat")
    EMAIL = "email", _("Email")
    VISIT = "visit", _("Visit")


class AcquisitionChannel(models.TextChoices):
    WALK_IN = "walk_in", _("Sales-office walk-in")
    REFERRAL = "referral", _("Owner referral")
    CLUB = "club", _("Club member (万客会)")
    ONLINE = "online", _("Online")
    ADVERTISING = "advertising", _("Advertising")
    AGENCY = "agency", _("Agency")
    EVENT = "event", _("Event")
    OTHER = "other", _("Other")


class Stage(models.TextChoices):
    PROSPECT = "prospect", _("Prospect (意向客户)")
    BUYER = "buyer", _("Buyer awaiting handover (准业主)")
    SETTLING_IN = "settling_in", _("Settling-in owner (磨合期)")
    STABLE = "stable", _("Stable owner (稳定期)")
    ESTABLISHED = "established", _("Established owner (老业主)")


def stage_on(
    *, signed_on: datetime.date | None, handed_over_on: datetime.date | None, today: datetime.date
) -> Stage:
    """The stage a contract puts its buyer in on `today`."""
    if signed_on is None or signed_on > today:
        return Stage.PROSPECT
    if handed_over_on is None or handed_over_on > today:
        return Stage.BUYER
    if today <= _add_years(handed_over_on, 1):
        return Stage.SETTLING_IN
    if today <= _add_years(handed_over_on, 2):
        return Stage.STABLE
    return Stage.ESTABLISHED


def _add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


class CustomerQuerySet(models.QuerySet):
    def visible_to(self, user, *, whole_set: bool = False) -> CustomerQuerySet:
        """The customers of the user's city companies, registered at or holding a unit in their projects.

        The holders are a correlated EXISTS on household_project_customer: cheap for a page read in
        id order or a few candidates (search, one customer). `whole_set=True` is for aggregates over
        every visible customer (dashboards): `pk IN (holders)`, hashed once, which PostgreSQL also
        costs sanely (the EXISTS inside an OR is costed per customer, and the estimate sets off JIT).
        """
        if not user.may_see_customers():
            return self.none()
        scope = user.scope
        if scope.is_unrestricted:
            return self
        holders = HouseholdMember.objects.filter(project_id__in=scope.project_ids)
        holds_unit_in_scope = (
            Q(pk__in=holders.values("customer_id"))
            if whole_set
            else Exists(holders.filter(customer_id=OuterRef("pk")))
        )
        return self.filter(
            Q(city_company_id__in=scope.city_company_ids)
            | Q(registered_project_id__in=scope.project_ids)
            | holds_unit_in_scope
        )

    @staticmethod
    def stage_conditions(today: datetime.date) -> dict[Stage, Q]:
        """One filter per stage, over the latest contract's dates kept on the customer
        (`latest_signed_on`, `latest_handed_over_on`; see contracts.customers_refresh_contract_dates).
        The same rule as `stage_on()`."""
        one_year_ago = _add_years(today, -1)
        two_years_ago = _add_years(today, -2)
        signed = Q(latest_signed_on__isnull=False, latest_signed_on__lte=today)
        handed = signed & Q(latest_handed_over_on__isnull=False, latest_handed_over_on__lte=today)
        return {
            Stage.PROSPECT: ~signed,
            Stage.BUYER: signed & ~handed,
            Stage.SETTLING_IN: handed & Q(latest_handed_over_on__gte=one_year_ago),
            Stage.STABLE: handed
            & Q(latest_handed_over_on__lt=one_year_ago, latest_handed_over_on__gte=two_years_ago),
            Stage.ESTABLISHED: handed & Q(latest_handed_over_on__lt=two_years_ago),
        }

    def in_stage(self, stage: str, today: datetime.date | None = None) -> CustomerQuerySet:
        conditions = self.stage_conditions(today or timezone.localdate())
        return self.filter(conditions[Stage(stage)])

    def count_by_stage(self, today: datetime.date | None = None) -> dict[Stage, int]:
        """Customers per stage in one grouped query over the customers' own columns (dashboards)."""
        conditions = self.stage_conditions(today or timezone.localdate())
        counts = self.order_by().aggregate(
            **{stage.value: models.Count("pk", filter=condition) for stage, condition in conditions.items()}
        )
        return {stage: counts[stage.value] for stage in Stage}


# Written only by contracts.customers_refresh_contract_dates, never by Customer.save().
CONTRACT_DATE_FIELDS = ("latest_signed_on", "latest_handed_over_on")


class Customer(TimeStampedModel):
    """A person: prospect, buyer, owner or resident. One person may own several homes over a lifetime."""

    city_company = models.ForeignKey(
        "properties.CityCompany",
        on_delete=models.PROTECT,
        related_name="customers",
        verbose_name=_("city company"),
        help_text=_("The data section that owns this record."),
    )
    registered_project = models.ForeignKey(
        "properties.Project",
        on_delete=models.PROTECT,
        related_name="registered_customers",
        verbose_name=_("registered at project"),
        null=True,
        blank=True,
    )
    name = models.CharField(pgettext_lazy("person", "name"), max_length=50)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    id_type = models.CharField(_("ID document type"), max_length=20, choices=IdType.choices, blank=True)
    id_number = EncryptedCharField(_("ID number"), max_length=40, blank=True, null=True)
    id_number_hash = models.CharField(max_length=64, blank=True, editable=False, db_index=True)
    id_number_masked = models.CharField(_("ID number"), max_length=40, blank=True, editable=False)
    nationality = models.CharField(_("nationality"), max_length=50, default="中国")
    employer = models.CharField(_("employer"), max_length=100, blank=True)
    education = models.CharField(_("education"), max_length=20, choices=Education.choices, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    email = models.EmailField(_("email"), blank=True)
    # The person's openid at the company's WeChat official account, set when they follow it and bind
    # their phone; WeChat template messages go to it (customers.messaging).
    wechat_openid = models.CharField(_("WeChat openid"), max_length=64, blank=True, editable=False)
    preferred_channel = models.CharField(
        _("preferred contact channel"),
        max_length=10,
        choices=ContactChannel.choices,
        default=ContactChannel.PHONE,
    )
    acquisition_channel = models.CharField(
        _("acquisition channel"), max_length=20, choices=AcquisitionChannel.choices, blank=True
    )
    referrer = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="referrals",
        verbose_name=_("referred by"),
    )
    notes = models.TextField(_("notes"), blank=True)
    # Recorded when the family tells us: no more surveys, campaigns or club mailings to this person.
    deceased_on = models.DateField(_("deceased on"), null=True, blank=True)
    # Set by customers.anonymise: the personal data are placeholders now; no message goes to the record.
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)
    # The dates that decide the lifecycle stage, copied from latest_active_contract() by
    # contracts.customers_refresh_contract_dates after every contract write: the stage of
    # 400k customers is then a filter on their own rows, not two subqueries per customer.
    latest_signed_on = models.DateField(_("latest contract signed on"), null=True, blank=True, editable=False)
    latest_handed_over_on = models.DateField(
        _("latest contract handed over on"), null=True, blank=True, editable=False
    )

    objects = CustomerQuerySet.as_manager()
    # Keyed hashes of encrypted fields, rewritten by reencrypt_personal_data after PII_HASH_KEY rotates.
    pii_hashed_fields = {"id_number": "id_number_hash"}

    class Meta:
        ordering = ["-id"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        constraints = [
            models.UniqueConstraint(
                fields=["id_type", "id_number_hash"],
                condition=~Q(id_number_hash=""),
                name="customer_id_number_unique",
            ),
        ]
        indexes = [
            models.Index(fields=["city_company", "-id"], name="customer_city_recent"),
            # Global search by name (王桂英 in the search box, customers.selectors: name__contains): a
            # trigram GIN index turns LIKE '%…%' into an index lookup for three characters or more. PostgreSQL
            # only (migration 00xx creates pg_trgm; other databases skip the index).
            GinIndex(fields=["name"], name="customer_name_trgm", opclasses=["gin_trgm_ops"]),
            # Search by the start of a name (one or two characters, 王伟: name__startswith) and by the
            # whole name. A plain btree cannot serve LIKE '王伟%' in a non-C collation; the pattern
            # operators can (PostgreSQL; elsewhere this is a plain index on name).
            models.Index(fields=["name"], name="customer_name_prefix", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = {}
        if self.id_number:
            self.id_number = self.id_number.strip().upper()
            if not self.id_type:
                errors["id_type"] = _("Choose the type of the ID document.")
            elif self.id_type == IdType.RESIDENT_ID:
                try:
                    validate_resident_id(self.id_number)
                except ValidationError as error:
                    errors["id_number"] = error.messages
        if self.birth_date and self.birth_date > timezone.localdate():
            errors["birth_date"] = _("The birth date is in the future.")
        if self.deceased_on and self.deceased_on > timezone.localdate():
            errors["deceased_on"] = _("The date of death is in the future.")
        if self.referrer_id and self.referrer_id == self.pk:
            errors["referrer"] = _("A customer cannot refer themselves.")
        if (
            self.registered_project_id
            and self.city_company_id
            and (self.registered_project.city_company_id != self.city_company_id)
        ):
            errors["registered_project"] = _("The project belongs to another city company.")
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs) -> None:
        # The hash and the mask are derived here so that no list has to decrypt.
        self.id_number_hash = pii_hash(self.id_number) if self.id_number else ""
        self.id_number_masked = mask_id_number(self.id_number or "")
        if kwargs.get("update_fields") is not None and "id_number" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "id_number_hash", "id_number_masked"}
        if kwargs.get("update_fields") is None and not self._state.adding and not kwargs.get("force_insert"):
            # A customer loaded before a contract changed must not write its stale contract dates back.
            kwargs["update_fields"] = [
                f.name
                for f in self._meta.concrete_fields
                if not f.primary_key and f.name not in CONTRACT_DATE_FIELDS
            ]
        super().save(*args, **kwargs)

    def stage(self, today: datetime.date | None = None) -> Stage:
        """Stage from the most recent active contract where this customer is the primary buyer
        (its dates are kept on the customer: no query)."""
        return stage_on(
            signed_on=self.latest_signed_on,
            handed_over_on=self.latest_handed_over_on,
            today=today or timezone.localdate(),
        )

    @property
    def primary_phone(self) -> CustomerPhone | None:
        phones = list(self.phones.all())
        return next((p for p in phones if p.is_primary), phones[0] if phones else None)


class CustomerPhone(models.Model):
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="phones", verbose_name=_("customer")
    )
    number = models.CharField(_("mobile number"), max_length=11, validators=[validate_mobile], db_index=True)
    # The last four digits, indexed: agents search callers by "尾号".
    last4 = models.CharField(max_length=4, editable=False, db_index=True)
    is_primary = models.BooleanField(_("primary"), default=False)
    label = models.CharField(_("label"), max_length=20, blank=True)

    class Meta:
        ordering = ["-is_primary", "id"]
        verbose_name = _("phone number")
        verbose_name_plural = _("phone numbers")
        constraints = [
            models.UniqueConstraint(fields=["customer", "number"], name="phone_unique_per_customer"),
            models.UniqueConstraint(
                fields=["customer"], condition=Q(is_primary=True), name="one_primary_phone_per_customer"
            ),
        ]

    def __str__(self) -> str:
        return self.masked

    def save(self, *args, **kwargs) -> None:
        self.last4 = self.number[-4:]
        super().save(*args, **kwargs)

    @property
    def masked(self) -> str:
        return mask_phone(self.number)


class CustomerMerge(models.Model):
    """A duplicate record folded into another (合并客户): who did it, when, and what moved. The duplicate's
    row is gone; its id, name and masked ID number stay here so that old references can be traced."""

    survivor = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="merges", verbose_name=_("kept customer")
    )
    duplicate_id = models.PositiveBigIntegerField(_("merged customer id"), db_index=True)
    duplicate_name = models.CharField(_("merged customer"), max_length=50)
    duplicate_id_number_masked = models.CharField(_("merged customer's ID number"), max_length=40, blank=True)
    moved = models.JSONField(_("moved records"), default=dict, help_text=_("Records moved, by kind."))
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("merged by")
    )
    merged_at = models.DateTimeField(_("merged at"), default=timezone.now)

    class Meta:
        ordering = ["-merged_at", "-id"]
        verbose_name = _("customer merge")
        verbose_name_plural = _("customer merges")

    def __str__(self) -> str:
        return f"{self.duplicate_name} (#{self.duplicate_id}) → {self.survivor_id}"
