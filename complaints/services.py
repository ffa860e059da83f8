"""Every write to complaints: intake, the path 接待 → 分派 → 方案 → 派单 → 关闭, the SLA clock's
pauses, work orders, return visits, group cases and improvement items.

Each transition locks the complaint row (SELECT … FOR UPDATE), checks the caller's version
when one is given, checks the status on the fresh row, writes a timeline event and moves
the SLA clock. Illegal transitions raise ValidationError with a message for the user.
"""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from accounts.models import Contractor, Role, User
from crm.uploads import MAX_UPLOAD_BYTES, CheckedUpload, clean_attachment, clean_image
from customers.models import Customer
from customers.services import ConcurrentEditError
from notifications.models import Notification
from properties.models import Unit

from . import sla
from .models import (
    Attachment,
    Category,
    Complaint,
    ComplaintEvent,
    GroupCase,
    ImprovementItem,
    MajorComplaintReport,
    PublicPhoneCode,
    ReturnVisit,
    RootCause,
    Severity,
    SlaPolicy,
    Status,
    WorkOrder,
    WorkOrderNote,
)

MAX_RETURN_VISIT_ATTEMPTS = 3
SATISFIED_FROM = 3  # a return-visit score of 3–5 lets the complaint close; 1–2 reopens it
MAX_ATTACHMENT_BYTES = MAX_UPLOAD_BYTES  # photos, PDF, Word, MP3/WAV, MP4: crm.uploads checks which

# Who may do what. Scope (city company / project) is checked separately: an object outside it is a 404.
_FRONT_LINE = {Role.GROUP_ADMIN, Role.CITY_HEAD, Role.CS_SUPERVISOR, Role.CS_AGENT}
_SUPERVISORS = {Role.GROUP_ADMIN, Role.CITY_HEAD, Role.CS_SUPERVISOR}
_HANDLERS = _FRONT_LINE | {Role.DEPARTMENT_STAFF}
ACTION_ROLES: dict[str, set[str]] = {
    "create": _FRONT_LINE,
    # Putting an unmatched public complaint on the customer it is about (the agent checked who called).
    "link_customer": _FRONT_LINE,
    "dispatch": _SUPERVISORS,
    "respond": _HANDLERS,
    "agree_plan": _HANDLERS,
    "create_work_order": _HANDLERS,
    "resolve": _HANDLERS,
    "return_visit": _FRONT_LINE,
    "close": _FRONT_LINE,
    "reopen": _FRONT_LINE,
    "pause": _HANDLERS,
    "resume": _HANDLERS,
    "major_report": _SUPERVISORS,
    "group": _SUPERVISORS,
    "improvement": _SUPERVISORS | {Role.DEPARTMENT_STAFF},
    "note": _HANDLERS,
    # Accepting, reporting progress on and completing a work order one can see (contractors: their own).
    "work_order": _HANDLERS | {Role.CONTRACTOR},
}
# The path: which statuses each transition leaves from.
TRANSITIONS: dict[str, set[str]] = {
    "dispatch": {Status.RECEIVED, Status.DISPATCHED, Status.REOPENED},
    "agree_plan": {Status.DISPATCHED, Status.PLAN_AGREED, Status.REOPENED},
    "create_work_order": {Status.PLAN_AGREED, Status.IN_PROGRESS},
    "resolve": {Status.PLAN_AGREED, Status.IN_PROGRESS},
    "return_visit": {Status.RESOLVED},
    "close": {Status.RESOLVED},
    "reopen": {Status.RESOLVED, Status.CLOSED},
}


def may(user: User, action: str) -> bool:
    return user.is_active and user.role in ACTION_ROLES[action]


def _require(user: User, action: str) -> None:
    if not may(user, action):
        raise PermissionDenied(_("Your role may not do this."))


def _require_status(complaint: Complaint, action: str) -> None:
    if complaint.status not in TRANSITIONS[action]:
        raise ValidationError(
            {
                "status": _("Not possible while the complaint is “%(status)s”.")
                % {"status": complaint.get_status_display()}
            }
        )


def _in_scope(user: User, project_id: int) -> bool:
    return user.scope.is_unrestricted or project_id in user.scope.project_ids


def _lock(complaint: Complaint, expected_version: int | None) -> Complaint:
    """The fresh row, locked for this transaction; a stale version is a conflict, not an overwrite."""
    locked = Complaint.objects.select_for_update().get(pk=complaint.pk)
    if expected_version is not None and locked.version != expected_version:
        raise ConcurrentEditError()
    return locked


