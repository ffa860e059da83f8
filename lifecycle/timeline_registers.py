"""The timeline's sources for the lifecycle's registers (registered in LifecycleConfig.ready()): a sales
commitment made (when it was recorded) and settled (fulfilled or waived, when it was settled).

Each is one query on lifecycle_commitment for the customer's contracts (they buy a handful of homes;
index commitment_contract_status), newest first, at most `limit + 1` (see lifecycle/timeline.py). The
link goes to the contract's commitments register, kept only for viewers who see the commitment."""

from __future__ import annotations

from django.urls import reverse
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from customers.models import Contract

from .models import Commitment
from .timeline import TimelineEntry, older_than, register_timeline_source

DETAIL_CHARS = 120
COLUMNS = ("pk", "contract_id", "text", "status", "due_on", "created_at", "settled_at", "settled_note")


def _customer_commitments(customer):
    return Commitment.objects.filter(
        contract__in=Contract.objects.filter(primary_buyer=customer).values("pk")
    ).only(*COLUMNS)


def _link(row) -> dict:
    return {
        "url": reverse("lifecycle:contract_commitments", args=[row.contract_id]),
        "record": (Commitment, row.pk),
    }


def commitment_made_entries(customer, *, before, limit):
    rows = (
        _customer_commitments(customer)
        .filter(older_than(before, "commitment", "created_at"))
        .order_by("-created_at", "-pk")[: limit + 1]
    )
    return [
        TimelineEntry(
            at=row.created_at,
            kind="commitment",
            id=row.pk,
            title=_("Sales commitment: %(text)s") % {"text": Truncator(row.text).chars(DETAIL_CHARS)},
            detail=_("due %(day)s") % {"day": row.due_on.isoformat()} if row.due_on else "",
            **_link(row),
        )
        for row in rows
    ]


def commitment_settled_entries(customer, *, before, limit):
    rows = (
        _customer_commitments(customer)
        .filter(settled_at__isnull=False)
        .filter(older_than(before, "commitment_settled", "settled_at"))
        .order_by("-settled_at", "-pk")[: limit + 1]
    )
    return [
        TimelineEntry(
            at=row.settled_at,
            kind="commitment_settled",
            id=row.pk,
            title=_("Sales commitment %(status)s: %(text)s")
            % {"status": row.get_status_display().lower(), "text": Truncator(row.text).chars(DETAIL_CHARS)},
            detail=Truncator(row.settled_note).chars(DETAIL_CHARS),
            **_link(row),
        )
        for row in rows
    ]


def register_register_sources() -> None:
    register_timeline_source("commitment", gettext_lazy("Sales commitments"), commitment_made_entries)
    register_timeline_source(
        "commitment_settled", gettext_lazy("Commitments kept or waived"), commitment_settled_entries
    )
