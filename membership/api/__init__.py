"""REST API v1 of the club (万客会): /api/v1/members/, referrals/, purchase-intentions/ (with counts),
events/ (with register, cancel, check-in, registrations), points-entries/, benefits/ (with redeem).

- Scope: every list and detail goes through the model's `visible_to(user)`; outside it → 404, and a
  reference in a payload (member, project, city company) resolves within the scope only.
- Roles: membership.permissions: reading needs `may_view_club`; a write needs `may_serve_members`
  (the services check the finer rules: organising events needs `may_run_club`); refused → 403.
- Personal data: phones and ID numbers leave the server masked (138****5678), whatever the role; the
  clear value is revealed on the member page only, with a reason and the access log.
- Concurrency: members and events carry `version` (body field or If-Match); missing → 428, stale → 409.
- Writes go through membership.services; the serializers check the shape of the input only.
- Paging: cursor (keyset on the id), never a count.
"""

from .events import EventViewSet
from .growth import PurchaseIntentionViewSet, ReferralViewSet
from .ledger import BenefitViewSet, PointsEntryViewSet
from .members import MemberViewSet


def register(router) -> None:
    router.register("members", MemberViewSet, basename="member")
    router.register("referrals", ReferralViewSet, basename="referral")
    router.register("purchase-intentions", PurchaseIntentionViewSet, basename="purchase-intention")
    router.register("events", EventViewSet, basename="event")
    router.register("points-entries", PointsEntryViewSet, basename="points-entry")
    router.register("benefits", BenefitViewSet, basename="benefit")


__all__ = ["register"]