def _save(complaint: Complaint, fields: Iterable[str]) -> Complaint:
    """Write `fields` and the next version. `complaint` is the row _lock() read FOR UPDATE: until this
    transaction ends nobody else can move its version, so the next one is known without a re-read."""
    complaint.version += 1
    complaint.save(update_fields=[*set(fields), "version", "updated_at"])
    return complaint


def _event(
    complaint: Complaint, by: User | None, kind: str, note: str = "", at=None, **data
) -> ComplaintEvent:
    return ComplaintEvent.objects.create(
        complaint=complaint, actor=by, kind=kind, note=note, created_at=at or timezone.now(), data=data
    )


def _notify(
    users: Iterable[User | int | None], *, kind: str, title: str, complaint: Complaint, body: str = ""
) -> None:
    from django.urls import reverse

    link = reverse("complaints:detail", args=[complaint.pk])
    ids = {u if isinstance(u, int) else u.pk for u in users if u}
    Notification.objects.bulk_create(
        [Notification(recipient_id=uid, kind=kind, title=title, body=body, link=link) for uid in ids]
    )


def _supervisors_of(project_id: int) -> list[int]:
    from django.db.models import Q

    from properties.models import Project

    city_id = Project.objects.filter(pk=project_id).values_list("city_company_id", flat=True).first()
    return list(
        User.objects.filter(is_active=True, role=Role.CS_SUPERVISOR)
        .filter(Q(projects=project_id) | Q(city_companies=city_id))
        .values_list("pk", flat=True)
        .distinct()
    )


# --- intake -----------------------------------------------------------------------------------


CREATE_REFERENCES = ("category", "customer", "unit", "project", "received_by", "sla_policy")


@transaction.atomic
def complaint_create(
    *,
    by: User | None,
    customer: Customer | None,
    category: Category,
    complaint_type: str,
    channel: str,
    title: str,
    description: str,
    severity: str = Severity.NORMAL,
    unit: Unit | None = None,
    project=None,
    received_at: datetime.datetime | None = None,
    attachments: Iterable[UploadedFile | CheckedUpload] = (),
    reporter_name: str = "",
    reporter_phone: str = "",
) -> Complaint:
    """接待: record the complaint and start its clocks. `by` is None for the public web form, and
    `customer` None for a public complaint whose phone no code confirmed (the reporter's contact as
    given is kept instead, for an agent to match)."""
    if by is not None:
        _require(by, "create")
    attachments = [_checked_attachment(upload) for upload in attachments]
    if customer is None and not (reporter_name or reporter_phone):
        raise ValidationError({"customer": _("Choose the caller first.")})
    project = (
        project or (unit.project if unit else None) or (customer.registered_project if customer else None)
    )
    if project is None:
        raise ValidationError({"project": _("Choose the responsible project (or the unit).")})
    if unit is not None and unit.project_id != project.pk:
        raise ValidationError({"unit": _("The unit is not in the responsible project.")})
    if by is not None and not _in_scope(by, project.pk):
        raise PermissionDenied(_("This project is outside your city companies and projects."))
    if not category.is_active:
        raise ValidationError({"category": _("This category is no longer used.")})
    now = timezone.now()
    received_at = received_at or now
    if received_at > now + datetime.timedelta(minutes=5):
        raise ValidationError({"received_at": _("The time received cannot be in the future.")})
    complaint = Complaint(
        complaint_type=complaint_type,
        channel=channel,
        category=category,
        severity=severity,
        customer=customer,
        reporter_name=(reporter_name or "").strip()[:50],
        reporter_phone=reporter_phone or "",
        unit=unit,
        project=project,
        title=(title or "").strip(),
        description=(description or "").strip(),
        received_by=by,
        received_at=received_at,
        department=category.default_department
        or (category.parent.default_department if category.parent_id else ""),
    )
    complaint.sla_policy = sla.policy_for(complaint_type=complaint_type, category=category, severity=severity)
    # The references are the caller's model instances (they exist) and the one table constraint bounds
    # the escalation level, 0 here: checking them would cost a query each.
    complaint.full_clean(exclude=["number", "department", *CREATE_REFERENCES], validate_constraints=False)
    sla.start_clock(complaint, start=received_at, targets=("first_response", "plan", "resolution"))
    sla.refresh_clock(complaint)
    complaint.save()
    # The number carries the id, known only once the row is in.
    complaint.number = f"TS-{timezone.localtime(received_at):%Y%m}-{complaint.pk:06d}"
    Complaint.objects.filter(pk=complaint.pk).update(number=complaint.number)
    created = _event(
        complaint,
        by,
        ComplaintEvent.Kind.CREATED,
        complaint.description[:500],
        at=received_at,
        channel=channel,
        severity=severity,
    )
    uploaded = [
        attachment_add(complaint=complaint, by=by, upload=upload, check_permission=False)
        for upload in attachments
    ]
    if severity in (Severity.MAJOR, Severity.GROUP):
        # 重大投诉: the supervisor hears of it at once.
        _notify(
            _supervisors_of(project.pk),
            kind="major_complaint",
            complaint=complaint,
            title=_("Major complaint %(number)s: %(title)s")
            % {"number": complaint.number, "title": complaint.title},
        )
    # What was written besides the row, for callers that show the new complaint without reading it
    # back (the API's 201: complaints.selectors.complaint_as_created).
    complaint.created_event, complaint.created_attachments = created, uploaded
    return complaint


