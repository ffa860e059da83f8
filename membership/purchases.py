"""Keeping the club's dashboard tables in step (the dashboards and the referral board read them): the
purchases (membership.models.ClubPurchase) with the contracts, memberships and referrals they are
computed from, and the monthly sums (ClubMonth) with the purchases and the members' enrolments.

Whether a purchase was the club's depends on more than its own contract (the board's definitions,
`membership.selectors.growth.club_purchases`): the buyer's other contracts (an earlier one makes this
one a repurchase; cancelling it undoes that), the buyer's memberships (linked later by a reviewer, or
moved by a merge) and the referral the contract attributes. So every change recomputes all the
purchases of the buyers it touches, in the transaction of the change:

- a contract saved or deleted through the ORM (the contract services with their signing, the admin,
  the handover sign-off, the factories): Contract's post_save / pre_delete, for its buyer before and
  after;
- a member linked to a customer (enrolment, the contract's signing, a reviewer), created or deleted;
  a referral attributed or changed; two customers merged (CustomerMerge saved): the receivers below,
  and explicit calls in the linking and referral services, which write with conditional UPDATEs.

A member's enrolment counts in the month and project they enrolled at: added when the member is
created, moved when a save changes either, taken away when the member is deleted (their post_save /
post_delete). A buyer's rows are recomputed under a lock of the buyer's customer row, and the monthly sums move by
the difference between their old and new rows (upserts, `n = n + excluded.n`), so two changes of one
buyer wait for each other and two of one month do not lose a count. The Excel import (customers.importing),
which bypasses save(), sends `contracts_bulk_written` for the contracts it wrote (received below); other
bulk writes (the bench) call `club_purchases_rebuild()` (or `manage.py club_purchases_rebuild`).
"""

from __future__ import annotations

import datetime
import sys
from collections import Counter
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import Count, DateField, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone
from tqdm import tqdm

from customers.models import Contract, Customer

from .models import ClubMonth, ClubPurchase, Member
from .selectors.growth import club_purchases

REBUILD_BATCH = 5000  # contracts per read
PURCHASE_FIELDS = ("pk", "primary_buyer_id", "unit__project_id", "signed_on", "is_repeat", "is_referred")
MonthKey = tuple  # (month's first day, project id)
CLUB = Q(is_repurchase=True) | Q(is_referred=True)  # a ClubPurchase that was the club's


def _purchases(contracts) -> list[ClubPurchase]:
    return [
        ClubPurchase(
            contract_id=pk,
            buyer_id=buyer,
            project_id=project,
            signed_on=signed_on,
            is_repurchase=repeat,
            is_referred=referred,
        )
        for pk, buyer, project, signed_on, repeat, referred in club_purchases(contracts).values_list(
            *PURCHASE_FIELDS
        )
    ]


def _month_counts(rows: Iterable[tuple], sign: int = 1) -> dict[MonthKey, Counter]:
    """(project, signed_on, is_repurchase, is_referred) rows → per (month, project) their counts × sign
    (`club`: either flag, counted once)."""
    counts: dict[MonthKey, Counter] = {}
    for project, signed_on, repurchase, referred in rows:
        cell = counts.setdefault((signed_on.replace(day=1), project), Counter())
        cell["buyers"] += sign
        cell["repurchases"] += sign * repurchase
        cell["referred"] += sign * referred
        cell["club"] += sign * (repurchase or referred)
    return counts


MONTH_COUNTS = ("enrolled", "buyers", "repurchases", "referred", "club")


