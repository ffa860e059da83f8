"""The member section of the customer 360 page (customers.panels): member number, tier, points and
consents of the customer's memberships the viewer may see. One query (memberships with their
consents prefetched: two), none for a viewer without access to the club."""

from __future__ import annotations

from django.template.loader import render_to_string

from .permissions import may_view_club
from .selectors.members import current_consents, customer_memberships


def customer_membership_panel(request, customer) -> str:
    if not may_view_club(request.user):
        return ""
    memberships = customer_memberships(user=request.user, customer=customer)
    for member in memberships:
        member.current = current_consents(member)
    return render_to_string(
        "membership/_customer_membership.html",
        {"memberships": memberships, "customer": customer},
        request=request,
    )
