"""Customers' consents (PIPL) to marketing and surveys: recorded, withdrawn, and the one question every
sender asks. Append-only, like the club's (membership.services.consents): every grant and withdrawal is
a CustomerConsent row with the text version it answered, the channel, the time and who recorded it; the
current answer of a purpose is the latest row. A withdrawal counts from the moment it is written.

Marketing needs a yes on record; surveys hold until withdrawn (CONSENT_NEEDED). The club asks
`customers_refusing(…, MARKETING)` of members who are customers; surveys ask it for SURVEYS beside
their opt-outs, and a survey opt-out (the link in an invitation) writes a withdrawal here.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .consent_texts import current_text
from .models import CONSENT_NEEDED, ConsentChannel, ConsentPurpose, Customer, CustomerConsent


def _check_staff(by, customer: Customer) -> None:
    if by is None:
        return
    if not by.may_edit_customers():
        raise PermissionDenied(_("Your role may not record a customer's consents."))
    if not Customer.objects.visible_to(by).filter(pk=customer.pk).exists():
        raise PermissionDenied(_("This customer is outside your city companies and projects."))


@transaction.atomic
def customer_consent_record(
    *,
    customer: Customer,
    purpose: str,
    granted: bool,
    channel: str = ConsentChannel.STAFF,
    by=None,
    now: datetime.datetime | None = None,
) -> CustomerConsent:
    """Append one answer to the current text of `purpose`. `by` is the staff member recording it (None:
    the person themselves, from a link, or a job). Recording the same answer again is a no-op."""
    if purpose not in ConsentPurpose.values:
        raise ValidationError({"purpose": _("Unknown purpose.")})
    if channel not in ConsentChannel.values:
        raise ValidationError({"channel": _("Unknown channel.")})
    _check_staff(by, customer)
    # One customer's consent changes queue behind this lock, so "the latest row" is well defined.
    Customer.objects.select_for_update().filter(pk=customer.pk).values_list("pk", flat=True).first()
    latest = (
        CustomerConsent.objects.filter(customer=customer, purpose=purpose)
        .order_by("-recorded_at", "-id")
        .first()
    )
    if latest is not None and latest.granted == granted:
        return latest
    return CustomerConsent.objects.create(
        customer=customer,
        purpose=purpose,
        granted=granted,
        text_version=current_text(purpose).version,
        channel=channel,
        recorded_at=now or timezone.now(),
        recorded_by=by,
    )


def consents_current(customer: Customer) -> dict[str, CustomerConsent | None]:
    """Each purpose's latest row (None: never answered), in one query."""
    current: dict[str, CustomerConsent | None] = dict.fromkeys(ConsentPurpose.values)
    for consent in CustomerConsent.objects.filter(customer=customer).order_by(
        "purpose", "-recorded_at", "-id"
    ):
        if current[consent.purpose] is None:
            current[consent.purpose] = consent
    return current


def _latest_answers(ids: set[int], purpose: str) -> dict[int, bool]:
    latest: dict[int, bool] = {}
    rows = (
        CustomerConsent.objects.filter(customer_id__in=ids, purpose=purpose)
        .order_by("customer_id", "-recorded_at", "-id")
        .values_list("customer_id", "granted")
    )
    for customer_id, granted in rows:
        latest.setdefault(customer_id, granted)
    return latest


def customers_refusing(customer_ids: Iterable[int], purpose: str) -> set[int]:
    """Of these customers, those who may not be written to for `purpose` now: their latest answer is
    a withdrawal, or (marketing) there is no yes on record. One query."""
    ids = {int(pk) for pk in customer_ids if pk is not None}
    if not ids:
        return set()
    latest = _latest_answers(ids, purpose)
    if CONSENT_NEEDED[ConsentPurpose(purpose)]:
        return {pk for pk in ids if not latest.get(pk, False)}
    return {pk for pk, granted in latest.items() if not granted}


def customers_withdrawn(customer_ids: Iterable[int], purpose: str) -> set[int]:
    """Of these customers, those whose latest answer for `purpose` is a withdrawal (for a sender that
    holds its own yes, as the club does for its members). One query."""
    ids = {int(pk) for pk in customer_ids if pk is not None}
    if not ids:
        return set()
    return {pk for pk, granted in _latest_answers(ids, purpose).items() if not granted}


def customer_may_receive(customer: Customer, purpose: str) -> bool:
    return customer.anonymised_at is None and customer.pk not in customers_refusing([customer.pk], purpose)
