"""Anonymisation (PIPL art. 47): a customer's personal data replaced by placeholders, everything the
figures count kept, and the retention job that anonymises records closed for PII_RETENTION_YEARS.

What changes: the name, phones, ID number, email, address, employer, WeChat openid, notes and the day
and month of birth on the customer; free texts and personal data in every other app's rows (each app's
anonymiser, customers.privacy). What stays: ids, links between rows, dates, categories (gender, stage,
channels, statuses), scores, amounts and counts, so every figure of the dashboards is the same after.
A CustomerAnonymisation row records who, when, why and how many rows of each kind were rewritten; the
customer's `anonymised_at` stops every message to them (customers.messaging).
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import PersonalDataAccess, Role
from core.audit import audit_trail_anonymise

from .models import (
    Contract,
    Customer,
    CustomerAnonymisation,
    CustomerConsent,
    CustomerMerge,
    CustomerPhone,
    HouseholdLink,
    HouseholdMember,
)
from .privacy import PLACEHOLDER, anonymisers, register_retention_hold, retention_holds

logger = logging.getLogger(__name__)

ROLES_ANONYMISING = {Role.GROUP_ADMIN}
RETENTION_BATCH = 200


def may_anonymise(user) -> bool:
    """Irreversible, and asked of the group (a person's erasure request): the group administrator."""
    return user.is_active and user.role in ROLES_ANONYMISING


def placeholder_phone(index: int) -> str:
    """A phone placeholder: eleven digits no mobile number has (they start with 1), distinct per row."""
    return f"{index:011d}"


def year_only(day: datetime.date | None) -> datetime.date | None:
    return day.replace(month=1, day=1) if day else None


def _customer_rows(customer: Customer, now: datetime.datetime) -> int:
    """customers' own rows besides the record: phones, supervisors' link reasons, merged duplicates."""
    rewritten = 0
    for index, phone in enumerate(CustomerPhone.objects.filter(customer=customer).order_by("id")):
        phone.number = placeholder_phone(index)
        phone.label = ""
        phone.save(update_fields=["number", "last4", "label"])
        rewritten += 1
    rewritten += HouseholdLink.objects.filter(customer=customer).update(reason=PLACEHOLDER)
    rewritten += CustomerMerge.objects.filter(survivor=customer).update(
        duplicate_name=PLACEHOLDER, duplicate_id_number_masked=""
    )
    # The audit trail of the record kept its names, notes and addresses as they changed.
    rewritten += audit_trail_anonymise(Customer, [customer.pk], placeholder=PLACEHOLDER)
    return rewritten


@transaction.atomic
def customer_anonymise(
    *,
    customer: Customer,
    by,
    reason: str,
    now: datetime.datetime | None = None,
    automatic: bool = False,
) -> CustomerAnonymisation:
    """Replace the customer's personal data everywhere with placeholders, keep every count, log it.
    `by` None is the retention job (`automatic`). Refused twice for one customer."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError({"reason": _("Say why this customer's data is anonymised.")})
    if by is not None:
        if not may_anonymise(by):
            raise PermissionDenied(_("Your role may not anonymise customers."))
        if not Customer.objects.visible_to(by).filter(pk=customer.pk).exists():
            raise PermissionDenied(_("This customer is outside your city companies and projects."))
    now = now or timezone.now()
    locked = Customer.objects.select_for_update().get(pk=customer.pk)
    if locked.anonymised_at is not None:
        raise ValidationError(_("This customer is anonymised already."))
    rewritten = {"customer": 1, "customer_rows": _customer_rows(locked, now)}
    for name, anonymise in anonymisers().items():
        rewritten[name] = anonymise(locked, now)
    locked.name = PLACEHOLDER
    locked.id_number = None
    locked.birth_date = year_only(locked.birth_date)
    locked.email = ""
    locked.address = ""
    locked.employer = ""
    locked.wechat_openid = ""
    locked.notes = ""
    locked.anonymised_at = now
    locked.version += 1
    locked.save()
    customer.__dict__.update(
        {key: value for key, value in locked.__dict__.items() if not key.startswith("_")}
    )
    return CustomerAnonymisation.objects.create(
        customer=locked,
        anonymised_at=now,
        anonymised_by=by,
        automatic=automatic,
        reason=reason[:200],
        rewritten={kind: count for kind, count in rewritten.items() if count},
    )


# --- the retention job ---------------------------------------------------------------------------------


def retention_cutoff(now: datetime.datetime, years: int) -> datetime.datetime:
    local = timezone.localtime(now)
    try:
        return local.replace(year=local.year - years)
    except ValueError:  # 29 February
        return local.replace(year=local.year - years, day=28)


def register_customer_privacy() -> None:
    """customers' own retention holds (called from CustomersConfig.ready()): a home held, an active
    contract, or any contract, household link, consent or reveal since the cutoff."""
    holds = {
        "households": lambda cutoff: HouseholdMember.objects.values("customer_id"),
        "contracts": lambda cutoff: Contract.objects.filter(
            Q(status=Contract.Status.ACTIVE) | Q(updated_at__gte=cutoff)
        ).values("primary_buyer_id"),
        "household_links": lambda cutoff: HouseholdLink.objects.filter(linked_at__gte=cutoff).values(
            "customer_id"
        ),
        "consents": lambda cutoff: CustomerConsent.objects.filter(recorded_at__gte=cutoff).values(
            "customer_id"
        ),
        "reveals": lambda cutoff: PersonalDataAccess.objects.filter(accessed_at__gte=cutoff).values(
            "customer_id"
        ),
    }
    for name, hold in holds.items():
        register_retention_hold(f"customers.{name}", hold)


def retention_candidates(*, now: datetime.datetime | None = None, years: int | None = None):
    """The customers the retention job anonymises: not anonymised yet, created and last changed before
    the cutoff, and held by no app's retention hold (an open record, or one touched since). By id."""
    now = now or timezone.now()
    years = settings.PII_RETENTION_YEARS if years is None else years
    cutoff = retention_cutoff(now, years)
    customers = Customer.objects.filter(
        anonymised_at__isnull=True, created_at__lt=cutoff, updated_at__lt=cutoff
    )
    for hold in retention_holds().values():
        # Each hold is a subquery of non-null customer ids (a NULL would make NOT IN exclude everyone).
        customers = customers.exclude(pk__in=hold(cutoff))
    return customers.order_by("pk")


@dataclass(frozen=True)
class RetentionReport:
    cutoff: datetime.datetime
    total: int
    per_city_company: list[tuple[str, int]]
    first_ids: list[int]


def retention_report(
    *, now: datetime.datetime | None = None, years: int | None = None, sample: int = 20
) -> RetentionReport:
    """What the job would anonymise now: how many per city company and the first `sample` ids. Reads only."""
    now = now or timezone.now()
    years = settings.PII_RETENTION_YEARS if years is None else years
    candidates = retention_candidates(now=now, years=years)
    per_city = list(
        candidates.order_by()
        .values("city_company__name")
        .annotate(count=Count("pk"))
        .order_by("city_company__name")
        .values_list("city_company__name", "count")
    )
    return RetentionReport(
        cutoff=retention_cutoff(now, years),
        total=sum(count for _name, count in per_city),
        per_city_company=per_city,
        first_ids=list(candidates.values_list("pk", flat=True)[:sample]),
    )


def retention_run(
    *,
    now: datetime.datetime | None = None,
    years: int | None = None,
    limit: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Anonymise the retention candidates, each in its own transaction, in id order, up to `limit`.
    A rerun after a killed worker goes on where it stopped (anonymised records are no candidates);
    a record that fails is logged and skipped. `progress(done, total)` after each batch."""
    now = now or timezone.now()
    years = settings.PII_RETENTION_YEARS if years is None else years
    if years <= 0:
        return 0
    candidates = retention_candidates(now=now, years=years)
    total = candidates.count() if limit is None else min(limit, candidates.count())
    reason = _("Retention: every record closed for %(years)d years") % {"years": years}
    done, last_pk = 0, 0
    while done < total:
        ids = list(
            candidates.filter(pk__gt=last_pk).values_list("pk", flat=True)[
                : min(RETENTION_BATCH, total - done)
            ]
        )
        if not ids:
            break
        for customer in Customer.objects.filter(pk__in=ids).order_by("pk"):
            try:
                customer_anonymise(customer=customer, by=None, reason=reason, now=now, automatic=True)
            except ValidationError:  # anonymised meanwhile by someone else
                logger.info("retention: customer %s was anonymised already", customer.pk)
            done += 1
        last_pk = ids[-1]
        if progress is not None:
            progress(done, total)
    return done
