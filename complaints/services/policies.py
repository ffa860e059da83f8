"""SLA policies, edited by group administrators."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Role, User

from ..models import SlaPolicy


@transaction.atomic
def sla_policy_save(*, by: User, policy: SlaPolicy | None = None, **fields) -> SlaPolicy:
    """Create or edit an SLA policy (group administrators). New complaints pick it up; running clocks keep theirs."""
    if not (by.is_active and by.role == Role.GROUP_ADMIN):
        raise PermissionDenied(_("Only group administrators edit SLA policies."))
    policy = policy or SlaPolicy()
    for name, value in fields.items():
        setattr(policy, name, value)
    policy.full_clean()
    policy.save()
    return policy
