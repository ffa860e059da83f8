"""A campaign aimed at the club's value classes: ABC classes and RFM segments (customers.CustomerValue),
on values computed from hand-built facts at the ABC boundaries; the form, the API, the preview."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from customers.models import CustomerValue, RfmSegment, ValueClass
from membership.value import CustomerFacts, customer_values_compute
from surveys.models import Campaign, Segment
from surveys.selectors.targeting import campaign_preview, campaign_recipients
from surveys.services.campaigns import campaign_create
from tests.surveys.factories import CampaignFactory, owner_home, questionnaire

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 6, 15)
NOW = timezone.make_aware(datetime.datetime(2026, 6, 15, 10, 0))
DAY = datetime.timedelta(days=1)


def _valued(project, totals: list[int]) -> list:
    """One owner per total (yuan, in the order given), valued by membership.value's rules."""
    owners = [owner_home(project, signed=TODAY - 10 * DAY) for _ in totals]
    facts = {
        owner.pk: CustomerFacts(
            contract_total=Decimal(total), contracts=1, prices=[Decimal(total)], last_active=TODAY - 10 * DAY
        )
        for owner, total in zip(owners, totals, strict=True)
    }
    CustomerValue.objects.bulk_create(customer_values_compute(facts, today=TODAY, now=NOW))
    return owners


def _recipient_ids(campaign) -> set[int]:
    return {r.customer_id for r in campaign_recipients(campaign, today=TODAY, now=NOW)}


def test_abc_classes_at_the_boundaries_select_exactly_their_owners(project):
    # 70 % → A; the next straddles 75 % (70 % before it) → A; 10 % (85 % before) → B;
    # the last starts exactly at 95 % → C.
    first, straddling, middle, last = _valued(project, [70, 15, 10, 5])
    unvalued = owner_home(project, signed=TODAY - 10 * DAY)
    classes = dict(CustomerValue.objects.values_list("customer_id", "value_class"))
    assert [classes[o.pk] for o in (first, straddling, middle, last)] == ["A", "A", "B", "C"]

    assert _recipient_ids(CampaignFactory(exclude_surveyed_days=0, value_classes=["A"])) == {
        first.pk,
        straddling.pk,
    }
    assert _recipient_ids(CampaignFactory(exclude_surveyed_days=0, value_classes=["B", "C"])) == {
        middle.pk,
        last.pk,
    }
    # No value class chosen: everyone, the owner not valued yet too.
    assert _recipient_ids(CampaignFactory(exclude_surveyed_days=0)) == {
        first.pk,
        straddling.pk,
        middle.pk,
        last.pk,
        unvalued.pk,
    }


def test_rfm_segments_and_abc_classes_must_both_match(project):
    first, straddling, middle, last = _valued(project, [70, 15, 10, 5])
    segments = dict(CustomerValue.objects.values_list("customer_id", "rfm_segment"))
    # The same recency and frequency (all score 1): the two largest score high on M only.
    assert [segments[o.pk] for o in (first, straddling, middle, last)] == [
        RfmSegment.IMPORTANT_WIN_BACK,
        RfmSegment.IMPORTANT_WIN_BACK,
        RfmSegment.GENERAL_WIN_BACK,
        RfmSegment.GENERAL_WIN_BACK,
    ]
    win_back = CampaignFactory(exclude_surveyed_days=0, rfm_segments=[RfmSegment.IMPORTANT_WIN_BACK])
    assert _recipient_ids(win_back) == {first.pk, straddling.pk}
    both = CampaignFactory(
        exclude_surveyed_days=0, rfm_segments=[RfmSegment.GENERAL_WIN_BACK], value_classes=["B"]
    )
    assert _recipient_ids(both) == {middle.pk}


def test_the_preview_counts_only_the_chosen_value_classes_in_one_query(project, django_assert_num_queries):
    _valued(project, [70, 15, 10, 5])
    campaign = CampaignFactory(exclude_surveyed_days=0, value_classes=["A"])
    with django_assert_num_queries(1):
        preview = campaign_preview(campaign, today=TODAY, now=NOW)
    buyer = {row.segment: row for row in preview.segments}[Segment.BUYER]
    assert (buyer.eligible, buyer.to_send) == (2, 2)
    with django_assert_num_queries(1):
        assert len(campaign_recipients(campaign, today=TODAY, now=NOW)) == 2


def test_the_service_keeps_the_classes_in_a_fixed_order_and_refuses_unknown_ones(group_admin):
    version = questionnaire()
    campaign = campaign_create(
        by=group_admin,
        name="金卡业主调查",
        template_version=version,
        value_classes=["C", "A"],
        rfm_segments=[RfmSegment.GENERAL_KEEP, RfmSegment.IMPORTANT_VALUE],
    )
    assert campaign.value_classes == ["A", "C"]
    assert campaign.rfm_segments == [RfmSegment.IMPORTANT_VALUE, RfmSegment.GENERAL_KEEP]
    with pytest.raises(ValidationError) as error:
        campaign_create(by=group_admin, name="x", template_version=version, value_classes=["D"])
    assert "value_classes" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        campaign_create(by=group_admin, name="x", template_version=version, rfm_segments=["大客户"])
    assert "rfm_segments" in error.value.message_dict


def test_the_form_saves_the_value_filter_and_the_page_shows_it(client, city_head, city):
    version = questionnaire()
    client.force_login(city_head)
    response = client.post(
        reverse("surveys:campaign_create"),
        {
            "name": "A 类客户调查",
            "template_version": version.pk,
            "city_company": city.pk,
            "value_classes": ["A"],
            "rfm_segments": [RfmSegment.IMPORTANT_KEEP],
            "sample_seed": 1,
            "exclude_surveyed_days": 90,
            "remind_after_days": 3,
            "max_reminders": 2,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    campaign = Campaign.objects.get(name="A 类客户调查")
    assert (campaign.value_classes, campaign.rfm_segments) == (["A"], [RfmSegment.IMPORTANT_KEEP])
    page = client.get(reverse("surveys:campaign", args=[campaign.pk])).content.decode()
    assert str(ValueClass.A.label) in page and "重要保持客户" in page


def test_the_api_creates_a_campaign_with_value_classes_and_refuses_unknown_ones(api_client, group_admin):
    version = questionnaire()
    api_client.force_authenticate(group_admin)
    created = api_client.post(
        "/api/v1/survey-campaigns/",
        {"name": "B 类", "template_version": version.pk, "value_classes": ["B"]},
        format="json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["value_classes"] == ["B"] and created.json()["rfm_segments"] == []
    refused = api_client.post(
        "/api/v1/survey-campaigns/",
        {"name": "D 类", "template_version": version.pk, "rfm_segments": ["大客户"]},
        format="json",
    )
    assert refused.status_code == 400 and "rfm_segments" in refused.json()
