"""Work orders (派单): issued from a complaint to a department or a contractor, accepted, reported, completed."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Contractor, Role, User
from core.uploads import CheckedUpload, clean_image
from customers.services import ConcurrentEditError

from .. import work_order_deadlines
from ..models import Complaint, ComplaintEvent, Status, WorkOrder, WorkOrderNote
from ._common import _event, _in_scope, _lock, _notify, _require, _require_status, _save
from .attachments import MAX_ATTACHMENT_BYTES


def _assignee_errors(assignee: User, complaint: Complaint, *, department: str, contractor) -> dict:
    """Who may take a work order: someone who sees it once issued, i.e. working on the complaint's
    project, and a contractor's user only for their own company's order."""
    if not assignee.is_active or not _in_scope(assignee, complaint.project_id):
        return {"assignee": _("The assignee must be an active colleague working on this project.")}
    if contractor is not None and assignee.contractor_id != contractor.pk:
        return {"assignee": _("The assignee does not work for this contractor.")}
    if contractor is None and assignee.role == Role.CONTRACTOR:
        return {"assignee": _("A contractor's user takes only their own company's work orders.")}
    if assignee.role == Role.DEPARTMENT_STAFF and department and assignee.department != department:
        return {"assignee": _("The assignee does not work in this department.")}
    return {}


@transaction.atomic
def work_order_create(
    *,
    complaint: Complaint,
    by: User,
    description: str,
    due_at: datetime.datetime | None = None,
    department: str = "",
    contractor=None,
    assignee: User | None = None,
    expected_version: int | None = None,
) -> WorkOrder:
    """派单: a task with its own deadline for a department or a contractor; without a due time it is due
    its category's work-order hours later (else WORK_ORDER_DEFAULT_HOURS). The deadline warns and escalates (complaints.work_order_deadlines)."""
    _require(by, "create_work_order")
    complaint = _lock(complaint, expected_version)
    _require_status(complaint, "create_work_order")
    errors = {}
    if not department and contractor is None:
        errors["department"] = _("Choose a department or a contractor.")
    if not (description or "").strip():
        errors["description"] = _("Describe the task.")
    now = timezone.now()
    if due_at is not None and due_at <= now:
        errors["due_at"] = _("The deadline must be in the future.")
    if (
        contractor is not None
        and not Contractor.objects.working_on(complaint.project_id).filter(pk=contractor.pk).exists()
    ):
        errors["contractor"] = _("This contractor does not work on the complaint's project.")
    if assignee is not None:
        errors.update(_assignee_errors(assignee, complaint, department=department, contractor=contractor))
    if errors:
        raise ValidationError(errors)
    work_order = WorkOrder(
        complaint=complaint,
        department=department,
        contractor=contractor,
        assignee=assignee,
        description=description.strip(),
        due_at=due_at or work_order_deadlines.default_due_at(now, complaint.category),
        issued_by=by,
    )
    work_order_deadlines.start_clock(work_order, start=now)
    work_order.save()
    work_order.number = f"PD-{work_order.pk:07d}"
    WorkOrder.objects.filter(pk=work_order.pk).update(number=work_order.number)
    if complaint.status != Status.IN_PROGRESS:
        complaint.status = Status.IN_PROGRESS
        _save(complaint, ["status"], by=by)
    _event(
        complaint,
        by,
        ComplaintEvent.Kind.WORK_ORDER,
        work_order.description,
        work_order=work_order.number,
        department=department,
        contractor=contractor.pk if contractor else None,
    )
    recipients = [assignee] if assignee else []
    if contractor is not None and assignee is None:
        # The company's people on this project: a colleague elsewhere does not see the order.
        recipients = list(contractor.users.working_on(complaint.project).filter(role=Role.CONTRACTOR))
    _notify(
        recipients,
        kind="work_order",
        complaint=complaint,
        title=_("New work order %(number)s") % {"number": work_order.number},
        body=work_order.description,
    )
    return work_order


