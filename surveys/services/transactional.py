"""Transactional surveys: after a complaint is closed and after a handover sign-off, the owner gets the
active template of that trigger, `delay_hours` after the event.

The invitation is written SCHEDULED in the event's own transaction (the receivers in
surveys.signals run inside it), keyed "complaint:<id>" / "handover:<id>": a complaint reopened and
closed again finds its key taken and nothing more happens, so each event is surveyed exactly once.
The sweep (surveys.tasks.sweep_surveys) sends it when `send_after` comes. It lives in a standing
transactional campaign per template version, made on first use (results then group by version).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from customers.models import Customer
from properties.models import Project

from ..models import (
    Campaign,
    Invitation,
    Segment,
    SurveyTemplate,
    SurveyTemplateVersion,
    Trigger,
)
from ..refusals import refuses_surveys


def standing_campaign(version: SurveyTemplateVersion) -> Campaign:
    """The open transactional campaign of this template version, made on first use (the version row
    is locked while looking, so two events at once make one campaign) and the version frozen."""
    with transaction.atomic():
        SurveyTemplateVersion.objects.select_for_update().filter(pk=version.pk).update(is_frozen=True)
        campaign = (
            Campaign.objects.filter(template_version=version, kind=Campaign.Kind.TRANSACTIONAL)
            .order_by("pk")
            .first()
        )
        if campaign is None:
            template = version.template
            campaign = Campaign.objects.create(
                name=f"{template.name} v{version.number}"[:100],
                template_version=version,
                kind=Campaign.Kind.TRANSACTIONAL,
                status=Campaign.Status.OPEN,
                exclude_surveyed_days=0,
            )
        return campaign


def _active_version(trigger: str) -> SurveyTemplateVersion | None:
    template = SurveyTemplate.objects.filter(trigger=trigger, is_active=True).first()
    return template.latest_version() if template is not None else None


def transactional_invitation_schedule(
    *,
    trigger: str,
    trigger_key: str,
    customer: Customer | None,
    project: Project,
    unit_id: int | None,
    subject: str,
    event_at: datetime.datetime,
) -> Invitation | None:
    """Schedule the survey of one event (idempotent by `trigger_key`). None when no active template
    answers the trigger, there is no customer, they died or opted out, or the event had its survey."""
    if customer is None or customer.deceased_on is not None:
        return None
    if Invitation.objects.filter(trigger_key=trigger_key).exists():
        return None
    version = _active_version(trigger)
    if version is None or refuses_surveys(customer.pk):
        return None
    template = version.template
    campaign = standing_campaign(version)
    stage = customer.stage(timezone.localdate(event_at))
    invitation = Invitation(
        campaign=campaign,
        customer=customer,
        city_company_id=project.city_company_id,
        project=project,
        unit_id=unit_id,
        segment=stage if stage in Segment.values else "",
        trigger_key=trigger_key,
        send_after=event_at + datetime.timedelta(hours=template.delay_hours),
        expires_at=campaign.expires_at,
        subject=subject[:200],
    )
    # A concurrent close of the same event: the unique key keeps one row, and this one is skipped.
    Invitation.objects.bulk_create([invitation], ignore_conflicts=True)
    return Invitation.objects.filter(trigger_key=trigger_key).first()


def complaint_survey_schedule(complaint) -> Invitation | None:
    """After a close: the complaint's number and category, never its text (it may name people)."""
    category = complaint.category.name if complaint.category_id else ""
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Complaint %(number)s (%(category)s)") % {
            "number": complaint.number or complaint.pk,
            "category": category,
        }
    return transactional_invitation_schedule(
        trigger=Trigger.COMPLAINT_CLOSED,
        trigger_key=f"complaint:{complaint.pk}",
        customer=complaint.customer,
        project=complaint.project,
        unit_id=complaint.unit_id,
        subject=subject,
        event_at=complaint.closed_at,
    )


def handover_survey_schedule(handover, contract) -> Invitation | None:
    """After a sign-off: the unit's owner (the active contract's primary buyer)."""
    if contract is None:
        return None
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("The handover of your home at %(project)s") % {"project": handover.project.name}
    return transactional_invitation_schedule(
        trigger=Trigger.HANDOVER_SIGNED,
        trigger_key=f"handover:{handover.pk}",
        # Read afresh: the sign-off has just moved the buyer's stage dates (准业主 → 磨合期).
        customer=Customer.objects.filter(pk=contract.primary_buyer_id).first(),
        project=handover.project,
        unit_id=handover.unit_id,
        subject=subject,
        event_at=handover.signed_at,
    )
