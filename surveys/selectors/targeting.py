"""Who a campaign reaches: owners by segment and place, the exclusions, the sample, and the preview.

A recipient is a customer whose latest active contract as primary buyer (the one that sets their
lifecycle stage, `Customer.latest_signed_on`) is on a unit in the campaign's place (city company,
project or building) and whose stage is one of the campaign's segments (all four owner stages when
none is chosen; prospects never). That contract's unit, project and city company go on the invitation.
When the campaign names value classes (ABC) or RFM segments, only customers whose club value
(customers.CustomerValue, computed nightly) is in them; a customer not valued yet is then left out.

Excluded, in this order (a customer counts under the first reason only): recorded dead
(`deceased_on`), opted out of surveys (any SurveyOptOut row, or a withdrawn survey consent), surveyed recently (an invitation of
another campaign sent within `exclude_surveyed_days`). Merged duplicates are gone already.

Then each segment is sampled: `sample_per_segment` people, or `sample_percent` % of the segment's
eligible (rounded half up), or everyone. The draw is random.Random(seed:segment) over the segment's
customer ids in order: the same seed over the same people picks the same people.

Everything is one set-based query (plus one grouped count for the preview): no query per customer,
at any size of the programme.
"""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass, field

from django.db.models import Case, CharField, Count, Exists, F, OuterRef, Q, Value, When
from django.utils import timezone

from customers.models import Contract, Customer, Stage

from ..models import Campaign, Invitation, Segment
from ..refusals import annotate_refusing_surveys

EXCLUSION_REASONS = ("deceased", "opted_out", "recently_surveyed")


@dataclass(frozen=True)
class Recipient:
    customer_id: int
    unit_id: int
    project_id: int
    city_company_id: int
    segment: str


@dataclass
class SegmentPreview:
    segment: str
    label: str
    eligible: int = 0  # in the segment and the place
    excluded: dict[str, int] = field(default_factory=lambda: dict.fromkeys(EXCLUSION_REASONS, 0))
    to_send: int = 0

    @property
    def excluded_total(self) -> int:
        return sum(self.excluded.values())


@dataclass
class Preview:
    segments: list[SegmentPreview]

    @property
    def total(self) -> SegmentPreview:
        total = SegmentPreview(segment="", label="")
        for row in self.segments:
            total.eligible += row.eligible
            total.to_send += row.to_send
            for reason, count in row.excluded.items():
                total.excluded[reason] += count
        return total


def campaign_segments(campaign: Campaign) -> list[str]:
    """The campaign's segments in the fixed order (empty: all four)."""
    chosen = set(campaign.segments or Segment.values)
    return [value for value in Segment.values if value in chosen]


