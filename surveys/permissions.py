"""Who may do what with surveys: the rules in one place (scope is each queryset's `visible_to`)."""

from __future__ import annotations

from accounts.models import Role

# Read the campaigns, results and verbatims of their scope.
ROLES_VIEWING_SURVEYS = {
    Role.GROUP_ADMIN,
    Role.CITY_HEAD,
    Role.CS_SUPERVISOR,
    Role.CS_AGENT,
    Role.READONLY_MANAGER,
}
# Create, preview, send and close campaigns (within their scope).
ROLES_RUNNING_CAMPAIGNS = {Role.GROUP_ADMIN, Role.CITY_HEAD, Role.CS_SUPERVISOR}
# Enter an owner's answers taken by phone.
ROLES_INTERVIEWING = {Role.GROUP_ADMIN, Role.CITY_HEAD, Role.CS_SUPERVISOR, Role.CS_AGENT}
# Work the follow-ups of unhappy answers (record outcomes, raise a complaint).
ROLES_HANDLING_FOLLOW_UPS = {Role.GROUP_ADMIN, Role.CITY_HEAD, Role.CS_SUPERVISOR, Role.CS_AGENT}


def may_view_surveys(user) -> bool:
    return user.is_active and user.role in ROLES_VIEWING_SURVEYS


def may_run_campaigns(user) -> bool:
    return user.is_active and user.role in ROLES_RUNNING_CAMPAIGNS


def may_interview(user) -> bool:
    return user.is_active and user.role in ROLES_INTERVIEWING


def may_handle_follow_ups(user) -> bool:
    return user.is_active and user.role in ROLES_HANDLING_FOLLOW_UPS
