"""What lifecycle tells a handover batch before it opens (registered with delivery.batch_checks):

- a blocker while any buyer in the batch has not acknowledged a disclosure version containing every
  material red-line item of the project (the refusal names those buyers);
- a warning while buyers in the batch have open sales commitments.

Three queries per batch whatever its size: its contracts, the material items, the acknowledged items.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from customers.models import Contract
from delivery.batch_checks import BatchCheck

from .selectors import open_commitment_counts, undisclosed_contracts

NAMES_SHOWN = 20


def _batch_contracts(batch) -> list[Contract]:
    return list(
        Contract.objects.filter(unit__handover__batch=batch, status=Contract.Status.ACTIVE)
        .select_related("primary_buyer", "unit")
        .order_by("unit__code", "pk")
    )


def _names(contracts: list[Contract]) -> str:
    shown = [f"{c.primary_buyer.name} ({c.unit.code})" for c in contracts[:NAMES_SHOWN]]
    more = len(contracts) - len(shown)
    return "、".join(shown) + (_(" and %(n)d more") % {"n": more} if more else "")


def red_line_guard(batch) -> list[BatchCheck]:
    contracts = _batch_contracts(batch)
    missing = undisclosed_contracts(batch.project_id, contracts)
    if not missing:
        return []
    return [
        BatchCheck(
            message=_(
                "Material red-line items are not yet disclosed to %(count)d buyers (no signed "
                "acknowledgement of a version containing them): %(names)s."
            )
            % {"count": len(missing), "names": _names([contract for contract, _items in missing])},
            blocker=True,
            link=reverse("lifecycle:project_risk", args=[batch.project_id]) + "#red-line",
        )
    ]


def commitments_warning(batch) -> list[BatchCheck]:
    contracts = _batch_contracts(batch)
    counts = open_commitment_counts([c.pk for c in contracts])
    if not counts:
        return []
    owing = [c for c in contracts if counts.get(c.pk)]
    return [
        BatchCheck(
            message=_("%(commitments)d sales commitments are still open for %(count)d buyers: %(names)s.")
            % {"commitments": sum(counts.values()), "count": len(owing), "names": _names(owing)},
            link=reverse("lifecycle:project_commitments", args=[batch.project_id]) + "?status=open",
        )
    ]
