"""Who a campaign reaches: segments to the day, place, exclusions, reproducible samples, the preview."""

import datetime

import pytest
from django.utils import timezone

from customers.models import Stage, stage_on
from surveys.models import Campaign, Invitation, Segment, SurveyOptOut
from surveys.selectors.targeting import campaign_preview, campaign_recipients
from tests.factories import BuildingFactory, ContractFactory, UnitFactory
from tests.surveys.factories import CampaignFactory, InvitationFactory, owner_home

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 6, 15)
NOW = timezone.make_aware(datetime.datetime(2026, 6, 15, 10, 0))
DAY = datetime.timedelta(days=1)


def recipients(campaign, **kwargs):
    return campaign_recipients(campaign, today=TODAY, now=NOW, **kwargs)


def segments_of(campaign):
    return {r.customer_id: r.segment for r in recipients(campaign)}


# (signed, handed over, the segment on TODAY or None when not targeted): every boundary to the day.
BOUNDARIES = [
    ("signed tomorrow: a prospect", TODAY + DAY, None, None),
    ("signed today", TODAY, None, Segment.BUYER),
    ("handover tomorrow", TODAY - 30 * DAY, TODAY + DAY, Segment.BUYER),
    ("handed over today", TODAY - 30 * DAY, TODAY, Segment.SETTLING_IN),
    (
        "handed over exactly 1 year ago",
        datetime.date(2025, 1, 1),
        datetime.date(2025, 6, 15),
        Segment.SETTLING_IN,
    ),
    ("1 year and 1 day ago", datetime.date(2025, 1, 1), datetime.date(2025, 6, 14), Segment.STABLE),
    ("exactly 2 years ago", datetime.date(2024, 1, 1), datetime.date(2024, 6, 15), Segment.STABLE),
    ("2 years and 1 day ago", datetime.date(2024, 1, 1), datetime.date(2024, 6, 14), Segment.ESTABLISHED),
]


@pytest.mark.parametrize(("label", "signed", "handed", "segment"), BOUNDARIES, ids=[b[0] for b in BOUNDARIES])
def test_segment_boundaries_to_the_day(project, label, signed, handed, segment):
    owner = owner_home(project, signed=signed, handed=handed)
    campaign = CampaignFactory(exclude_surveyed_days=0)
    assert segments_of(campaign).get(owner.pk) == segment
    # The same rule as the customer's own stage (customers.models.stage_on).
    expected = stage_on(signed_on=signed, handed_over_on=handed, today=TODAY)
    assert (expected.value if expected != Stage.PROSPECT else None) == segment


def test_a_leap_day_handover_turns_stable_after_28_february(project):
    owner = owner_home(project, signed=datetime.date(2024, 1, 1), handed=datetime.date(2024, 2, 29))
    campaign = CampaignFactory(exclude_surveyed_days=0)
    on = campaign_recipients(campaign, today=datetime.date(2025, 2, 28), now=NOW)
    after = campaign_recipients(campaign, today=datetime.date(2025, 3, 1), now=NOW)
    assert [r.segment for r in on if r.customer_id == owner.pk] == [Segment.SETTLING_IN]
    assert [r.segment for r in after if r.customer_id == owner.pk] == [Segment.STABLE]


def test_only_the_chosen_segments_are_targeted(project):
    buyer = owner_home(project, signed=TODAY - 10 * DAY)
    settling = owner_home(project, signed=TODAY - 100 * DAY, handed=TODAY - 50 * DAY)
    campaign = CampaignFactory(segments=[Segment.SETTLING_IN], exclude_surveyed_days=0)
    assert set(segments_of(campaign)) == {settling.pk}
    assert buyer.pk not in segments_of(campaign)


def test_place_city_company_project_building(project, other_project):
    building = BuildingFactory(project=project)
    in_building = owner_home(project, signed=TODAY - 10 * DAY, building=building)
    in_project = owner_home(project, signed=TODAY - 10 * DAY)
    elsewhere = owner_home(other_project, signed=TODAY - 10 * DAY)
    assert set(segments_of(CampaignFactory(building=building, project=project))) == {in_building.pk}
    assert set(segments_of(CampaignFactory(project=project))) == {in_building.pk, in_project.pk}
    assert set(segments_of(CampaignFactory(city_company=other_project.city_company))) == {elsewhere.pk}
    assert set(segments_of(CampaignFactory())) == {in_building.pk, in_project.pk, elsewhere.pk}


def test_the_invitation_keys_come_from_the_latest_contract(project, other_project):
    owner = owner_home(project, signed=datetime.date(2020, 1, 1), handed=datetime.date(2021, 1, 1))
    newer_unit = UnitFactory(building=BuildingFactory(project=other_project))
    ContractFactory(
        unit=newer_unit,
        primary_buyer=owner,
        subscribed_on=None,
        signed_on=TODAY - 5 * DAY,
        contractual_handover_on=None,
    )
    (recipient,) = recipients(CampaignFactory())
    assert (recipient.unit_id, recipient.project_id, recipient.city_company_id, recipient.segment) == (
        newer_unit.pk,
        other_project.pk,
        other_project.city_company_id,
        Segment.BUYER,
    )
    # Aimed at the old home's project, the owner is not reached: their stage is set by the new one.
    assert recipients(CampaignFactory(project=project)) == []


