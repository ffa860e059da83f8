"""The club's purchases for the dashboards and the referral board: each active signed contract with
whether it was the club's (the board's definitions, membership.selectors.growth.club_purchases),
stored so that a dashboard or the board groups a few rows instead of testing every contract against
its buyer's history.

Kept by membership.purchases (with the monthly sums, ClubMonth): recomputed for a buyer whenever one of their contracts, memberships or
referrals changes (in the transaction of the change), rebuilt in full by
`manage.py club_purchases_rebuild` after bulk writes (imports, the bench).
"""

from __future__ import annotations

from django.db import models


class ClubPurchase(models.Model):
    """One active contract with a signing date: where (its unit's project) and when it was signed,
    whether its buyer was buying again (an earlier active contract, or a member enrolled before the
    signing day) and whether it attributes a referral."""

    contract = models.OneToOneField(
        "customers.Contract", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    # The contract's primary buyer, repeated: a buyer's purchases are recomputed together. A plain
    # number, not a foreign key: a merge deletes the duplicate customer, and its purchases must stay
    # until they are recomputed for the survivor (their monthly sums are moved with them).
    buyer_id = models.BigIntegerField(db_index=True)
    project = models.ForeignKey("properties.Project", on_delete=models.PROTECT, related_name="+")
    signed_on = models.DateField()
    is_repurchase = models.BooleanField(default=False)
    is_referred = models.BooleanField(default=False)

    class Meta:
        indexes = [
            models.Index(fields=["signed_on", "project"], name="club_purchase_signed"),
            # The referral board's part-months in a user's projects: read from the index alone.
            models.Index(
                fields=["project", "signed_on"],
                include=["is_repurchase", "is_referred"],
                name="club_purchase_project_day",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contract_id} {self.signed_on}"


class ClubMonth(models.Model):
    """One calendar month (TIME_ZONE) at one project: the members who enrolled there then (kept with
    every member created, moved or deleted) and its purchases, summed (kept with every ClubPurchase
    change). A dashboard's (and the referral board's) whole months read these rows, its part-months the
    members and purchases."""

    month = models.DateField()  # the month's first day
    project = models.ForeignKey("properties.Project", on_delete=models.PROTECT, related_name="+")
    enrolled = models.IntegerField(default=0)
    buyers = models.IntegerField(default=0)
    repurchases = models.IntegerField(default=0)
    referred = models.IntegerField(default=0)
    # Purchases either a repurchase or referred (the board's "through the club", counted once).
    # db_default: rows upserted by code that predates the column still insert.
    club = models.IntegerField(default=0, db_default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["month", "project"], name="club_month_key")]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}/{self.project_id}: {self.buyers}"