def attachment_add(
    *,
    complaint: Complaint,
    by: User | None,
    upload: UploadedFile | CheckedUpload,
    check_permission: bool = True,
) -> Attachment:
    """Store a file on the complaint, as crm.uploads found it to be (never as the client named it)."""
    if check_permission and by is not None:
        _require(by, "note")
    checked = _checked_attachment(upload)
    return Attachment.objects.create(
        complaint=complaint,
        file=checked.file,
        original_name=checked.display_name[:200],
        content_type=checked.content_type,
        size=checked.size,
        uploaded_by=by,
    )


def _checked_attachment(upload: UploadedFile | CheckedUpload) -> CheckedUpload:
    if isinstance(upload, CheckedUpload):
        return upload  # already checked by a caller with a stricter rule (the public form: photos only)
    return clean_attachment(upload, field="attachments", max_bytes=MAX_ATTACHMENT_BYTES)


# --- the path -----------------------------------------------------------------------------------


@transaction.atomic
def complaint_dispatch(
    *,
    complaint: Complaint,
    by: User,
    department: str,
    handler: User | None = None,
    note: str = "",
    expected_version: int | None = None,
) -> Complaint:
    """分派: to a responsible department and a handler."""
    _require(by, "dispatch")
    complaint = _lock(complaint, expected_version)
    _require_status(complaint, "dispatch")
    if handler is not None and (not handler.is_active or not _in_scope(handler, complaint.project_id)):
        raise ValidationError(
            {"handler": _("The handler must be an active colleague working on this project.")}
        )
    from accounts.models import Department

    if department not in Department.values:
        raise ValidationError({"department": _("Choose a department.")})
    complaint.department = department
    complaint.handler = handler
    complaint.status = Status.DISPATCHED
    _save(complaint, ["department", "handler", "status"])
    _event(
        complaint,
        by,
        ComplaintEvent.Kind.DISPATCHED,
        note,
        department=department,
        handler=handler.pk if handler else None,
    )
    if handler is not None and handler.pk != by.pk:
        _notify(
            [handler],
            kind="assigned",
            complaint=complaint,
            title=_("Complaint %(number)s assigned to you") % {"number": complaint.number},
        )
    return complaint


@transaction.atomic
def complaint_bulk_assign(
    *, complaints: Iterable[Complaint], by: User, handler: User, department: str
) -> int:
    """The board's bulk assignment: dispatch each selected complaint that can still be dispatched."""
    count = 0
    for complaint in sorted(complaints, key=lambda c: c.pk):  # fixed lock order: no deadlock with a peer
        try:
            complaint_dispatch(complaint=complaint, by=by, department=department, handler=handler)
        except ValidationError:
            continue
        count += 1
    return count


RESPONSE_METHODS = {"call": _("Phone call"), "visit": _("Visit"), "message": _("Message")}


@transaction.atomic
def complaint_respond(
    *,
    complaint: Complaint,
    by: User,
    method: str,
    content: str,
    at: datetime.datetime | None = None,
    expected_version: int | None = None,
) -> Complaint:
    """A direct contact with the owner. The first one stops the 24-hour first-response clock."""
    _require(by, "respond")
    complaint = _lock(complaint, expected_version)
    if not complaint.is_open:
        raise ValidationError({"status": _("The complaint is closed.")})
    if method not in RESPONSE_METHODS:
        raise ValidationError({"method": _("Choose call, visit or message.")})
    if not (content or "").strip():
        raise ValidationError({"content": _("Write down what was said to the owner.")})
    at = at or timezone.now()
    fields = []
    if complaint.first_responded_at is None:
        complaint.first_responded_at = at
        fields += ["first_responded_at", *sla.refresh_clock(complaint)]
        _save(complaint, fields)
    _event(complaint, by, ComplaintEvent.Kind.RESPONDED, content.strip(), at=at, method=method)
    return complaint


