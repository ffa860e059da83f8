"""Sales commitments: record a promise on a contract, edit it, settle it (fulfilled or waived)."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Department, User
from core.uploads import clean_attachment
from customers.models import Contract

from ..models import Commitment
from ._common import lock, require_writer, save

_UNSET = object()


def _check(*, text: str, promised_by: User | None, promised_by_name: str, department: str, errors: dict):
    if not (text or "").strip():
        errors["text"] = _("Write down what was promised.")
    if promised_by is None and not (promised_by_name or "").strip():
        errors["promised_by_name"] = _("Say who promised it: a staff member or their name.")
    if department and department not in Department.values:
        errors["department"] = _("Unknown department.")


@transaction.atomic
def commitment_create(
    *,
    by: User,
    contract: Contract,
    text: str,
    promised_by: User | None = None,
    promised_by_name: str = "",
    department: str = "",
    due_on: datetime.date | None = None,
    evidence: UploadedFile | None = None,
) -> Commitment:
    project_id = contract.unit.project_id
    require_writer(by, project_id)
    errors: dict = {}
    _check(
        text=text,
        promised_by=promised_by,
        promised_by_name=promised_by_name,
        department=department,
        errors=errors,
    )
    if errors:
        raise ValidationError(errors)
    checked = clean_attachment(evidence, field="evidence") if evidence else None
    return Commitment.objects.create(
        contract=contract,
        project_id=project_id,
        text=text.strip(),
        promised_by=promised_by,
        promised_by_name=promised_by_name.strip(),
        department=department,
        due_on=due_on,
        evidence=checked.file if checked else "",
    )


@transaction.atomic
def commitment_update(
    *,
    by: User,
    commitment: Commitment,
    version: int | None,
    text=_UNSET,
    promised_by=_UNSET,
    promised_by_name=_UNSET,
    department=_UNSET,
    due_on=_UNSET,
) -> Commitment:
    require_writer(by, commitment.project_id)
    commitment = lock(Commitment, commitment.pk, version)
    changes = {
        name: value
        for name, value in {
            "text": text,
            "promised_by": promised_by,
            "promised_by_name": promised_by_name,
            "department": department,
            "due_on": due_on,
        }.items()
        if value is not _UNSET
    }
    for name, value in changes.items():
        setattr(commitment, name, value.strip() if isinstance(value, str) else value)
    errors: dict = {}
    _check(
        text=commitment.text,
        promised_by=commitment.promised_by,
        promised_by_name=commitment.promised_by_name,
        department=commitment.department,
        errors=errors,
    )
    if errors:
        raise ValidationError(errors)
    return save(commitment, changes)


@transaction.atomic
def commitment_settle(
    *, by: User, commitment: Commitment, status: str, note: str = "", version: int | None = None
) -> Commitment:
    """Mark the promise fulfilled or waived (with who, when and why); a waiver needs a note."""
    require_writer(by, commitment.project_id)
    commitment = lock(Commitment, commitment.pk, version)
    if status not in (Commitment.Status.FULFILLED, Commitment.Status.WAIVED):
        raise ValidationError({"status": _("Choose fulfilled or waived.")})
    if commitment.status != Commitment.Status.OPEN:
        raise ValidationError({"status": _("This commitment is already settled.")})
    if status == Commitment.Status.WAIVED and not (note or "").strip():
        raise ValidationError({"note": _("Say why the commitment is waived.")})
    commitment.status = status
    commitment.settled_by = by
    commitment.settled_at = timezone.now()
    commitment.settled_note = (note or "").strip()
    return save(commitment, ["status", "settled_by", "settled_at", "settled_note"])
