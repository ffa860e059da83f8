"""The customer 360 page's sales-commitments section (registered with customers.panels): the open
promises on the customer's contracts, overdue ones flagged, with links to each contract's register.
One query, whatever the number of contracts."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone

from .models import Commitment
from .permissions import may_edit_registers, may_view_registers

ROWS = 10


def customer_commitments(request, customer) -> str:
    user = request.user
    if not may_view_registers(user):
        return ""
    rows = list(
        Commitment.objects.visible_to(user)
        .filter(contract__primary_buyer=customer)
        .select_related("contract")
        .order_by("status", "due_on", "-id")[: ROWS + 1]
    )
    if not rows:
        return ""
    today = timezone.localdate()
    for row in rows:
        row.overdue = row.is_overdue(today)
    shown = rows[:ROWS]
    open_rows = [row for row in shown if row.status == Commitment.Status.OPEN]
    contracts = {row.contract_id: row.contract for row in shown}
    return render_to_string(
        "lifecycle/_customer_commitments.html",
        {
            "rows": shown,
            "more": len(rows) > ROWS,
            "open_count": len(open_rows),
            "overdue_count": sum(1 for row in open_rows if row.overdue),
            "contracts": contracts.values(),
            "may_edit": may_edit_registers(user),
        },
        request=request,
    )
