"""What lifecycle tells a handover batch before it opens (registered with delivery.batch_checks):

- a blocker while any buyer in the batch has not acknowledged a disclosure version containing every
  material red-line item of the project (the refusal names those buyers);
- a warning while buyers in the batch have open sales commitments.

One query per batch whatever its size: its contracts, each flagged in SQL.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from customers.models import Contract
from delivery.batch_checks import BatchCheck

from .selectors import contracts_with_register_flags

NAMES_SHOWN = 20


def _names(contracts: list[Contract]) -> str:
    shown = [f"{c.primary_buyer.name} ({c.unit.code})" for c in contracts[:NAMES_SHOWN]]
    more = len(contracts) - len(shown)
    return "、".join(shown) + (_(" and %(n)d more") % {"n": more} if more else "")


def lifecycle_batch_checks(batch) -> list[BatchCheck]:
    contracts = list(
        contracts_with_register_flags(
            Contract.objects.filter(unit__handover__batch=batch, status=Contract.Status.ACTIVE),
            project_id=batch.project_id,
        )
        .select_related("primary_buyer", "unit")
        .order_by("unit__code", "pk")
    )
    checks = []
    undisclosed = [c for c in contracts if c.undisclosed]
    if undisclosed:
        checks.append(
            BatchCheck(
                message=_(
                    "Material red-line items are not yet disclosed to %(count)d buyers (no signed "
                    "acknowledgement of a version containing them): %(names)s."
                )
                % {"count": len(undisclosed), "names": _names(undisclosed)},
                blocker=True,
                link=reverse("lifecycle:project_risk", args=[batch.project_id]) + "#red-line",
            )
        )
    owing = [c for c in contracts if c.open_commitments]
    if owing:
        checks.append(
            BatchCheck(
                message=_("%(commitments)d sales commitments are still open for %(count)d buyers: %(names)s.")
                % {
                    "commitments": sum(c.open_commitments for c in owing),
                    "count": len(owing),
                    "names": _names(owing),
                },
                link=reverse("lifecycle:project_commitments", args=[batch.project_id]) + "?status=open",
            )
        )
    return checks
