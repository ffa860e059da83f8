"""Each customer's value class (customers.CustomerValue), computed nightly: ABC and RFM.

What a customer is worth, in yuan, in one place (`customer_value`):
- the prices of their active contracts as primary buyer;
- plus REPURCHASE_WEIGHT of the price of every contract after their first (a repeat buyer is worth
  more than two strangers: they are the club's point);
- plus REFERRAL_SHARE of the price of each contract a friend they referred signed (老带新);
- plus POINT_VALUE yuan per point their club memberships earned (events, surveys, referrals…).

ABC: customers sorted by value, largest first; those making the first 75 % of the total are A, the
next 20 % B, the rest C (a customer straddling a boundary goes to the better class).

RFM, each scored 1–5 by quintile over every customer (5 best; ties share the lower rank's score):
- recency: days since the last contract signed or club event attended;
- frequency: active contracts plus events attended;
- monetary: the total price of the active contracts.
The segment names the classic eight from high (score ≥ 3) or low R, F and M, e.g. 重要价值客户.

Written with bulk upserts in batches; customers no longer valued (a cancelled only contract, an
unlinked member) lose their row.
"""

from __future__ import annotations

import datetime
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Max, Sum
from django.utils import timezone

from customers.models import Contract, CustomerValue, RfmSegment, ValueClass

from .models import PointsEntry, Referral, Registration

logger = logging.getLogger(__name__)

REPURCHASE_WEIGHT = Decimal("0.2")
REFERRAL_SHARE = Decimal("0.1")
POINT_VALUE = Decimal("10")
A_SHARE, B_SHARE = Decimal("0.75"), Decimal("0.95")
HIGH_SCORE = 3
BATCH_SIZE = 1000

SEGMENTS = {
    # (R high, F high, M high)
    (True, True, True): RfmSegment.IMPORTANT_VALUE,
    (False, True, True): RfmSegment.IMPORTANT_KEEP,
    (True, False, True): RfmSegment.IMPORTANT_DEVELOP,
    (False, False, True): RfmSegment.IMPORTANT_WIN_BACK,
    (True, True, False): RfmSegment.GENERAL_VALUE,
    (False, True, False): RfmSegment.GENERAL_KEEP,
    (True, False, False): RfmSegment.GENERAL_DEVELOP,
    (False, False, False): RfmSegment.GENERAL_WIN_BACK,
}


@dataclass
class CustomerFacts:
    contract_total: Decimal = Decimal(0)
    contracts: int = 0
    referral_value: Decimal = Decimal(0)
    referrals: int = 0
    points: int = 0
    events: int = 0
    last_active: datetime.date | None = None
    prices: list[Decimal] = field(default_factory=list)

    def touched(self, day: datetime.date | None) -> None:
        if day and (self.last_active is None or day > self.last_active):
            self.last_active = day


def customer_value(facts: CustomerFacts) -> Decimal:
    """The value in yuan (the module's docstring says why each part)."""
    # Every home but one is bought again; weighting all but the dearest does not depend on the order.
    repurchases = sum(sorted(facts.prices)[:-1], Decimal(0))
    return (
        facts.contract_total
        + REPURCHASE_WEIGHT * repurchases
        + REFERRAL_SHARE * facts.referral_value
        + POINT_VALUE * facts.points
    ).quantize(Decimal("0.01"))


def abc_classes(values: dict[int, Decimal]) -> dict[int, str]:
    """A / B / C by cumulative share of the total, largest first (ties by customer id)."""
    total = sum(values.values(), Decimal(0))
    classes, running = {}, Decimal(0)
    for customer_id, value in sorted(values.items(), key=lambda item: (-item[1], item[0])):
        share_before = running / total if total else Decimal(1)
        if value > 0 and share_before < A_SHARE:
            classes[customer_id] = ValueClass.A
        elif value > 0 and share_before < B_SHARE:
            classes[customer_id] = ValueClass.B
        else:
            classes[customer_id] = ValueClass.C
        running += value
    return classes