def _months_add(deltas: dict[MonthKey, Counter]) -> None:
    rows = [
        (month, project, *(cell[name] for name in MONTH_COUNTS))
        for (month, project), cell in sorted(deltas.items())
        if any(cell.values())
    ]
    if not rows:
        return
    table = ClubMonth._meta.db_table
    updates = ", ".join(f"{name} = {table}.{name} + excluded.{name}" for name in MONTH_COUNTS)
    values = ", ".join(["%s"] * (2 + len(MONTH_COUNTS)))
    sql = (
        f"INSERT INTO {table} (month, project_id, {', '.join(MONTH_COUNTS)}) VALUES ({values}) "
        f"ON CONFLICT (month, project_id) DO UPDATE SET {updates}"  # nosec B608  # names only, no values
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def enrolment_month(enrolled_at) -> datetime.date:
    """The month (its first day) a member enrolled in, in TIME_ZONE: the dashboards' months."""
    return timezone.localtime(enrolled_at, timezone.get_default_timezone()).date().replace(day=1)


def _enrolment_move(old: tuple | None, new: tuple | None) -> None:
    """A member's enrolment (project, enrolled_at) from `old` to `new` (None: not counted)."""
    deltas: dict[MonthKey, Counter] = {}
    for place, sign in ((old, -1), (new, 1)):
        if place is not None and place[0] is not None and place[1] is not None:
            deltas.setdefault((enrolment_month(place[1]), place[0]), Counter())["enrolled"] += sign
    _months_add(deltas)


@transaction.atomic
def club_purchases_refresh(
    *,
    buyer_ids: Iterable[int | None] = (),
    contract_ids: Iterable[int | None] = (),
    leaving: Iterable[int] = (),
) -> None:
    """Recompute the purchases of these buyers and of these contracts' buyers (before and after).
    `leaving`: contracts about to be deleted, left out."""
    buyers = {pk for pk in buyer_ids if pk is not None}
    contracts = {pk for pk in contract_ids if pk is not None} | set(leaving)
    if contracts:
        buyers |= set(
            ClubPurchase.objects.filter(contract_id__in=contracts).values_list("buyer_id", flat=True)
        )
        buyers |= set(Contract.objects.filter(pk__in=contracts).values_list("primary_buyer_id", flat=True))
    if not buyers:
        return
    # Contracts that moved to these buyers (a merge, a corrected buyer) take their former buyers along.
    moved = ClubPurchase.objects.filter(
        contract_id__in=Contract.objects.filter(primary_buyer_id__in=buyers).values("pk")
    ).exclude(buyer_id__in=buyers)
    buyers |= set(moved.values_list("buyer_id", flat=True))
    ids = sorted(buyers)
    # One buyer's purchases are recomputed by one transaction at a time (their old rows are read once).
    list(Customer.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk", flat=True))
    old = ClubPurchase.objects.filter(buyer_id__in=ids)
    deltas = _month_counts(old.values_list("project_id", "signed_on", "is_repurchase", "is_referred"), -1)
    old.delete()
    new = _purchases(Contract.objects.filter(primary_buyer_id__in=ids).exclude(pk__in=list(leaving)))
    ClubPurchase.objects.bulk_create(new)
    for key, cell in _month_counts(
        (p.project_id, p.signed_on, p.is_repurchase, p.is_referred) for p in new
    ).items():
        deltas.setdefault(key, Counter()).update(cell)
    _months_add(deltas)


def club_purchases_rebuild(*, progress: bool = False) -> int:
    """Recompute every purchase from the contracts and then the monthly sums (with the enrolments), REBUILD_BATCH contracts
    at a time (a tqdm bar on stderr with `progress`), in one transaction; purchases written."""
    signed = Contract.objects.filter(status=Contract.Status.ACTIVE, signed_on__isnull=False).order_by()
    with transaction.atomic():
        ClubMonth.objects.all().delete()
        ClubPurchase.objects.all().delete()
        bar = tqdm(
            total=signed.count(),
            desc="club purchases",
            unit="contract",
            disable=not progress,
            file=sys.stderr,
        )
        last_id, written = 0, 0
        while True:
            ids = list(
                signed.filter(pk__gt=last_id).order_by("pk").values_list("pk", flat=True)[:REBUILD_BATCH]
            )
            if not ids:
                break
            last_id = ids[-1]
            purchases = _purchases(Contract.objects.filter(pk__in=ids))
            ClubPurchase.objects.bulk_create(purchases, batch_size=REBUILD_BATCH)
            written += len(purchases)
            bar.update(len(ids))
        bar.close()
        months = (
            ClubPurchase.objects.annotate(month=TruncMonth("signed_on"))
            .values_list("month", "project_id")
            .annotate(
                buyers=Count("pk"),
                repurchases=Count("pk", filter=Q(is_repurchase=True)),
                referred=Count("pk", filter=Q(is_referred=True)),
                club=Count("pk", filter=CLUB),
            )
            .order_by()
        )
        cells: dict[MonthKey, dict] = {}
        for month, project, buyers, repeat, ref, club in months:
            cells[(month, project)] = {"buyers": buyers, "repurchases": repeat, "referred": ref, "club": club}
        enrolments = (
            Member.objects.filter(project__isnull=False)
            .annotate(month=TruncMonth("enrolled_at", output_field=DateField()))
            .values_list("month", "project_id")
            .annotate(Count("pk"))
            .order_by()
        )
        for month, project, enrolled in enrolments:
            cells.setdefault((month, project), {})["enrolled"] = enrolled
        ClubMonth.objects.bulk_create(
            (
                ClubMonth(month=month, project_id=project, **counts)
                for (month, project), counts in cells.items()
            ),
            batch_size=REBUILD_BATCH,
        )
    return written


# --- receivers (connected in MembershipConfig.ready()) --------------------------------------------------


PURCHASE_CONTRACT_FIELDS = {"status", "signed_on", "primary_buyer", "primary_buyer_id", "unit", "unit_id"}


def on_contract_saved(sender, instance: Contract, raw: bool = False, update_fields=None, **kwargs) -> None:
    """Saves of other fields (a handover date, the price) change no purchase."""
    if raw or (update_fields is not None and not PURCHASE_CONTRACT_FIELDS & set(update_fields)):
        return
    club_purchases_refresh(
        buyer_ids=[instance.primary_buyer_id, getattr(instance, "_loaded_primary_buyer_id", None)],
        contract_ids=[instance.pk],
    )


def on_contracts_bulk_written(sender, contract_ids, buyer_ids, **kwargs) -> None:
    """The Excel import's contracts: the purchases of their buyers, and of their former buyers (a
    contract given another buyer), recomputed REBUILD_BATCH buyers at a time."""
    buyers = {pk for pk in buyer_ids if pk is not None}
    contract_ids = list(contract_ids)
    for start in range(0, len(contract_ids), REBUILD_BATCH):
        buyers |= set(
            ClubPurchase.objects.filter(contract_id__in=contract_ids[start : start + REBUILD_BATCH])
            .values_list("buyer_id", flat=True)
            .distinct()
        )
    ordered = sorted(buyers)
    for start in range(0, len(ordered), REBUILD_BATCH):
        club_purchases_refresh(buyer_ids=ordered[start : start + REBUILD_BATCH])


def on_contract_deleting(sender, instance: Contract, **kwargs) -> None:
    club_purchases_refresh(buyer_ids=[instance.primary_buyer_id], leaving=[instance.pk])


ENROLMENT_FIELDS = {"project", "project_id", "enrolled_at"}


def on_member_saved(
    sender, instance: Member, created: bool, raw: bool = False, update_fields=None, **kwargs
) -> None:
    """Their enrolment's month (created, or moved by this save), and their customer's purchases (a
    membership before the signing day makes a purchase the club's). Saves of other fields (points,
    tier) change nothing here."""
    if raw:
        return
    fields = None if update_fields is None else set(update_fields)
    place = (instance.project_id, instance.enrolled_at)
    if created:
        _enrolment_move(None, place)
    elif (
        (fields is None or fields & ENROLMENT_FIELDS)
        and hasattr(instance, "_loaded_enrolment")
        and instance._loaded_enrolment != place
    ):
        _enrolment_move(instance._loaded_enrolment, place)
    instance._loaded_enrolment = place
    if instance.customer_id is not None and (
        fields is None or fields & {"customer", "customer_id", "enrolled_at"}
    ):
        club_purchases_refresh(buyer_ids=[instance.customer_id])


def on_member_deleted(sender, instance: Member, **kwargs) -> None:
    _enrolment_move((instance.project_id, instance.enrolled_at), None)
    if instance.customer_id is not None:
        club_purchases_refresh(buyer_ids=[instance.customer_id])


def on_referral_changed(sender, instance, raw: bool = False, **kwargs) -> None:
    if not raw and instance.contract_id is not None:
        club_purchases_refresh(contract_ids=[instance.contract_id])


def on_customers_merged(sender, instance, created: bool = False, raw: bool = False, **kwargs) -> None:
    """The duplicate's contracts and memberships now belong to the survivor."""
    if created and not raw:
        club_purchases_refresh(buyer_ids=[instance.survivor_id])
