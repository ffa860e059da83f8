"""Campaigns: create and edit a draft, send it (the job in surveys.tasks), close it.

Only the roles that run campaigns (surveys.permissions) write them, and only aimed inside their own
scope: a city head at their city company (or one of its projects or buildings), a supervisor at their
projects; a group-wide campaign (no place) is for the unrestricted roles. Each write checks the row's
`version`: two people editing one draft never overwrite each other silently.
"""

from __future__ import annotations

from celery import current_app
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.models import RfmSegment, ValueClass
from customers.services import ConcurrentEditError
from properties.models import Building, CityCompany, Project

from ..models import Campaign, Segment, SurveyTemplateVersion, Trigger
from ..permissions import may_run_campaigns

SEND_TASK = "surveys.tasks.send_campaign"

# What a draft's form may set (everything else is the job's or the system's).
CAMPAIGN_FIELDS = (
    "name",
    "template_version",
    "segments",
    "value_classes",
    "rfm_segments",
    "city_company",
    "project",
    "building",
    "sample_percent",
    "sample_per_segment",
    "sample_seed",
    "exclude_surveyed_days",
    "remind_after_days",
    "max_reminders",
    "expires_at",
)


def _require_runner(by) -> None:
    if not may_run_campaigns(by):
        raise PermissionDenied(_("Your role may not run survey campaigns."))


def target_errors(
    by, *, city_company: CityCompany | None, project: Project | None, building: Building | None
) -> dict:
    """Why this place is not the user's to aim at ({} when it is)."""
    errors: dict[str, str] = {}
    if building is not None and project is not None and building.project_id != project.pk:
        errors["building"] = _("The building is not in the chosen project.")
    if project is not None and city_company is not None and project.city_company_id != city_company.pk:
        errors["project"] = _("The project belongs to another city company.")
    scope = by.scope
    if scope.is_unrestricted:
        return errors
    if building is not None:
        if building.project_id not in scope.project_ids:
            errors["building"] = _("This building is outside your projects.")
    elif project is not None:
        if project.pk not in scope.project_ids:
            errors["project"] = _("This project is outside your scope.")
    elif city_company is not None:
        if city_company.pk not in scope.city_company_ids:
            errors["city_company"] = _("This city company is outside your scope.")
    else:
        errors["city_company"] = _(
            "Choose your city company, a project or a building: you may not survey the whole group."
        )
    return errors


def _clean(by, fields: dict) -> dict:
    fields = dict(fields)
    errors = target_errors(
        by,
        city_company=fields.get("city_company"),
        project=fields.get("project"),
        building=fields.get("building"),
    )
    # The narrowest place decides; the wider ones are filled in from it, so scoping reads one column.
    if fields.get("building") is not None:
        fields["project"] = fields["building"].project
    if fields.get("project") is not None:
        fields["city_company"] = fields["project"].city_company
    segments = list(fields.get("segments") or [])
    if any(segment not in Segment.values for segment in segments):
        errors["segments"] = _("Unknown segment.")
    fields["segments"] = [value for value in Segment.values if value in segments]
    for name, choices, message in (
        ("value_classes", ValueClass, _("Unknown value class.")),
        ("rfm_segments", RfmSegment, _("Unknown RFM segment.")),
    ):
        chosen = list(fields.get(name) or [])
        if any(value not in choices.values for value in chosen):
            errors[name] = message
        fields[name] = [value for value in choices.values if value in chosen]
    if fields.get("sample_percent") is not None and fields.get("sample_per_segment") is not None:
        errors["sample_per_segment"] = _("Sample by a share or by a number, not both.")
    percent = fields.get("sample_percent")
    if percent is not None and not 1 <= percent <= 100:
        errors["sample_percent"] = _("A share between 1 and 100 %.")
    version: SurveyTemplateVersion | None = fields.get("template_version")
    if version is not None and (
        version.template.trigger != Trigger.CAMPAIGN or not version.template.is_active
    ):
        errors["template_version"] = _("Choose an active questionnaire meant for campaigns.")
    expires_at = fields.get("expires_at")
    if expires_at is not None and expires_at <= timezone.now():
        errors["expires_at"] = _("The end of the answer period must be in the future.")
    if errors:
        raise ValidationError(errors)
    return fields


