"""Risk pre-control checkpoints: plan one of the five per project, record it done with findings, and
follow the findings up with actions."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from properties.models import Project

from ..models import RiskAction, RiskCheckpoint
from ._common import in_scope, lock, require_writer, save

CHECKPOINT_FIELDS = ("owner", "planned_on", "done_on", "findings")
ACTION_FIELDS = ("text", "owner", "due_on", "status", "note")


def _check_owner(owner: User | None, project_id: int, errors: dict) -> None:
    if owner is not None and (not owner.is_active or not in_scope(owner, project_id)):
        errors["owner"] = _("Choose an active staff member of this project.")


def _check_checkpoint(checkpoint: RiskCheckpoint) -> None:
    errors: dict = {}
    if checkpoint.kind not in RiskCheckpoint.Kind.values:
        errors["kind"] = _("Unknown checkpoint.")
    _check_owner(checkpoint.owner, checkpoint.project_id, errors)
    if checkpoint.done_on and checkpoint.done_on > timezone.localdate():
        errors["done_on"] = _("The done date is in the future.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def risk_checkpoint_create(*, by: User, project: Project, kind: str, **fields) -> RiskCheckpoint:
    require_writer(by, project.pk)
    checkpoint = RiskCheckpoint(
        project=project, kind=kind, **{k: v for k, v in fields.items() if k in CHECKPOINT_FIELDS}
    )
    _check_checkpoint(checkpoint)
    try:
        with transaction.atomic():
            checkpoint.save()
    except IntegrityError:
        raise ValidationError({"kind": _("This checkpoint is already planned for the project.")}) from None
    return checkpoint


@transaction.atomic
def risk_checkpoint_update(
    *, by: User, checkpoint: RiskCheckpoint, version: int | None, **fields
) -> RiskCheckpoint:
    require_writer(by, checkpoint.project_id)
    checkpoint = lock(RiskCheckpoint, checkpoint.pk, version)
    changed = [name for name in CHECKPOINT_FIELDS if name in fields]
    for name in changed:
        setattr(checkpoint, name, fields[name])
    _check_checkpoint(checkpoint)
    return save(checkpoint, changed)


def _check_action(action: RiskAction, project_id: int) -> None:
    errors: dict = {}
    if not (action.text or "").strip():
        errors["text"] = _("Say what must be done.")
    if action.status not in RiskAction.Status.values:
        errors["status"] = _("Unknown status.")
    _check_owner(action.owner, project_id, errors)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def risk_action_create(*, by: User, checkpoint: RiskCheckpoint, **fields) -> RiskAction:
    require_writer(by, checkpoint.project_id)
    action = RiskAction(checkpoint=checkpoint, **{k: v for k, v in fields.items() if k in ACTION_FIELDS})
    _check_action(action, checkpoint.project_id)
    action.save()
    return action


@transaction.atomic
def risk_action_update(*, by: User, action: RiskAction, version: int | None, **fields) -> RiskAction:
    project_id = action.checkpoint.project_id
    require_writer(by, project_id)
    action = lock(RiskAction, action.pk, version)
    changed = [name for name in ACTION_FIELDS if name in fields]
    for name in changed:
        setattr(action, name, fields[name])
    _check_action(action, project_id)
    return save(action, changed)
