"""Intake (接待): recording a complaint, from the hotline, the API or the public form, and starting its clocks."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.audit import audit_created
from core.uploads import CheckedUpload
from customers.models import Customer
from properties.models import Unit

from .. import sla
from ..models import Category, Complaint, ComplaintEvent, Severity
from ..webhooks import complaint_created
from ._common import _event, _in_scope, _notify, _require, _supervisors_of
from .attachments import _checked_attachment, attachment_add

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
        or (category.parent.default_department if category.parent_id else ""),  # type: ignore[union-attr]  # the *_id test beside it: the relation is set
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
    audit_created(complaint, by=by)
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
    complaint_created(complaint)
    # What was written besides the row, for callers that show the new complaint without reading it
    # back (the API's 201: complaints.selectors.complaint_as_created).
    complaint.created_event, complaint.created_attachments = created, uploaded  # type: ignore[attr-defined]  # read by selectors.complaint_as_created()
    return complaint
