"""Shared by the complaint services: who may do what, the path's transitions, locking, timeline, notices."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from core.audit import audit_changes, audit_snapshot
from customers.services import ConcurrentEditError
from notifications.models import Notification
from properties.models import Project

from ..models import Complaint, ComplaintEvent, Status

# Who may do what. Scope (city company / project) is checked separately: an object outside it is a 404.
_FRONT_LINE = {Role.GROUP_ADMIN, Role.CITY_HEAD, Role.CS_SUPERVISOR, Role.CS_AGENT}
_SUPERVISORS = {Role.GROUP_ADMIN, Role.CITY_HEAD, Role.CS_SUPERVISOR}
_HANDLERS = _FRONT_LINE | {Role.DEPARTMENT_STAFF}
ACTION_ROLES: dict[str, set[Role]] = {
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
    # Changing the type, category or severity after intake: a supervisor, or the complaint's own
    # handler (services.rules.ACTOR_RULES narrows the role to the person).
    "reclassify": _HANDLERS,
    "group": _SUPERVISORS,
    "improvement": _SUPERVISORS | {Role.DEPARTMENT_STAFF},
    "note": _HANDLERS,
    # Accepting, reporting progress on and completing a work order one can see (contractors: their own).
    "work_order": _HANDLERS | {Role.CONTRACTOR},
    # A group case (群诉) as a whole is the supervisors' and the city company heads' to manage: its
    # owner, plan, messages to the owners, crisis flag, path to closed and report. Agents, department
    # staff and read-only managers see the cases of their scope; contractors none.
    # (services.rules.CASE_TRANSITIONS: the statuses each leaves from.)
    "case_owner": _SUPERVISORS,
    "case_plan": _SUPERVISORS,
    "case_message": _SUPERVISORS,
    "case_crisis": _SUPERVISORS,
    "case_crisis_clear": _SUPERVISORS,
    "case_resolve": _SUPERVISORS,
    "case_report": _SUPERVISORS,
    "case_close": _SUPERVISORS,
    "case_reopen": _SUPERVISORS,
}
# Who may own a group case (answer for it as a whole): the supervisors and heads who manage cases, not
# the group administrators (they see every city, own none of its cases).
CASE_OWNER_ROLES = {Role.CITY_HEAD, Role.CS_SUPERVISOR}
# The path: which statuses each transition leaves from (services.rules adds what else must hold).
TRANSITIONS: dict[str, set[str]] = {
    "dispatch": {Status.RECEIVED, Status.DISPATCHED, Status.REOPENED},
    "agree_plan": {Status.DISPATCHED, Status.PLAN_AGREED, Status.REOPENED},
    "create_work_order": {Status.PLAN_AGREED, Status.IN_PROGRESS},
    "resolve": {Status.PLAN_AGREED, Status.IN_PROGRESS},
    "return_visit": {Status.RESOLVED},
    "close": {Status.RESOLVED},
    "reopen": {Status.RESOLVED, Status.CLOSED},
    "reclassify": set(Status.open_values()),
}


# The pages each read-only role sees besides the ones every role of the desk sees: they change nothing.
READ_PAGE_ROLES: dict[str, set[Role]] = {
    "supervisor_view": _SUPERVISORS | {Role.READONLY_MANAGER},
    "improvements": ACTION_ROLES["improvement"] | {Role.READONLY_MANAGER},
}


def may(user: User, action: str) -> bool:
    return user.is_active and user.role in ACTION_ROLES[action]


def may_read(user: User, page: str) -> bool:
    """Whether the user may see a page of READ_PAGE_ROLES (its writes stay checked by `may`)."""
    return user.is_active and user.role in READ_PAGE_ROLES[page]


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


def case_owner_refusal(owner: User, project_id: int) -> ValidationError | None:
    """Why `owner` may not own a case of this project (None: they may)."""
    if owner.is_active and owner.role in CASE_OWNER_ROLES and _in_scope(owner, project_id):
        return None
    return ValidationError(
        {
            "owner": _(
                "The case owner must be an active customer-service supervisor or city company head "
                "working on this project."
            )
        }
    )


def _lock(complaint: Complaint, expected_version: int | None) -> Complaint:
    """The fresh row, locked for this transaction; a stale version is a conflict, not an overwrite."""
    locked = Complaint.objects.select_for_update().get(pk=complaint.pk)
    if expected_version is not None and locked.version != expected_version:
        raise ConcurrentEditError()
    audit_snapshot(locked)
    return locked


def _save(complaint: Complaint, fields: Iterable[str], *, by: User | None) -> Complaint:
    """Write `fields` and the next version. `complaint` is the row _lock() read FOR UPDATE: until this
    transaction ends nobody else can move its version, so the next one is known without a re-read.
    What changed since the lock goes on the audit trail, as done by `by`."""
    complaint.version += 1
    complaint.save(update_fields=[*set(fields), "version", "updated_at"])
    audit_changes(complaint, by=by)
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
    link = reverse("complaints:detail", args=[complaint.pk])
    ids = {u if isinstance(u, int) else u.pk for u in users if u}
    Notification.objects.bulk_create(
        [Notification(recipient_id=uid, kind=kind, title=title, body=body, link=link) for uid in ids]
    )


def _supervisors_of(project_id: int) -> list[int]:
    city_id = Project.objects.filter(pk=project_id).values_list("city_company_id", flat=True).first()
    return list(
        User.objects.filter(is_active=True, role=Role.CS_SUPERVISOR)
        .filter(Q(projects=project_id) | Q(city_companies=city_id))
        .values_list("pk", flat=True)
        .distinct()
    )
