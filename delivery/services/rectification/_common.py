"""What rectification's writes share: roles, transitions and state rules (allowed_actions: what the
defect page offers), the locked defect, who hears of it."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db.models import F, Q
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role, User
from core.audit import audit_changes, audit_snapshot
from core.uploads import CheckedUpload
from customers.services import ConcurrentEditError
from notifications.models import Notification

from ...models import Defect, DefectPhoto
from ..defects import MAX_PHOTOS_PER_UPLOAD, RECORDERS, in_scope, require_role, validate_photo

SUPERVISORS = {Role.GROUP_ADMIN, Role.CITY_HEAD, Role.CS_SUPERVISOR}
ENGINEERS = SUPERVISORS | {Role.DELIVERY_ENGINEER}
FRONT_LINE = SUPERVISORS | {Role.CS_AGENT}

# Who may do what; scope is checked separately (outside it the object is a 404 in views and API).
ACTION_ROLES: dict[str, set[Role]] = {
    "record": RECORDERS,
    "issue": ENGINEERS,
    # The engineer may record the contractor's work on their behalf (a crew without the app).
    "progress": ENGINEERS | {Role.CONTRACTOR},
    "fixed": ENGINEERS | {Role.CONTRACTOR},
    "photos": RECORDERS | {Role.CONTRACTOR},
    "verify": ENGINEERS,
    "reject": ENGINEERS,
    # Staff at the re-inspection record the owner's decision.
    "owner_accept": RECORDERS,
    "owner_reject": RECORDERS,
    "cancel": SUPERVISORS,
    # Fix what was recorded wrongly (room, trade, severity, contractor...) before the order goes out.
    "correct": RECORDERS,
    "to_complaint": FRONT_LINE,
}
# Which statuses each transition leaves from.
TRANSITIONS: dict[str, set[str]] = {
    "issue": {Defect.Status.OPEN},
    "progress": {Defect.Status.FIXING},
    "fixed": {Defect.Status.FIXING},
    "verify": {Defect.Status.FIXED},
    "reject": {Defect.Status.FIXED},
    "owner_accept": {Defect.Status.VERIFIED},
    "owner_reject": {Defect.Status.VERIFIED},
    "cancel": set(Defect.OPEN_STATUSES),
    "correct": {Defect.Status.OPEN},
}
# Besides its status, what the defect must be for each action: (holds, field, message).
STATE_RULES: dict[str, tuple[tuple[Callable[[Defect], bool], str, Promise], ...]] = {
    "issue": (
        (
            lambda defect: defect.order_id is None,
            "status",
            gettext_lazy("The defect is already in a rectification order."),
        ),
    ),
    "correct": (
        (
            lambda defect: defect.order_id is None,
            "status",
            gettext_lazy("The defect is in a rectification order: ask the engineer."),
        ),
    ),
    "photos": ((lambda defect: defect.is_open, "status", gettext_lazy("The defect is no longer open.")),),
    "to_complaint": (
        (
            lambda defect: defect.after_handover,
            "after_handover",
            gettext_lazy("Only defects reported after handover become repair requests."),
        ),
        (
            lambda defect: defect.status != Defect.Status.CANCELLED,
            "status",
            gettext_lazy("The defect is cancelled."),
        ),
    ),
}
# An action whose work is done is not offered again (its service answers with what was done).
DONE_WHEN: dict[str, Callable[[Defect], bool]] = {
    "to_complaint": lambda defect: defect.complaint_id is not None
}
# The actions on one defect, in the order its page offers them.
DEFECT_ACTIONS = (
    "issue",
    "progress",
    "fixed",
    "verify",
    "reject",
    "owner_accept",
    "owner_reject",
    "photos",
    "to_complaint",
    "correct",
    "cancel",
)

# A contractor uploads work photos; staff add photos of the defect as found or at the re-inspection.
CONTRACTOR_PHOTO_STAGES = {DefectPhoto.Stage.PROGRESS}
STAFF_PHOTO_STAGES = {DefectPhoto.Stage.FOUND, DefectPhoto.Stage.PROGRESS, DefectPhoto.Stage.REINSPECTION}


def may(user: User, action: str) -> bool:
    return user.is_active and user.role in ACTION_ROLES[action]


def _require(user: User, action: str) -> None:
    require_role(user, ACTION_ROLES[action])


def state_refusal(defect: Defect, action: str) -> ValidationError | None:
    """Why the defect's status or state refuses `action` (TRANSITIONS, STATE_RULES), or None."""
    if action in TRANSITIONS and defect.status not in TRANSITIONS[action]:
        return ValidationError(
            {
                "status": _("Not possible while the defect is “%(status)s”.")
                % {"status": defect.get_status_display()}
            }
        )
    for holds, field, message in STATE_RULES.get(action, ()):
        if not holds(defect):
            return ValidationError({field: str(message)})
    return None