def _lock_work_order(work_order: WorkOrder, by: User, expected_version: int | None) -> WorkOrder:
    locked = WorkOrder.objects.visible_to(by).select_for_update().filter(pk=work_order.pk).first()
    if locked is None:
        raise PermissionDenied(_("This work order is not yours."))
    _require(by, "work_order")
    if expected_version is not None and locked.version != expected_version:
        raise ConcurrentEditError()
    return locked


def _save_work_order(work_order: WorkOrder, fields: list[str]) -> WorkOrder:
    """As _save(): the order was read FOR UPDATE by _lock_work_order(), so its next version is known."""
    work_order.version += 1
    work_order.save(update_fields=[*fields, "version", "updated_at"])
    return work_order


@transaction.atomic
def work_order_accept(*, work_order: WorkOrder, by: User, expected_version: int | None = None) -> WorkOrder:
    work_order = _lock_work_order(work_order, by, expected_version)
    if work_order.status != WorkOrder.Status.ISSUED:
        raise ValidationError({"status": _("Only a newly issued work order can be accepted.")})
    work_order.status = WorkOrder.Status.ACCEPTED
    work_order.accepted_at = timezone.now()
    if work_order.assignee_id is None:
        work_order.assignee = by
    return _save_work_order(work_order, ["status", "accepted_at", "assignee"])


@transaction.atomic
def work_order_progress(
    *,
    work_order: WorkOrder,
    by: User,
    note: str,
    photo: UploadedFile | None = None,
    expected_version: int | None = None,
) -> WorkOrderNote:
    work_order = _lock_work_order(work_order, by, expected_version)
    if not work_order.is_open:
        raise ValidationError({"status": _("The work order is finished.")})
    if not (note or "").strip():
        raise ValidationError({"note": _("Write what was done.")})
    checked = _check_photo(photo) if photo is not None else None
    if work_order.status in (WorkOrder.Status.ISSUED, WorkOrder.Status.ACCEPTED):
        work_order.status = WorkOrder.Status.IN_PROGRESS
        _save_work_order(work_order, ["status"])
    return WorkOrderNote.objects.create(
        work_order=work_order, author=by, note=note.strip(), photo=checked.file if checked else ""
    )


def _check_photo(photo: UploadedFile) -> CheckedUpload:
    return clean_image(photo, field="photo", max_bytes=MAX_ATTACHMENT_BYTES)


@transaction.atomic
def work_order_complete(
    *,
    work_order: WorkOrder,
    by: User,
    note: str,
    photo: UploadedFile | None = None,
    expected_version: int | None = None,
) -> WorkOrder:
    work_order = _lock_work_order(work_order, by, expected_version)
    if not work_order.is_open:
        raise ValidationError({"status": _("The work order is already finished.")})
    if not (note or "").strip():
        raise ValidationError({"note": _("Say what was done.")})
    if photo is not None:
        checked = _check_photo(photo)
        WorkOrderNote.objects.create(work_order=work_order, author=by, note=note.strip(), photo=checked.file)
    work_order.status = WorkOrder.Status.DONE
    work_order.completed_at = timezone.now()
    work_order.completion_note = note.strip()
    stopped = work_order_deadlines.stop_clock(work_order)
    _save_work_order(work_order, ["status", "completed_at", "completion_note", *stopped])
    complaint = work_order.complaint
    _event(
        complaint,
        by,
        ComplaintEvent.Kind.WORK_ORDER,
        _("Work order %(number)s done: %(note)s")
        % {"number": work_order.number, "note": work_order.completion_note},
        work_order=work_order.number,
        done=True,
    )
    _notify(
        [complaint.handler_id or complaint.received_by_id],
        kind="work_order_done",
        complaint=complaint,
        title=_("Work order %(number)s is done") % {"number": work_order.number},
    )
    return work_order
