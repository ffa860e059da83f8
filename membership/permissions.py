"""Who may do what in the club: the rules in one place (scope is each queryset's `visible_to`)."""

from __future__ import annotations

from accounts.models import Role

# Read members, events, referrals, intentions and the ledger of their scope.
ROLES_VIEWING_CLUB = {
    Role.GROUP_ADMIN,
    Role.CITY_HEAD,
    Role.CS_SUPERVISOR,
    Role.CS_AGENT,
    Role.READONLY_MANAGER,
}
# Enrol members, record consents, referrals and intentions, register for events, check in, redeem.
ROLES_SERVING_MEMBERS = {Role.GROUP_ADMIN, Role.CITY_HEAD, Role.CS_SUPERVISOR, Role.CS_AGENT}
# Create events and benefits, adjust points, review ambiguous customer links.
ROLES_RUNNING_CLUB = {Role.GROUP_ADMIN, Role.CITY_HEAD, Role.CS_SUPERVISOR}


def may_view_club(user) -> bool:
    return user.is_active and user.role in ROLES_VIEWING_CLUB


def may_serve_members(user) -> bool:
    return user.is_active and user.role in ROLES_SERVING_MEMBERS


def may_run_club(user) -> bool:
    return user.is_active and user.role in ROLES_RUNNING_CLUB
