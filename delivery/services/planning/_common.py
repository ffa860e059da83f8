"""What planning's writes share: who may do what, row locks with versions, scope checks."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.utils.translation import gettext as _

from accounts.models import Role, User
from customers.services import ConcurrentEditError

from ...models import Appointment, HandoverBatch
from ..defects import in_scope, require_role

# Who may: plan batches, readiness and slots; book and run the day; read.
PLANNERS = {Role.GROUP_ADMIN, Role.CITY_HEAD, Role.CS_SUPERVISOR, Role.DELIVERY_ENGINEER}
BOOKERS = PLANNERS | {Role.CS_AGENT}
READERS = BOOKERS | {Role.READONLY_MANAGER}
ACTION_ROLES: dict[str, set[Role]] = {"plan": PLANNERS, "book": BOOKERS, "read": READERS}
# Which batch statuses each kind of work on a batch leaves from: planning it (units, readiness,
# slots), booking owners into it, opening it for its days, checking owners in on the day, closing it.
BATCH_TRANSITIONS: dict[str, set[str]] = {
    "plan": {HandoverBatch.Status.PLANNING, HandoverBatch.Status.OPEN},
    "book": {HandoverBatch.Status.PLANNING, HandoverBatch.Status.OPEN},
    "open": {HandoverBatch.Status.PLANNING},
    "check_in": {HandoverBatch.Status.OPEN},
    "close": {HandoverBatch.Status.PLANNING, HandoverBatch.Status.OPEN},
}
# The role each kind of work on a batch needs (ACTION_ROLES).
BATCH_ACTION_ROLES = {"plan": "plan", "book": "book", "open": "plan", "check_in": "book", "close": "plan"}


def may(user: User | None, action: str) -> bool:
    return bool(user and user.is_active and user.role in ACTION_ROLES[action])


def batch_allows(batch: HandoverBatch, action: str) -> bool:
    """Whether the batch's status allows `action` (BATCH_TRANSITIONS): what the services check."""
    return batch.status in BATCH_TRANSITIONS[action]


def batch_actions(batch: HandoverBatch, user: User) -> frozenset[str]:
    """The work on the batch that the user's role may do now: what the batch pages offer."""
    return frozenset(
        action
        for action, role in BATCH_ACTION_ROLES.items()
        if may(user, role) and batch_allows(batch, action)
    )


def _require_scope(user: User, project_id: int) -> None:
    if not in_scope(user, project_id):
        raise PermissionDenied(_("This project is outside your city companies and projects."))


def _lock(model, pk: int, version: int | None):
    """The fresh row, locked for this transaction; a stale version is a conflict, not an overwrite."""
    locked = model.objects.select_for_update().get(pk=pk)
    if version is not None and locked.version != version:
        raise ConcurrentEditError()
    return locked


def _save(instance, fields: Iterable[str]):
    instance.version = F("version") + 1
    extra = ["updated_at"] if hasattr(instance, "updated_at") else []
    instance.save(update_fields=[*set(fields), "version", *extra])
    instance.refresh_from_db(fields=["version"])
    return instance


def _require_not_closed(batch: HandoverBatch) -> None:
    if not batch_allows(batch, "plan"):
        raise ValidationError({"status": _("The batch is closed.")})


def _check_staff(user: User | None, project_id: int, field: str, errors: dict) -> None:
    if user is not None and (not user.is_active or not in_scope(user, project_id)):
        errors[field] = _("Choose an active colleague working on this project.")


def _booker_checks(by: User | None, project_id: int) -> None:
    if by is not None:
        require_role(by, BOOKERS)
        _require_scope(by, project_id)


def _lock_appointment(appointment: Appointment, version: int | None) -> Appointment:
    locked = _lock(Appointment, appointment.pk, version)
    return Appointment.objects.select_related("slot", "slot__batch", "handover").get(pk=locked.pk)