def _require_status(defect: Defect, action: str) -> None:
    refusal = state_refusal(defect, action)
    if refusal is not None:
        raise refusal


def allowed_actions(defect: Defect, user: User) -> frozenset[str]:
    """The actions `user`'s role may take on `defect` now, as the services would accept them (the
    defect page shows these; scope is the caller's: a defect outside it is a 404)."""
    return frozenset(
        action
        for action in DEFECT_ACTIONS
        if may(user, action)
        and state_refusal(defect, action) is None
        and not DONE_WHEN.get(action, lambda defect: False)(defect)
    )


def may_see(user: User, defect: Defect) -> bool:
    """Defect.objects.visible_to for one row (department staff are refused by their role)."""
    if user.role == Role.CONTRACTOR:
        return user.scope.is_firm_work(contractor_id=defect.contractor_id, project_id=defect.project_id)
    return in_scope(user, defect.project_id)


def _lock(defect: Defect, by: User, expected_version: int | None) -> Defect:
    """The fresh row, locked for this transaction; a stale version is a conflict, not an overwrite."""
    locked = Defect.objects.select_for_update().get(pk=defect.pk)
    if not may_see(by, locked):
        raise PermissionDenied(_("This defect is outside your scope."))
    if expected_version is not None and locked.version != expected_version:
        raise ConcurrentEditError()
    audit_snapshot(locked)
    return locked


def _save(defect: Defect, fields: Iterable[str], *, by: User | None) -> Defect:
    """Write `fields` and the next version; what changed since the lock goes on the audit trail."""
    defect.version = F("version") + 1
    defect.save(update_fields=[*set(fields), "version", "updated_at"])
    defect.refresh_from_db(fields=["version"])
    audit_changes(defect, by=by)
    return defect


def _text(value: str, field: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: message})
    return value


def _check_photos(photos: Iterable[UploadedFile]) -> list[CheckedUpload]:
    photos = list(photos or ())
    if len(photos) > MAX_PHOTOS_PER_UPLOAD:
        raise ValidationError({"photos": _("At most %(n)s photos at a time.") % {"n": MAX_PHOTOS_PER_UPLOAD}})
    return [validate_photo(upload) for upload in photos]


def contractor_user_ids(contractor_id: int | None, project_id: int) -> list[int]:
    """The company's users working on the project: a colleague elsewhere does not see the defect."""
    from properties.models import Project

    if not contractor_id:
        return []
    project = Project.objects.only("city_company_id").get(pk=project_id)
    return list(
        User.objects.working_on(project)
        .filter(role=Role.CONTRACTOR, contractor_id=contractor_id)
        .values_list("pk", flat=True)
    )


def engineer_ids(project_id: int) -> list[int]:
    """The project's delivery engineers: assigned to the project or to its city company."""
    from properties.models import Project

    city_id = Project.objects.filter(pk=project_id).values_list("city_company_id", flat=True).first()
    return list(
        User.objects.filter(is_active=True, role=Role.DELIVERY_ENGINEER)
        .filter(Q(projects=project_id) | Q(city_companies=city_id))
        .values_list("pk", flat=True)
        .distinct()
    )


def _notify(user_ids: Iterable[int | None], *, by: User | None, kind: str, title: str, link: str, body=""):
    ids = {uid for uid in user_ids if uid and (by is None or uid != by.pk)}
    Notification.objects.bulk_create(
        [Notification(recipient_id=uid, kind=kind, title=title[:200], body=body, link=link) for uid in ids]
    )


def _defect_link(defect: Defect) -> str:
    return reverse("delivery:defect-detail", args=[defect.pk])
