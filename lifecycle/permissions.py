"""Who may do what with the registers (commitments, red line, risk checkpoints, renovation items).

Supervisors, city heads and the group admin keep the registers; agents, delivery engineers and
read-only managers read them (engineers see the red-line guard on their batches, and record the
buyers' signed acknowledgements at handover). Each row is further limited to the user's projects
(`visible_to`)."""

from __future__ import annotations

from accounts.models import Role

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