def test_cancelled_contracts_do_not_count(project):
    owner = owner_home(project, signed=TODAY - 10 * DAY)
    owner.contracts_as_buyer.update(status="cancelled")
    from customers.services import customers_refresh_contract_dates

    customers_refresh_contract_dates(customer_ids=[owner.pk])
    assert recipients(CampaignFactory()) == []


def test_exclusions_and_the_preview_counts_per_segment(project):
    kept = owner_home(project, signed=TODAY - 10 * DAY)
    owner_home(project, signed=TODAY - 10 * DAY, deceased_on=TODAY - 3 * DAY)
    opted = owner_home(project, signed=TODAY - 10 * DAY)
    SurveyOptOut.objects.create(customer=opted)
    recent = owner_home(project, signed=TODAY - 10 * DAY)
    InvitationFactory(customer=recent, sent_at=NOW - 20 * DAY)
    long_ago = owner_home(project, signed=TODAY - 10 * DAY)
    InvitationFactory(customer=long_ago, sent_at=NOW - 40 * DAY)
    never_sent = owner_home(project, signed=TODAY - 10 * DAY)
    InvitationFactory(customer=never_sent, sent_at=None, status=Invitation.Status.SCHEDULED)
    # Dead and opted out: counted once, under the first reason.
    both = owner_home(project, signed=TODAY - 10 * DAY, deceased_on=TODAY - 3 * DAY)
    SurveyOptOut.objects.create(customer=both)
    settled = owner_home(project, signed=TODAY - 400 * DAY, handed=TODAY - 300 * DAY)

    campaign = CampaignFactory(exclude_surveyed_days=30)
    assert {r.customer_id for r in recipients(campaign)} == {kept.pk, long_ago.pk, never_sent.pk, settled.pk}
    preview = campaign_preview(campaign, today=TODAY, now=NOW)
    rows = {row.segment: row for row in preview.segments}
    buyer = rows[Segment.BUYER]
    assert (buyer.eligible, buyer.excluded, buyer.to_send) == (
        7,
        {"deceased": 2, "opted_out": 1, "recently_surveyed": 1},
        3,
    )
    assert (rows[Segment.SETTLING_IN].eligible, rows[Segment.SETTLING_IN].to_send) == (1, 1)
    assert (rows[Segment.STABLE].eligible, rows[Segment.ESTABLISHED].eligible) == (0, 0)
    assert preview.total.to_send == 4 and preview.total.excluded_total == 4
    # N = 0: nobody is excluded for a recent survey.
    Campaign.objects.filter(pk=campaign.pk).update(exclude_surveyed_days=0)
    campaign.refresh_from_db()
    assert recent.pk in {r.customer_id for r in recipients(campaign)}


def test_the_campaigns_own_invitations_do_not_exclude_its_owners(project):
    owner = owner_home(project, signed=TODAY - 10 * DAY)
    campaign = CampaignFactory(exclude_surveyed_days=90)
    InvitationFactory(campaign=campaign, customer=owner, sent_at=NOW - DAY)
    assert [r.customer_id for r in recipients(campaign)] == [owner.pk]


def _sample(project, **campaign_fields):
    campaign = CampaignFactory(exclude_surveyed_days=0, **campaign_fields)
    return [r.customer_id for r in recipients(campaign)]


def test_sampling_by_number_and_share_is_reproducible_with_the_seed(project):
    for _ in range(30):
        owner_home(project, signed=TODAY - 10 * DAY, phone=False)
    for _ in range(10):
        owner_home(project, signed=TODAY - 400 * DAY, handed=TODAY - 300 * DAY, phone=False)
    first = _sample(project, sample_per_segment=5, sample_seed=7)
    again = _sample(project, sample_per_segment=5, sample_seed=7)
    other = _sample(project, sample_per_segment=5, sample_seed=8)
    assert len(first) == 10 and first == again and first != other
    # A share: 30 % of 30 buyers and of 10 settling-in owners (rounded half up).
    shared = _sample(project, sample_percent=30, sample_seed=7)
    assert len(shared) == 9 + 3
    assert shared == _sample(project, sample_percent=30, sample_seed=7)
    preview = campaign_preview(
        CampaignFactory(sample_percent=30, exclude_surveyed_days=0), today=TODAY, now=NOW
    )
    assert [row.to_send for row in preview.segments] == [9, 3, 0, 0]


def test_preview_and_selection_are_one_query_each_whatever_the_size(project, django_assert_num_queries):
    for _ in range(12):
        owner_home(project, signed=TODAY - 10 * DAY, phone=False)
    campaign = CampaignFactory(sample_per_segment=5)
    with django_assert_num_queries(1):
        campaign_preview(campaign, today=TODAY, now=NOW)
    with django_assert_num_queries(1):
        assert len(recipients(campaign)) == 5