def quintile_scores(values: dict[int, float | int | Decimal]) -> dict[int, int]:
    """1–5 by quintile of the percentile rank in the ascending order (the smallest value scores 1,
    the largest 5, however few the customers); equal values score alike, as the first of them."""
    ordered = sorted(values.values())
    count = len(ordered)
    first_rank: dict = {}
    for rank, value in enumerate(ordered):
        first_rank.setdefault(value, rank)
    last = max(count - 1, 1)
    return {key: 1 + min(4, 5 * first_rank[value] // last) for key, value in values.items()}


def rfm_segment(recency: int, frequency: int, monetary: int) -> str:
    return SEGMENTS[(recency >= HIGH_SCORE, frequency >= HIGH_SCORE, monetary >= HIGH_SCORE)]


def gather_facts() -> dict[int, CustomerFacts]:
    """Every valued customer's facts, in four grouped reads."""
    facts: dict[int, CustomerFacts] = defaultdict(CustomerFacts)
    contracts = Contract.objects.filter(status=Contract.Status.ACTIVE).values_list(
        "primary_buyer_id", "price", "signed_on"
    )
    for customer_id, price, signed_on in contracts.iterator(chunk_size=5000):
        row = facts[customer_id]
        row.contract_total += price
        row.contracts += 1
        row.prices.append(price)
        row.touched(signed_on)
    referrals = (
        Referral.objects.filter(status=Referral.Status.BOUGHT, referrer__customer__isnull=False)
        .values("referrer__customer_id")
        .annotate(count=Count("id"), value=Sum("contract__price"))
    )
    for row in referrals:
        customer = facts[row["referrer__customer_id"]]
        customer.referrals, customer.referral_value = row["count"], row["value"] or Decimal(0)
    points = (
        PointsEntry.objects.filter(points__gt=0, member__customer__isnull=False)
        .exclude(kind=PointsEntry.Kind.ADJUSTMENT)
        .values("member__customer_id")
        .annotate(points=Sum("points"))
    )
    for row in points:
        facts[row["member__customer_id"]].points = row["points"]
    events = (
        Registration.objects.filter(status=Registration.Status.ATTENDED, member__customer__isnull=False)
        .values("member__customer_id")
        .annotate(count=Count("id"), last=Max("checked_in_at"))
    )
    for row in events:
        customer = facts[row["member__customer_id"]]
        customer.events = row["count"]
        customer.touched(timezone.localdate(row["last"]) if row["last"] else None)
    return facts


def customer_values_compute(
    facts: dict[int, CustomerFacts], *, today: datetime.date, now
) -> list[CustomerValue]:
    values = {customer_id: customer_value(row) for customer_id, row in facts.items()}
    classes = abc_classes(values)
    never = 100 * 365  # no dated activity: the least recent of all
    recency = quintile_scores(
        {pk: -((today - row.last_active).days if row.last_active else never) for pk, row in facts.items()}
    )
    frequency = quintile_scores({pk: row.contracts + row.events for pk, row in facts.items()})
    monetary = quintile_scores({pk: row.contract_total for pk, row in facts.items()})
    rows = []
    for pk, row in facts.items():
        explanation = (
            f"{row.contracts} 份合同 ¥{row.contract_total:,.0f}; 推荐成交 {row.referrals}; "
            f"活动 {row.events} 次; 积分 {row.points}"
        )
        rows.append(
            CustomerValue(
                customer_id=pk,
                value_class=classes[pk],
                value_score=values[pk],
                recency=recency[pk],
                frequency=frequency[pk],
                monetary=monetary[pk],
                rfm_segment=rfm_segment(recency[pk], frequency[pk], monetary[pk]),
                explanation=explanation[:200],
                computed_at=now,
            )
        )
    return rows


def customer_values_recompute(*, today: datetime.date | None = None, batch_size: int = BATCH_SIZE) -> int:
    """Recompute every customer's value class; returns the number of customers valued."""
    today, now = today or timezone.localdate(), timezone.now()
    rows = customer_values_compute(gather_facts(), today=today, now=now)
    update = [
        "value_class",
        "value_score",
        "recency",
        "frequency",
        "monetary",
        "rfm_segment",
        "explanation",
        "computed_at",
    ]
    for start in range(0, len(rows), batch_size):
        with transaction.atomic():
            CustomerValue.objects.bulk_create(
                rows[start : start + batch_size],
                update_conflicts=True,
                unique_fields=["customer"],
                update_fields=update,
            )
        logger.info("customer value: %s of %s written", min(start + batch_size, len(rows)), len(rows))
    # The customers not valued this run (their rows kept the older time) are valued no more.
    CustomerValue.objects.filter(computed_at__lt=now).delete()
    return len(rows)
