"""Who may do what with the 6+2 touchpoints: the rules in one place (scope is each queryset's `visible_to`)."""

from __future__ import annotations

from accounts.models import Role

# Work touchpoints (their own, and the unassigned ones of their role in their scope).
ROLES_WORKING_TOUCHPOINTS = {
    Role.GROUP_ADMIN,
    Role.CITY_HEAD,
    Role.CS_SUPERVISOR,
    Role.CS_AGENT,
    Role.DELIVERY_ENGINEER,
}
# Record an outcome on any touchpoint in scope (covering for an absent colleague).
ROLES_OVERSEEING_TOUCHPOINTS = {Role.GROUP_ADMIN, Role.CITY_HEAD, Role.CS_SUPERVISOR}
# Read the completion rates per step and project.
ROLES_READING_RATES = {Role.GROUP_ADMIN, Role.CITY_HEAD, Role.CS_SUPERVISOR, Role.READONLY_MANAGER}


def may_work_touchpoints(user) -> bool:
    return user.is_active and user.role in ROLES_WORKING_TOUCHPOINTS


def may_read_rates(user) -> bool:
    return user.is_active and user.role in ROLES_READING_RATES


def may_record(user, touchpoint) -> bool:
    """Its assignee, anyone of its role while it is unassigned, or an overseer (all within scope)."""
    if not may_work_touchpoints(user):
        return False
    if user.role in ROLES_OVERSEEING_TOUCHPOINTS:
        return True
    if touchpoint.assignee_id:
        return touchpoint.assignee_id == user.pk
    return touchpoint.role == user.role


# Who may do what with the registers (commitments, red line, risk checkpoints, renovation items).
# Supervisors, city heads and the group admin keep the registers; agents, delivery engineers and
# read-only managers read them (engineers see the red-line guard on their batches, and record the
# buyers' signed acknowledgements at handover). Each row is further limited to the user's projects
# (`visible_to`).


WRITERS = frozenset({Role.GROUP_ADMIN, Role.CITY_HEAD, Role.CS_SUPERVISOR})
READERS = WRITERS | {Role.CS_AGENT, Role.DELIVERY_ENGINEER, Role.READONLY_MANAGER}
ACKNOWLEDGERS = WRITERS | {Role.DELIVERY_ENGINEER}


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def may_view_registers(user) -> bool:
    return _active(user) and user.role in READERS


def may_edit_registers(user) -> bool:
    return _active(user) and user.role in WRITERS


def may_record_acknowledgements(user) -> bool:
    return _active(user) and user.role in ACKNOWLEDGERS
