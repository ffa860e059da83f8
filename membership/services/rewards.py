"""How the growth features (referrals, event attendance) earn points: through the ledger helper's
`membership.services.points.points_earn` when it is there.

LEAD: the fallback below stands in until membership/services/points.py is merged; once it is, the
import succeeds and the fallback is dead code: delete it and import points_earn directly.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F

from ..models import Member, PointsEntry

try:  # pragma: no cover - which branch runs depends on the merge
    from .points import points_earn  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover

    def points_earn(*, member, kind, points, source, reason, actor=None, expires_on=None):
        """Stand-in with the ledger's contract: one entry per (kind, source), the balance kept on the
        member's locked row; None when that source already earned."""
        with transaction.atomic():
            Member.objects.select_for_update().filter(pk=member.pk).first()
            try:
                with transaction.atomic():
                    entry = PointsEntry.objects.create(
                        member=member,
                        kind=kind,
                        points=points,
                        source=source,
                        reason=reason[:200],
                        actor=actor,
                        expires_on=expires_on,
                    )
            except IntegrityError:
                return None
            Member.objects.filter(pk=member.pk).update(points_balance=F("points_balance") + points)
            return entry


__all__ = ["points_earn"]