def sample_size(eligible: int, campaign: Campaign) -> int:
    """How many of a segment's `eligible` (after exclusions) the campaign sends to."""
    if campaign.sample_per_segment is not None:
        return min(eligible, campaign.sample_per_segment)
    if campaign.sample_percent is not None:
        return min(eligible, (eligible * campaign.sample_percent + 50) // 100)
    return eligible


def _segment_case(today: datetime.date, segments: list[str]) -> Case:
    conditions = Customer.objects.stage_conditions(today)
    return Case(
        *(When(conditions[Stage(segment)], then=Value(segment)) for segment in segments),
        default=Value(""),
        output_field=CharField(),
    )


def _place(campaign: Campaign) -> dict:
    """The filter on the home contract (the same join as the stage's date: one filter() call)."""
    place = {
        "contracts_as_buyer__status": Contract.Status.ACTIVE,
        "contracts_as_buyer__signed_on": F("latest_signed_on"),
    }
    if campaign.building_id:
        place["contracts_as_buyer__unit__building_id"] = campaign.building_id
    elif campaign.project_id:
        place["contracts_as_buyer__unit__project_id"] = campaign.project_id
    elif campaign.city_company_id:
        place["contracts_as_buyer__unit__project__city_company_id"] = campaign.city_company_id
    return place


def targeted(campaign: Campaign, *, today: datetime.date | None = None, now: datetime.datetime | None = None):
    """The customers in the campaign's segments and place, annotated with their segment and the
    exclusion flags. May hold a customer twice (two active contracts signed the same latest day):
    counts use DISTINCT and recipients() keeps one row per customer."""
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    segments = campaign_segments(campaign)
    conditions = Customer.objects.stage_conditions(today)
    in_segments = Q()
    for segment in segments:
        in_segments |= conditions[Stage(segment)]
    recent = Invitation.objects.filter(customer_id=OuterRef("pk"), sent_at__isnull=False)
    if campaign.pk:
        recent = recent.exclude(campaign_id=campaign.pk)  # a rerun of the send job must not exclude its own
    if campaign.exclude_surveyed_days:
        recent = recent.filter(sent_at__gte=now - datetime.timedelta(days=campaign.exclude_surveyed_days))
    else:
        recent = recent.none()
    customers = Customer.objects.filter(in_segments)
    if campaign.value_classes:
        customers = customers.filter(value__value_class__in=campaign.value_classes)
    if campaign.rfm_segments:
        customers = customers.filter(value__rfm_segment__in=campaign.rfm_segments)
    return annotate_refusing_surveys(
        customers.filter(**_place(campaign)).annotate(
            segment=_segment_case(today, segments),
            is_deceased=Q(deceased_on__isnull=False),
            is_recent=Exists(recent),
        )
    ).order_by()


def campaign_preview(
    campaign: Campaign, *, today: datetime.date | None = None, now: datetime.datetime | None = None
) -> Preview:
    """Per segment: eligible, excluded by reason, to be sent. One grouped query."""
    rows = (
        targeted(campaign, today=today, now=now)
        .values("segment")
        .annotate(
            eligible=Count("pk", distinct=True),
            deceased=Count("pk", distinct=True, filter=Q(is_deceased=True)),
            opted_out=Count("pk", distinct=True, filter=Q(is_deceased=False, is_opted_out=True)),
            recently_surveyed=Count(
                "pk", distinct=True, filter=Q(is_deceased=False, is_opted_out=False, is_recent=True)
            ),
        )
    )
    by_segment = {row["segment"]: row for row in rows}
    labels = dict(Segment.choices)
    preview = Preview(segments=[])
    for segment in campaign_segments(campaign):
        row = by_segment.get(segment, {})
        item = SegmentPreview(segment=segment, label=str(labels[segment]), eligible=row.get("eligible", 0))
        for reason in EXCLUSION_REASONS:
            item.excluded[reason] = row.get(reason, 0)
        item.to_send = sample_size(item.eligible - item.excluded_total, campaign)
        preview.segments.append(item)
    return preview


def campaign_recipients(
    campaign: Campaign, *, today: datetime.date | None = None, now: datetime.datetime | None = None
) -> list[Recipient]:
    """The sampled recipients, ordered by customer id. One query (ids and keys only)."""
    rows = (
        targeted(campaign, today=today, now=now)
        .filter(is_deceased=False, is_opted_out=False, is_recent=False)
        .order_by("pk", "-contracts_as_buyer__pk")
        .values_list(
            "pk",
            "contracts_as_buyer__unit_id",
            "contracts_as_buyer__unit__project_id",
            "contracts_as_buyer__unit__project__city_company_id",
            "segment",
        )
    )
    per_segment: dict[str, list[Recipient]] = {}
    last = None
    for customer_id, unit_id, project_id, city_company_id, segment in rows.iterator(chunk_size=5000):
        if customer_id == last:
            continue  # a second home contract of the same latest day: the newest one counts
        last = customer_id
        per_segment.setdefault(segment, []).append(
            Recipient(customer_id, unit_id, project_id, city_company_id, segment)
        )
    chosen: list[Recipient] = []
    for segment in campaign_segments(campaign):
        people = per_segment.get(segment, [])
        size = sample_size(len(people), campaign)
        if size < len(people):
            people = random.Random(f"{campaign.sample_seed}:{segment}").sample(people, size)
        chosen.extend(people)
    chosen.sort(key=lambda recipient: recipient.customer_id)
    return chosen