@transaction.atomic
def complaint_agree_plan(
    *, complaint: Complaint, by: User, plan: str, expected_version: int | None = None
) -> Complaint:
    """方案: a solution agreed with the owner."""
    _require(by, "agree_plan")
    complaint = _lock(complaint, expected_version)
    _require_status(complaint, "agree_plan")
    if not (plan or "").strip():
        raise ValidationError({"plan": _("Describe the plan agreed with the owner.")})
    now = timezone.now()
    complaint.plan = plan.strip()
    complaint.status = Status.PLAN_AGREED
    if complaint.plan_agreed_at is None:
        complaint.plan_agreed_at = now
    if complaint.first_responded_at is None:
        complaint.first_responded_at = now  # agreeing a plan is a direct contact too
    fields = ["plan", "status", "plan_agreed_at", "first_responded_at", *sla.refresh_clock(complaint)]
    _save(complaint, fields)
    _event(complaint, by, ComplaintEvent.Kind.PLAN_AGREED, complaint.plan)
    return complaint


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
    due_at: datetime.datetime,
    department: str = "",
    contractor=None,
    assignee: User | None = None,
    expected_version: int | None = None,
) -> WorkOrder:
    """派单: a task with its own deadline for a department or a contractor."""
    _require(by, "create_work_order")
    complaint = _lock(complaint, expected_version)
    _require_status(complaint, "create_work_order")
    errors = {}
    if not department and contractor is None:
        errors["department"] = _("Choose a department or a contractor.")
    if not (description or "").strip():
        errors["description"] = _("Describe the task.")
    if due_at is None or due_at <= timezone.now():
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
    work_order = WorkOrder.objects.create(
        complaint=complaint,
        department=department,
        contractor=contractor,
        assignee=assignee,
        description=description.strip(),
        due_at=due_at,
        issued_by=by,
    )
    work_order.number = f"PD-{work_order.pk:07d}"
    WorkOrder.objects.filter(pk=work_order.pk).update(number=work_order.number)
    if complaint.status != Status.IN_PROGRESS:
        complaint.status = Status.IN_PROGRESS
        _save(complaint, ["status"])
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
    if photo is not None:
        photo = _check_photo(photo)
    if work_order.status in (WorkOrder.Status.ISSUED, WorkOrder.Status.ACCEPTED):
        work_order.status = WorkOrder.Status.IN_PROGRESS
        _save_work_order(work_order, ["status"])
    return WorkOrderNote.objects.create(
        work_order=work_order, author=by, note=note.strip(), photo=photo.file if photo else ""
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
    _save_work_order(work_order, ["status", "completed_at", "completion_note"])
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


@transaction.atomic
def complaint_resolve(
    *, complaint: Complaint, by: User, resolution: str, expected_version: int | None = None
) -> Complaint:
    _require(by, "resolve")
    complaint = _lock(complaint, expected_version)
    _require_status(complaint, "resolve")
    if not (resolution or "").strip():
        raise ValidationError({"resolution": _("Describe how the problem was solved.")})
    if complaint.work_orders.exclude(status__in=[WorkOrder.Status.DONE, WorkOrder.Status.CANCELLED]).exists():
        raise ValidationError({"status": _("Some work orders are still open.")})
    complaint.resolution = resolution.strip()
    complaint.resolved_at = timezone.now()
    complaint.status = Status.RESOLVED
    _save(complaint, ["resolution", "resolved_at", "status", *sla.refresh_clock(complaint)])
    _event(complaint, by, ComplaintEvent.Kind.RESOLVED, complaint.resolution)
    return complaint


@transaction.atomic
def complaint_return_visit(
    *,
    complaint: Complaint,
    by: User,
    reached: bool,
    satisfaction: int | None = None,
    comment: str = "",
    expected_version: int | None = None,
) -> ReturnVisit:
    """回访: satisfied → ready to close; unsatisfied → reopened; a third unreachable attempt closes it as unreachable."""
    _require(by, "return_visit")
    complaint = _lock(complaint, expected_version)
    _require_status(complaint, "return_visit")
    attempts = complaint.return_visits.filter(visited_at__gte=complaint.resolved_at).count()
    if attempts >= MAX_RETURN_VISIT_ATTEMPTS:
        raise ValidationError({"status": _("Three return visits were already made.")})
    if reached and satisfaction not in (1, 2, 3, 4, 5):
        raise ValidationError({"satisfaction": _("Give the owner's satisfaction from 1 to 5.")})
    visit = ReturnVisit.objects.create(
        complaint=complaint,
        attempt=complaint.return_visits.count() + 1,
        reached=reached,
        satisfaction=satisfaction if reached else None,
        comment=(comment or "").strip(),
        visited_by=by,
    )
    _event(
        complaint,
        by,
        ComplaintEvent.Kind.RETURN_VISIT,
        visit.comment,
        reached=reached,
        satisfaction=visit.satisfaction,
    )
    if reached:
        complaint.satisfaction = satisfaction
        _save(complaint, ["satisfaction"])
        if satisfaction < SATISFIED_FROM:
            _reopen(
                complaint,
                by,
                _("Owner not satisfied at the return visit: %(comment)s") % {"comment": visit.comment},
            )
    elif attempts + 1 >= MAX_RETURN_VISIT_ATTEMPTS:
        complaint.closed_unreachable = True
        _save(complaint, ["closed_unreachable"])
    return visit


@transaction.atomic
def complaint_close(
    *, complaint: Complaint, by: User, root_cause: str, note: str = "", expected_version: int | None = None
) -> Complaint:
    """关闭: after a satisfied return visit (or three unreachable attempts), with a root cause."""
    _require(by, "close")
    complaint = _lock(complaint, expected_version)
    _require_status(complaint, "close")
    errors = {}
    if root_cause not in RootCause.values:
        errors["root_cause"] = _("Choose the root cause.")
    satisfied_visit = complaint.return_visits.filter(
        reached=True, satisfaction__gte=SATISFIED_FROM, visited_at__gte=complaint.resolved_at
    ).exists()
    if not satisfied_visit and not complaint.closed_unreachable:
        errors["status"] = _(
            "Record a satisfied return visit (or three unreachable attempts) before closing."
        )
    if (
        complaint.severity == Severity.MAJOR
        and not MajorComplaintReport.objects.filter(complaint=complaint).exists()
    ):
        errors["major_report"] = _(
            "A major complaint needs its written report (cause, handling, lessons) before closing."
        )
    if complaint.severity == Severity.MAJOR and by.role not in _SUPERVISORS:
        raise PermissionDenied(_("A supervisor closes major complaints."))
    if errors:
        raise ValidationError(errors)
    complaint.root_cause = root_cause
    complaint.status = Status.CLOSED
    complaint.closed_at = timezone.now()
    _save(complaint, ["root_cause", "status", "closed_at", *sla.refresh_clock(complaint)])
    _event(complaint, by, ComplaintEvent.Kind.CLOSED, note, root_cause=root_cause)
    return complaint


def _reopen(complaint: Complaint, by: User, reason: str) -> Complaint:
    now = timezone.now()
    complaint.status = Status.REOPENED
    complaint.reopen_count += 1
    complaint.closed_at = None
    complaint.closed_unreachable = False
    sla.start_clock(complaint, start=now, targets=("resolution",))
    fields = [
        "status",
        "reopen_count",
        "closed_at",
        "closed_unreachable",
        "resolution_due_at",
        "sla_started_at",
    ]
    _save(complaint, [*fields, *sla.refresh_clock(complaint)])
    _event(complaint, by, ComplaintEvent.Kind.REOPENED, reason)
    return complaint


@transaction.atomic
def complaint_reopen(
    *, complaint: Complaint, by: User, reason: str, expected_version: int | None = None
) -> Complaint:
    _require(by, "reopen")
    complaint = _lock(complaint, expected_version)
    _require_status(complaint, "reopen")
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the complaint is reopened.")})
    return _reopen(complaint, by, reason.strip())


@transaction.atomic
def complaint_pause(
    *, complaint: Complaint, by: User, reason: str, expected_version: int | None = None
) -> Complaint:
    """The clock stops while the complaint waits on the owner (e.g. away until next week)."""
    _require(by, "pause")
    complaint = _lock(complaint, expected_version)
    if not complaint.is_open or complaint.status == Status.RESOLVED:
        raise ValidationError({"status": _("Only a complaint being handled can be paused.")})
    if complaint.is_paused:
        raise ValidationError({"status": _("The clock is already paused.")})
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say what the complaint is waiting for.")})
    complaint.paused_at = timezone.now()
    complaint.pause_reason = reason.strip()[:200]
    complaint.sla_next_check_at = None
    _save(complaint, ["paused_at", "pause_reason", "sla_next_check_at"])
    _event(complaint, by, ComplaintEvent.Kind.PAUSED, complaint.pause_reason)
    return complaint


@transaction.atomic
def complaint_resume(
    *, complaint: Complaint, by: User, note: str = "", expected_version: int | None = None
) -> Complaint:
    _require(by, "resume")
    complaint = _lock(complaint, expected_version)
    if not complaint.is_paused:
        raise ValidationError({"status": _("The clock is not paused.")})
    now = timezone.now()
    shifted = sla.pause_shift(complaint, resumed_at=now)
    paused_for = now - complaint.paused_at
    complaint.paused_at = None
    complaint.pause_reason = ""
    _save(complaint, [*shifted, "paused_at", "pause_reason", *sla.refresh_clock(complaint)])
    _event(
        complaint, by, ComplaintEvent.Kind.RESUMED, note, paused_minutes=int(paused_for.total_seconds() // 60)
    )
    return complaint


@transaction.atomic
def major_report_save(
    *,
    complaint: Complaint,
    by: User,
    cause: str,
    handling: str,
    lessons: str,
    expected_version: int | None = None,
) -> MajorComplaintReport:
    _require(by, "major_report")
    complaint = _lock(complaint, expected_version)
    errors = {
        name: _("This part of the report is required.")
        for name, value in (("cause", cause), ("handling", handling), ("lessons", lessons))
        if not (value or "").strip()
    }
    if errors:
        raise ValidationError(errors)
    report, _created = MajorComplaintReport.objects.update_or_create(
        complaint=complaint,
        defaults={
            "cause": cause.strip(),
            "handling": handling.strip(),
            "lessons": lessons.strip(),
            "author": by,
        },
    )
    _event(complaint, by, ComplaintEvent.Kind.REPORT, report.cause[:200])
    return report


@transaction.atomic
def complaint_add_note(
    *, complaint: Complaint, by: User, note: str, expected_version: int | None = None
) -> ComplaintEvent:
    _require(by, "note")
    complaint = _lock(complaint, expected_version)
    if not (note or "").strip():
        raise ValidationError({"note": _("The note is empty.")})
    return _event(complaint, by, ComplaintEvent.Kind.NOTE, note.strip())


# --- group cases and improvement items ---------------------------------------------------------


@transaction.atomic
def group_case_create(
    *,
    by: User,
    title: str,
    complaints: Iterable[Complaint],
    category: Category | None = None,
    handler: User | None = None,
) -> GroupCase:
    """群诉: link complaints with one cause into a case handled together; they become group severity."""
    _require(by, "group")
    complaints = list(complaints)
    if len(complaints) < 2:
        raise ValidationError({"complaints": _("A group case links at least two complaints.")})
    projects = {c.project_id for c in complaints}
    if len(projects) != 1:
        raise ValidationError({"complaints": _("The complaints of a group case belong to one project.")})
    if not all(_in_scope(by, pid) for pid in projects):
        raise PermissionDenied(_("This project is outside your city companies and projects."))
    buildings = {c.unit.building_id for c in complaints if c.unit_id}
    case = GroupCase.objects.create(
        title=(title or "").strip() or complaints[0].title,
        project_id=projects.pop(),
        building_id=buildings.pop() if len(buildings) == 1 else None,
        category=category or complaints[0].category,
        handler=handler,
    )
    case.number = f"QS-{case.pk:06d}"
    GroupCase.objects.filter(pk=case.pk).update(number=case.number)
    group_case_link(case=case, by=by, complaints=complaints)
    return case


@transaction.atomic
def group_case_link(*, case: GroupCase, by: User, complaints: Iterable[Complaint]) -> int:
    """Link open complaints of the case's project to it; each is locked (in id order, so two
    supervisors linking overlapping sets cannot deadlock) and checked as complaint_join_group_case()
    checks one."""
    _require(by, "group")
    count = 0
    for complaint in sorted(complaints, key=lambda c: c.pk):
        _join_group_case(_lock(complaint, None), case, by)
        count += 1
    return count


@transaction.atomic
def complaint_join_group_case(
    *, complaint: Complaint, by: User, group_case: GroupCase, expected_version: int | None = None
) -> Complaint:
    """One more owner calls about a cause already handled as a group case (群诉): their complaint
    joins it and takes the group severity."""
    _require(by, "group")
    return _join_group_case(_lock(complaint, expected_version), group_case, by)


def _join_group_case(complaint: Complaint, case: GroupCase, by: User) -> Complaint:
    """`complaint` is the row _lock() read FOR UPDATE."""
    if not _in_scope(by, case.project_id):
        raise PermissionDenied(_("This project is outside your city companies and projects."))
    if case.status != GroupCase.Status.OPEN:
        raise ValidationError({"group_case": _("This group case is closed.")})
    if complaint.project_id != case.project_id:
        raise ValidationError({"complaints": _("The complaints of a group case belong to one project.")})
    if not complaint.is_open:
        raise ValidationError(
            {
                "complaints": _("%(number)s is closed: only open complaints join a group case.")
                % {"number": complaint.number}
            }
        )
    if complaint.group_case_id is not None:
        raise ValidationError(
            {"complaints": _("%(number)s is already in a group case.") % {"number": complaint.number}}
        )
    complaint.group_case, complaint.severity = case, Severity.GROUP
    _save(complaint, ["group_case", "severity"])
    _event(complaint, by, ComplaintEvent.Kind.GROUPED, case.title, group_case=case.number)
    return complaint


@transaction.atomic
def improvement_item_create(
    *,
    by: User,
    title: str,
    department: str,
    complaints: Iterable[Complaint] = (),
    description: str = "",
    root_cause: str = "",
    owner: User | None = None,
    due_on: datetime.date | None = None,
) -> ImprovementItem:
    """缺陷反馈: an improvement for design, engineering or service, from one or many complaints."""
    _require(by, "improvement")
    complaints = list(complaints)
    item = ImprovementItem(
        title=(title or "").strip(),
        description=description,
        department=department,
        root_cause=root_cause,
        owner=owner,
        due_on=due_on,
        created_by=by,
        project_id=complaints[0].project_id if len({c.project_id for c in complaints}) == 1 else None,
    )
    item.full_clean(exclude=["complaints"])
    item.save()
    item.complaints.set(complaints)
    return item


@transaction.atomic
def improvement_item_set_status(*, item: ImprovementItem, by: User, status: str) -> ImprovementItem:
    _require(by, "improvement")
    if status not in ImprovementItem.Status.values:
        raise ValidationError({"status": _("Unknown status.")})
    item.status = status
    item.done_at = timezone.now() if status == ImprovementItem.Status.DONE else None
    item.save(update_fields=["status", "done_at", "updated_at"])
    return item


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


def group_case_proposal_settings() -> tuple[int, int]:
    """(N complaints, M days): N open complaints of one category from one building or project within M days."""
    return settings.GROUP_CASE_MIN_COMPLAINTS, settings.GROUP_CASE_WINDOW_DAYS


# --- the public web form ------------------------------------------------------------------------


def _unit_from_text(project, text: str) -> Unit | None:
    """The unit an owner typed ("3-1-502", "3栋1单元502室", "3 1 502") in this project, when it exists."""
    import re

    parts = re.findall(r"[0-9A-Za-z]+", text or "")
    if not parts:
        return None
    return Unit.objects.filter(project=project, code__iexact="-".join(parts)).first()


PUBLIC_CODE_LIFETIME = datetime.timedelta(minutes=10)
PUBLIC_CODE_MAX_ATTEMPTS = 5


def _public_code_hash(phone: str, code: str) -> str:
    # Keyed (SECRET_KEY): a copy of the table does not give the million codes away to a quick loop.
    return salted_hmac("complaints.PublicPhoneCode", f"{phone}:{code}", algorithm="sha256").hexdigest()


def _public_mobile(phone: str) -> str:
    from customers.validators import normalize_mobile, validate_mobile

    number = normalize_mobile(phone)
    try:
        validate_mobile(number)
    except ValidationError as error:
        raise ValidationError({"phone": error.messages}) from None
    return number


def public_code_send(
    *, phone: str, ip_address: str | None = None, now: datetime.datetime | None = None
) -> PublicPhoneCode:
    """Text a one-time code (6 digits, PUBLIC_CODE_LIFETIME) to the phone typed on the public form.
    A new code replaces the phone's earlier ones. The callers limit how often (per phone, per IP)."""
    from notifications.sms import send_sms

    number = _public_mobile(phone)
    now = now or timezone.now()
    code = f"{secrets.randbelow(10**6):06d}"
    with transaction.atomic():
        PublicPhoneCode.objects.filter(phone=number, used_at__isnull=True, expires_at__gt=now).update(
            expires_at=now
        )
        record = PublicPhoneCode.objects.create(
            phone=number,
            code_hash=_public_code_hash(number, code),
            created_at=now,
            expires_at=now + PUBLIC_CODE_LIFETIME,
            ip_address=ip_address,
        )
    # Sent once the code is stored: a message that fails leaves a code nobody knows, and a new one is asked.
    send_sms(
        number,
        _(
            "Your code for the complaint form: %(code)s (valid for %(minutes)d minutes). "
            "If you did not ask for it, ignore this message."
        )
        % {"code": code, "minutes": PUBLIC_CODE_LIFETIME.seconds // 60},
    )
    return record


def public_code_check(*, phone: str, code: str, now: datetime.datetime | None = None) -> PublicPhoneCode:
    """The phone's live code when `code` is it. A wrong try is counted and committed at once (its own
    transaction, so call this outside any other): after PUBLIC_CODE_MAX_ATTEMPTS the code is dead."""
    number = _public_mobile(phone)
    now = now or timezone.now()
    with transaction.atomic():
        record = (
            PublicPhoneCode.objects.select_for_update()
            .filter(phone=number, used_at__isnull=True)
            .order_by("-created_at", "-id")
            .first()
        )
        if record is None or record.expires_at <= now:
            problem = _("This code has expired or was never sent: ask for a new one.")
        elif record.attempts >= PUBLIC_CODE_MAX_ATTEMPTS:
            problem = _("Too many wrong codes: ask for a new one.")
        elif constant_time_compare(record.code_hash, _public_code_hash(number, code)):
            return record
        else:
            record.attempts += 1
            record.save(update_fields=["attempts"])
            left = PUBLIC_CODE_MAX_ATTEMPTS - record.attempts
            problem = (
                _("Wrong code: %(left)d tries left.") % {"left": left}
                if left
                else _("Too many wrong codes: ask for a new one.")
            )
    raise ValidationError({"code": [problem]})


def _public_customer(*, name: str, number: str, project) -> Customer:
    """The customer whose phone this is in the project's city company (the data section that owns the
    records), or a new one acquired online."""
    from customers.models import AcquisitionChannel, CustomerPhone

    known = (
        CustomerPhone.objects.filter(number=number, customer__city_company_id=project.city_company_id)
        .select_related("customer")
        .order_by("-is_primary", "customer_id")
        .first()
    )
    if known is not None:
        return known.customer
    customer = Customer(
        city_company_id=project.city_company_id,
        registered_project=project,
        name=name[:50],
        acquisition_channel=AcquisitionChannel.ONLINE,
    )
    customer.full_clean()
    customer.save()
    CustomerPhone.objects.create(customer=customer, number=number, is_primary=True)
    return customer


def public_complaint_submit(
    *,
    name: str,
    phone: str,
    project,
    category: Category,
    complaint_type: str,
    description: str,
    unit_text: str = "",
    photos: Iterable[UploadedFile] = (),
    code: str = "",
) -> Complaint:
    """An owner files from the public page, without an account.

    A phone number alone proves nothing: without a code the complaint keeps the name and phone as
    given and no customer (an agent matches it from the complaint page), so nobody can put a
    complaint on a stranger's record. With the code texted to that phone (public_code_send) it goes
    on the phone's customer in the project's city company, or on a new customer acquired online.
    """
    from .models import Channel

    name, description = (name or "").strip(), (description or "").strip()
    errors: dict[str, list[str]] = {}
    try:
        number = _public_mobile(phone)
    except ValidationError as error:
        errors.update(error.message_dict)
    if not name:
        errors["name"] = [_("Tell us your name.")]
    if not description:
        errors["description"] = [_("Describe the problem.")]
    checked_photos = []
    for photo in photos:
        # Photos only here: the public form takes no documents.
        try:
            checked_photos.append(clean_image(photo, max_bytes=MAX_ATTACHMENT_BYTES))
        except ValidationError as error:
            errors.setdefault("photos", []).extend(error.messages)
    if errors:
        raise ValidationError(errors)
    verified = public_code_check(phone=number, code=code) if code else None

    with transaction.atomic():
        customer = None
        if verified is not None:
            spent = PublicPhoneCode.objects.filter(pk=verified.pk, used_at__isnull=True).update(
                used_at=timezone.now()
            )
            if not spent:  # the same code sent twice at once: the first one files
                raise ValidationError({"code": [_("This code was used already: ask for a new one.")]})
            customer = _public_customer(name=name, number=number, project=project)
        first_line = description.splitlines()[0]
        return complaint_create(
            by=None,
            customer=customer,
            reporter_name=name,
            reporter_phone=number,
            category=category,
            complaint_type=complaint_type,
            channel=Channel.WEB_FORM,
            title=first_line[:60] + ("…" if len(first_line) > 60 else ""),
            description=description,
            unit=_unit_from_text(project, unit_text),
            project=project,
            attachments=checked_photos,
        )


@transaction.atomic
def complaint_link_customer(
    *, complaint: Complaint, by: User, customer: Customer, expected_version: int | None = None
) -> Complaint:
    """Put an unmatched public complaint on the customer the agent found it is about."""
    _require(by, "link_customer")
    if not Customer.objects.visible_to(by).filter(pk=customer.pk).exists():
        raise ValidationError({"customer": _("No such customer within your city companies and projects.")})
    complaint = _lock(complaint, expected_version)
    if complaint.customer_id is not None:
        raise ValidationError({"customer": _("This complaint is already on a customer's record.")})
    complaint.customer = customer
    _save(complaint, ["customer"])
    _event(complaint, by, ComplaintEvent.Kind.CUSTOMER_LINKED, customer.name, customer=customer.pk)
    return complaint
