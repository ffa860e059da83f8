"""+2 四年之约: raise a public-area renovation item (from owners' input, a complaint or a survey
answer), track it to done, and give the owners' representatives a read-only link."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from complaints.models import Complaint
from properties.models import Project
from surveys.models import Answer

from ..models import RenovationItem, RepresentativeLink
from ._common import in_scope, lock, require_writer, save

UPDATE_FIELDS = ("status", "owner", "due_on", "note", "title", "description", "category")


def _check(item: RenovationItem) -> None:
    errors: dict = {}
    if item.category not in RenovationItem.Category.values:
        errors["category"] = _("Unknown category.")
    if not (item.title or "").strip():
        errors["title"] = _("Give the item a title.")
    if item.status not in RenovationItem.Status.values:
        errors["status"] = _("Unknown status.")
    if item.owner is not None and (not item.owner.is_active or not in_scope(item.owner, item.project_id)):
        errors["owner"] = _("Choose an active staff member of this project.")
    if item.source == RenovationItem.Source.COMPLAINT and item.complaint_id is None:
        errors["complaint"] = _("Name the complaint it comes from.")
    if item.source == RenovationItem.Source.SURVEY and item.survey_answer_id is None:
        errors["survey_answer"] = _("Name the survey answer it comes from.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def renovation_item_create(
    *,
    by: User,
    project: Project,
    category: str,
    title: str,
    description: str = "",
    complaint: Complaint | None = None,
    survey_answer: Answer | None = None,
    owner: User | None = None,
    due_on=None,
) -> RenovationItem:
    """The source follows from what it is raised from: a complaint, a survey answer, else owners' input."""
    require_writer(by, project.pk)
    errors = {}
    if complaint is not None and complaint.project_id != project.pk:
        errors["complaint"] = _("The complaint belongs to another project.")
    if survey_answer is not None and survey_answer.invitation.project_id != project.pk:
        errors["survey_answer"] = _("The survey answer belongs to another project.")
    if errors:
        raise ValidationError(errors)
    source = (
        RenovationItem.Source.COMPLAINT
        if complaint
        else RenovationItem.Source.SURVEY
        if survey_answer
        else RenovationItem.Source.OWNER
    )
    item = RenovationItem(
        project=project,
        category=category,
        title=(title or "").strip(),
        description=(description or "").strip(),
        source=source,
        complaint=complaint,
        survey_answer=survey_answer,
        owner=owner,
        due_on=due_on,
    )
    _check(item)
    item.save()
    return item


@transaction.atomic
def renovation_item_update(
    *, by: User, item: RenovationItem, version: int | None, **fields
) -> RenovationItem:
    require_writer(by, item.project_id)
    item = lock(RenovationItem, item.pk, version)
    changed = [name for name in UPDATE_FIELDS if name in fields]
    for name in changed:
        setattr(item, name, fields[name])
    if "status" in changed:
        item.done_on = timezone.localdate() if item.status == RenovationItem.Status.DONE else None
        changed.append("done_on")
    _check(item)
    return save(item, changed)


@transaction.atomic
def representative_link_create(*, by: User, project: Project, label: str = "") -> RepresentativeLink:
    require_writer(by, project.pk)
    return RepresentativeLink.objects.create(
        project=project, label=(label or "").strip()[:100], created_by=by
    )


@transaction.atomic
def representative_link_revoke(*, by: User, link: RepresentativeLink) -> RepresentativeLink:
    require_writer(by, link.project_id)
    link = RepresentativeLink.objects.select_for_update().get(pk=link.pk)
    if link.revoked_at is None:
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at"])
    return link
