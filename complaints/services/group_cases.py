"""Group cases (群诉), complaints of one cause handled together: making one and linking complaints to
it (its handling is services.case_handling); and improvement items (缺陷反馈).

Lock order: the case row, then its complaints in id order. Every service that touches both takes
them so (case_handling too), so two of them never wait on each other crosswise."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User

from .. import sla
from ..models import Category, Complaint, ComplaintEvent, GroupCase, GroupCaseEvent, ImprovementItem, Severity
from ._common import _event, _in_scope, _lock, _require, _save, case_owner_refusal
from .rules import require_case_state, require_state


@transaction.atomic
def group_case_create(
    *,
    by: User,
    title: str,
    complaints: Iterable[Complaint],
    category: Category | None = None,
    owner: User | None = None,
) -> GroupCase:
    """群诉: link complaints with one cause into a case handled together; they become group severity.
    The case starts open, with its owner when one is given."""
    _require(by, "group")
    complaints = list(complaints)
    if len(complaints) < 2:
        raise ValidationError({"complaints": _("A group case links at least two complaints.")})
    projects = {c.project_id for c in complaints}
    if len(projects) != 1:
        raise ValidationError({"complaints": _("The complaints of a group case belong to one project.")})
    if not all(_in_scope(by, pid) for pid in projects):
        raise PermissionDenied(_("This project is outside your city companies and projects."))
    project_id = projects.pop()
    if owner is not None and (refusal := case_owner_refusal(owner, project_id)):
        raise refusal
    buildings = {c.unit.building_id for c in complaints if c.unit_id}  # type: ignore[union-attr]  # the *_id test beside it: the relation is set
    case = GroupCase.objects.create(
        title=(title or "").strip() or complaints[0].title,
        project_id=project_id,
        building_id=buildings.pop() if len(buildings) == 1 else None,
        category=category or complaints[0].category,
        owner=owner,
    )
    case.number = f"QS-{case.pk:06d}"
    GroupCase.objects.filter(pk=case.pk).update(number=case.number)
    joined = _link(case, by, complaints)
    GroupCaseEvent.objects.create(
        case=case,
        actor=by,
        kind=GroupCaseEvent.Kind.CREATED,
        note=" ".join(c.number for c in joined),  # type: ignore[misc]  # numbered on creation: never None here
        data={"complaints": [c.pk for c in joined], "owner": owner.pk if owner else None},
    )
    return case


@transaction.atomic
def group_case_link(*, case: GroupCase, by: User, complaints: Iterable[Complaint]) -> int:
    """Link open complaints of the case's project to it; the case is locked, then each complaint (in
    id order, so two supervisors linking overlapping sets cannot deadlock), and checked as
    complaint_join_group_case() checks one."""
    _require(by, "group")
    case = _lock_case_for_joining(case)
    joined = _link(case, by, complaints)
    _joined_event(case, by, joined)
    return len(joined)


def _link(case: GroupCase, by: User, complaints: Iterable[Complaint]) -> list[Complaint]:
    return [_join_group_case(_lock(c, None), case, by) for c in sorted(complaints, key=lambda c: c.pk)]


def _lock_case_for_joining(case: GroupCase) -> GroupCase:
    """The case, locked before its complaints (the module's lock order), for its status: a case being
    closed meanwhile takes no complaint."""
    return GroupCase.objects.select_for_update().get(pk=case.pk)


def _joined_event(case: GroupCase, by: User, joined: list[Complaint]) -> None:
    if joined:
        GroupCaseEvent.objects.create(
            case=case,
            actor=by,
            kind=GroupCaseEvent.Kind.JOINED,
            note=" ".join(c.number for c in joined),  # type: ignore[misc]  # numbered on creation: never None here
            data={"complaints": [c.pk for c in joined]},
        )


@transaction.atomic
def complaint_join_group_case(
    *, complaint: Complaint, by: User, group_case: GroupCase, expected_version: int | None = None
) -> Complaint:
    """One more owner calls about a cause already handled as a group case (群诉): their complaint
    joins it and takes the group severity."""
    _require(by, "group")
    case = _lock_case_for_joining(group_case)
    joined = _join_group_case(_lock(complaint, expected_version), case, by)
    _joined_event(case, by, [joined])
    return joined


def _join_group_case(complaint: Complaint, case: GroupCase, by: User) -> Complaint:
    """`complaint` is the row _lock() read FOR UPDATE, `case` the one read FOR UPDATE before it."""
    if not _in_scope(by, case.project_id):
        raise PermissionDenied(_("This project is outside your city companies and projects."))
    require_case_state(case, "case_join")
    if complaint.project_id != case.project_id:
        raise ValidationError({"complaints": _("The complaints of a group case belong to one project.")})
    require_state(complaint, "group")
    complaint.group_case, complaint.severity = case, Severity.GROUP
    # The group severity may bring a faster clock (services.reclassification does the same).
    _save(complaint, ["group_case", "severity", *sla.replan_clock(complaint)], by=by)
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


def group_case_proposal_settings() -> tuple[int, int]:
    """(N complaints, M days): N open complaints of one category from one building or project within M days."""
    return settings.GROUP_CASE_MIN_COMPLAINTS, settings.GROUP_CASE_WINDOW_DAYS
