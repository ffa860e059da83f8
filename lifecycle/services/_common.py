"""What the registers' writes share: role and scope checks, row locks with versions."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.utils.translation import gettext as _

from customers.services import ConcurrentEditError

from ..permissions import may_edit_registers, may_record_acknowledgements


def in_scope(user, project_id: int) -> bool:
    return user.scope.is_unrestricted or project_id in user.scope.project_ids


def require_writer(user, project_id: int) -> None:
    if not may_edit_registers(user):
        raise PermissionDenied(_("Your role may not change the lifecycle registers."))
    require_scope(user, project_id)


def require_acknowledger(user, project_id: int) -> None:
    if not may_record_acknowledgements(user):
        raise PermissionDenied(_("Your role may not record disclosure acknowledgements."))
    require_scope(user, project_id)


def require_scope(user, project_id: int) -> None:
    if not in_scope(user, project_id):
        raise PermissionDenied(_("This project is outside your city companies and projects."))


def lock(model, pk: int, version: int | None):
    """The fresh row, locked for this transaction; a stale version is a conflict, not an overwrite."""
    locked = model.objects.select_for_update().get(pk=pk)
    if version is not None and locked.version != version:
        raise ConcurrentEditError()
    return locked


def save(instance, fields: Iterable[str]):
    instance.version = F("version") + 1
    extra = ["updated_at"] if hasattr(instance, "updated_at") else []
    instance.save(update_fields=[*set(fields), "version", *extra])
    instance.refresh_from_db(fields=["version"])
    return instance