@transaction.atomic
def campaign_create(*, by, **fields) -> Campaign:
    _require_runner(by)
    unknown = set(fields) - set(CAMPAIGN_FIELDS)
    if unknown:
        raise TypeError(f"unknown campaign fields: {sorted(unknown)}")
    fields = _clean(by, fields)
    return Campaign.objects.create(created_by=by, kind=Campaign.Kind.PERIODIC, **fields)


def _lock(by, campaign: Campaign, expected_version: int | None) -> Campaign:
    _require_runner(by)
    locked = Campaign.objects.visible_to(by).select_for_update().filter(pk=campaign.pk).first()
    if locked is None:
        raise PermissionDenied(_("This campaign is outside your scope."))
    if expected_version is not None and locked.version != expected_version:
        raise ConcurrentEditError()
    # A group-wide campaign is seen by everyone who views surveys; it is run by the unrestricted only.
    errors = target_errors(
        by, city_company=locked.city_company, project=locked.project, building=locked.building
    )
    if errors:
        raise PermissionDenied(next(iter(errors.values())))
    return locked


def _bump(campaign: Campaign, fields: list[str]) -> Campaign:
    campaign.version += 1
    campaign.save(update_fields=[*fields, "version", "updated_at"])
    return campaign


@transaction.atomic
def campaign_update(*, by, campaign: Campaign, expected_version: int, **fields) -> Campaign:
    """Edit a draft (only a draft: a sent campaign keeps what it was sent with)."""
    unknown = set(fields) - set(CAMPAIGN_FIELDS)
    if unknown:
        raise TypeError(f"unknown campaign fields: {sorted(unknown)}")
    campaign = _lock(by, campaign, expected_version)
    if campaign.status != Campaign.Status.DRAFT:
        raise ValidationError({"status": _("Only a draft can be edited.")})
    fields = _clean(by, fields)
    for name, value in fields.items():
        setattr(campaign, name, value)
    return _bump(campaign, list(fields))


@transaction.atomic
def campaign_send(*, by, campaign: Campaign, expected_version: int | None) -> Campaign:
    """Start sending a draft: its questionnaire version is frozen (a sent survey keeps its questions)
    and the send job is enqueued once this commits. A second click finds it sending: refused."""
    campaign = _lock(by, campaign, expected_version)
    if campaign.status != Campaign.Status.DRAFT:
        raise ValidationError({"status": _("This campaign has been sent already.")})
    if campaign.expires_at is not None and campaign.expires_at <= timezone.now():
        raise ValidationError({"expires_at": _("The end of the answer period must be in the future.")})
    SurveyTemplateVersion.objects.filter(pk=campaign.template_version_id, is_frozen=False).update(
        is_frozen=True
    )
    campaign.status = Campaign.Status.SENDING
    campaign.send_started_at = timezone.now()
    campaign.send_total = campaign.send_done = 0
    _bump(campaign, ["status", "send_started_at", "send_total", "send_done"])
    campaign_id = campaign.pk
    # Named, not imported: surveys.tasks imports the services (a task module imports the work it runs).
    transaction.on_commit(lambda: current_app.signature(SEND_TASK, args=(campaign_id,)).delay(), robust=True)
    return campaign


@transaction.atomic
def campaign_close(*, by, campaign: Campaign, expected_version: int | None) -> Campaign:
    """Stop accepting answers and reminding. A draft is closed unsent; a campaign still sending is
    not closed (its job would leave half the owners with a link that no longer works)."""
    campaign = _lock(by, campaign, expected_version)
    if campaign.status == Campaign.Status.SENDING:
        raise ValidationError({"status": _("Wait until the sending has finished.")})
    if campaign.status == Campaign.Status.CLOSED:
        raise ValidationError({"status": _("This campaign is closed already.")})
    campaign.status = Campaign.Status.CLOSED
    now = timezone.now()
    if campaign.expires_at is None or campaign.expires_at > now:
        campaign.expires_at = now
    campaign.invitations.exclude(expires_at__lte=now).update(expires_at=now)
    return _bump(campaign, ["status", "expires_at"])
