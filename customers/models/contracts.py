"""Sales contracts (购房合同): one active per unit; the latest decides its buyer's lifecycle stage."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from properties.models import TimeStampedModel, Unit

from .customers import Customer, Stage, stage_on


class ScopedByUnitQuerySet(models.QuerySet):
    def visible_to(self, user):
        if not user.may_see_customers():
            return self.none()
        scope = user.scope
        if scope.is_unrestricted:
            return self
        return self.filter(unit__project_id__in=scope.project_ids)


def latest_active_contract(customer_ref) -> models.QuerySet:
    """The contract that decides a customer's stage: their most recent active one as primary buyer
    (an unsigned contract counts as the oldest). `customer_ref` is an OuterRef or a customer id."""
    return Contract.objects.filter(primary_buyer_id=customer_ref, status=Contract.Status.ACTIVE).order_by(
        models.F("signed_on").desc(nulls_last=True), "-pk"
    )


REFRESH_BATCH = 1000


def customers_refresh_contract_dates(*, customer_ids: Iterable[int] | None) -> int:
    """Copy each customer's latest active contract's signing and handover dates onto the customer
    (`latest_signed_on`, `latest_handed_over_on`): the columns the lifecycle stage is read from.

    The one way those columns are written. Every contract write calls it with the primary buyers it
    touched: Contract.save()/delete() (so the contract services, the admin and the handover sign-off
    are covered), and the bulk writers themselves (customers.importing, seed_demo, bench_data).
    `customer_ids=None` refreshes every customer that has or had a contract (backfills after a bulk
    load). Idempotent; returns the number of customers rewritten.

    It lives beside Contract because Contract.save() calls it; customers.services re-exports it for
    the other writers (a service module may import the models, never the reverse).
    """
    latest = latest_active_contract(OuterRef("pk"))
    dates = {
        "latest_signed_on": Subquery(latest.values("signed_on")[:1]),
        "latest_handed_over_on": Subquery(latest.values("handed_over_on")[:1]),
    }
    if customer_ids is None:
        touched = Customer.objects.filter(
            Exists(Contract.objects.filter(primary_buyer_id=OuterRef("pk")))
            | Q(latest_signed_on__isnull=False)
            | Q(latest_handed_over_on__isnull=False)
        )
        return touched.update(**dates)
    ids = sorted({int(pk) for pk in customer_ids if pk is not None})
    return sum(
        Customer.objects.filter(pk__in=ids[start : start + REFRESH_BATCH]).update(**dates)
        for start in range(0, len(ids), REFRESH_BATCH)
    )


class Contract(TimeStampedModel):
    """购房合同: one active contract per unit; its primary buyer is the unit's owner."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        CANCELLED = "cancelled", _("Cancelled (退房)")

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="contracts", verbose_name=_("unit"))
    primary_buyer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="contracts_as_buyer", verbose_name=_("primary buyer")
    )
    number = models.CharField(_("contract number"), max_length=40, unique=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE)
    subscribed_on = models.DateField(_("subscription date (认购)"), null=True, blank=True)
    signed_on = models.DateField(_("signing date"), null=True, blank=True)
    price = models.DecimalField(
        _("price (CNY)"), max_digits=14, decimal_places=2, validators=[MinValueValidator(0)]
    )
    contractual_handover_on = models.DateField(_("contractual handover date"), null=True, blank=True)
    handed_over_on = models.DateField(_("actual handover date"), null=True, blank=True)
    # The promises as free text, from before the register (lifecycle's Commitment rows, into which a
    # data migration moved them). Kept as history and read-only: no form, service or API writes it
    # (CONTRACT_FIELDS leaves it out); demo and bench data still fill it for the migration's sake.
    commitments = models.TextField(
        _("sales commitments (承诺)"),
        blank=True,
        help_text=_("Every promise made at sale, tracked until kept."),
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = ScopedByUnitQuerySet.as_manager()

    class Meta:
        ordering = ["-signed_on", "-id"]
        verbose_name = _("sales contract")
        verbose_name_plural = _("sales contracts")
        constraints = [
            models.UniqueConstraint(
                fields=["unit"],
                condition=Q(status="active"),
                name="one_active_contract_per_unit",
                violation_error_message=_("This unit already has an active contract."),
            ),
            models.CheckConstraint(
                condition=Q(subscribed_on__isnull=True)
                | Q(signed_on__isnull=True)
                | Q(subscribed_on__lte=models.F("signed_on")),
                name="contract_subscribed_before_signed",
            ),
            models.CheckConstraint(
                condition=Q(handed_over_on__isnull=True)
                | (Q(signed_on__isnull=False) & Q(signed_on__lte=models.F("handed_over_on"))),
                name="contract_signed_before_handover",
            ),
            models.CheckConstraint(
                condition=Q(contractual_handover_on__isnull=True)
                | Q(signed_on__isnull=True)
                | Q(signed_on__lte=models.F("contractual_handover_on")),
                name="contract_signed_before_promised_handover",
            ),
            models.CheckConstraint(condition=Q(price__gte=0), name="contract_price_not_negative"),
        ]
        indexes = [
            # latest_active_contract(): a buyer's contracts, newest first (customers_refresh_contract_dates).
            models.Index(fields=["primary_buyer", "-signed_on"], name="contract_buyer_latest"),
            # The club's referral board: the active contracts signed in a period, read from the index
            # alone (PostgreSQL's INCLUDE; the covered columns are what the board joins and groups on).
            models.Index(
                fields=["signed_on"],
                include=["id", "unit", "primary_buyer"],
                condition=Q(status="active"),
                name="contract_active_signed",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @classmethod
    def from_db(cls, db, field_names, values):
        contract = super().from_db(db, field_names, values)
        contract._loaded_primary_buyer_id = contract.__dict__.get("primary_buyer_id")
        return contract

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        self._refresh_buyers()

    def delete(self, *args, **kwargs):
        deleted = super().delete(*args, **kwargs)
        self._refresh_buyers()
        return deleted

    def _refresh_buyers(self) -> None:
        """The buyer's stage dates follow every contract saved through the ORM (services, admin,
        factories); bulk writes call customers_refresh_contract_dates themselves."""
        buyers = {self.primary_buyer_id, getattr(self, "_loaded_primary_buyer_id", None)} - {None}
        customers_refresh_contract_dates(customer_ids=buyers)
        self._loaded_primary_buyer_id = self.primary_buyer_id

    def clean(self) -> None:
        errors = {}
        if self.subscribed_on and self.signed_on and self.subscribed_on > self.signed_on:
            errors["signed_on"] = _("The contract cannot be signed before the subscription date.")
        if self.handed_over_on and not self.signed_on:
            errors["handed_over_on"] = _("A unit cannot be handed over before the contract is signed.")
        elif self.handed_over_on and self.signed_on and self.handed_over_on < self.signed_on:
            errors["handed_over_on"] = _("The handover date is before the signing date.")
        if self.contractual_handover_on and self.signed_on and self.contractual_handover_on < self.signed_on:
            errors["contractual_handover_on"] = _("The contractual handover date is before the signing date.")
        if self.handed_over_on and self.handed_over_on > timezone.localdate():
            errors["handed_over_on"] = _("The actual handover date cannot be in the future.")
        if errors:
            raise ValidationError(errors)

    def stage(self, today: datetime.date | None = None) -> Stage:
        return stage_on(
            signed_on=self.signed_on, handed_over_on=self.handed_over_on, today=today or timezone.localdate()
        )

    @property
    def is_handover_late(self) -> bool:
        due = self.contractual_handover_on
        return bool(due and (self.handed_over_on or timezone.localdate()) > due)
