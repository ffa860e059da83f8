"""The surveys' figures on the dashboards: satisfaction (top-2-box), L3 and the recommend score over the
responses completed in the period, satisfaction by segment × dimension; boundaries to the day, scoping,
not recording, query count."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dashboards.measures.base import Period, PeriodKind
from dashboards.measures.engine import dashboard_panels, scope_from_params
from surveys.day_tallies import day_tallies_rebuild
from surveys.models import Invitation
from surveys.signals import response_completed
from tests.dashboards.conftest import MARCH, at, figures_of, panel_of
from tests.factories import CustomerFactory, ProjectFactory
from tests.surveys.factories import CampaignFactory, InvitationFactory, completed_invitation

pytestmark = pytest.mark.django_db


def _response(campaign, project, completed, segment="stable", **scores):
    customer = CustomerFactory(city_company=project.city_company)
    invitation = completed_invitation(
        scores,
        completed_at=completed,
        campaign=campaign,
        customer=customer,
        project=project,
        segment=segment,
    )
    # What the submit service does in its transaction (the factory writes the answers directly).
    response_completed.send(sender=Invitation, invitation=invitation)
    return invitation


@pytest.fixture
def responses(project, other_project):
    """March at 四季花城: a loyal promoter at March's first minute, a satisfied passive, an unhappy
    detractor at its last minute, one answering the overall question only (a buyer); February's
    promoter; April's detractor; a started response (not completed) and another city's promoter."""
    campaign = CampaignFactory()
    _response(campaign, project, at("2026-03-01", 0, 0), overall=5, repurchase=5, recommend=10, quality=5)
    _response(campaign, project, at("2026-03-10"), overall=4, repurchase=4, recommend=8, quality=3)
    _response(campaign, project, at("2026-03-31", 23, 59), overall=2, repurchase=1, recommend=3, quality=2)
    _response(campaign, project, at("2026-03-15"), segment="buyer", overall=5)
    _response(campaign, project, at("2026-02-28", 23, 59), overall=5, repurchase=5, recommend=9)
    _response(campaign, project, at("2026-04-01", 0, 0), overall=1, repurchase=1, recommend=0)
    InvitationFactory(campaign=campaign, project=project, status=Invitation.Status.STARTED)
    _response(campaign, other_project, at("2026-03-05"), overall=5, repurchase=5, recommend=10)


def test_satisfaction_l3_and_recommend_score_of_a_city(responses, city_head):
    figures = figures_of(city_head, "surveys")
    satisfaction = figures["surveys.satisfaction"]
    assert (satisfaction.ratio.numerator, satisfaction.ratio.denominator) == (3, 4)  # 5, 4, 5 of 5, 4, 2, 5
    assert satisfaction.value == 75.0
    l3 = figures["surveys.l3"]
    assert (l3.ratio.numerator, l3.ratio.denominator) == (1, 3)  # the buyer did not answer all three
    recommend = figures["surveys.recommend"]
    assert (recommend.ratio.numerator, recommend.ratio.denominator) == (0, 3)  # 1 promoter − 1 detractor
    assert recommend.value == 0.0
    assert figures["surveys.recommend"].previous == 100.0  # February: one promoter


def test_the_group_adds_the_other_city(responses, group_admin):
    panel = panel_of(group_admin, "surveys")
    figures = {f.measure.key: f for f in panel.figures}
    assert (figures["surveys.recommend"].ratio.numerator, figures["surveys.recommend"].ratio.denominator) == (
        1,
        4,
    )
    rows = {scope.label: {f.measure.key: f.value for f in row} for scope, row in panel.rows}
    assert rows["武汉公司"]["surveys.satisfaction"] == 100.0
    assert rows["深圳公司"]["surveys.satisfaction"] == 75.0


def test_satisfaction_by_segment_and_dimension(responses, city_head):
    (breakdown,) = panel_of(city_head, "surveys").breakdowns
    assert breakdown.key == "surveys.satisfaction_by_segment"
    assert breakdown.columns == ("Segment", "Loyalty", "House quality")
    rows = {row.label: row.values for row in breakdown.rows}
    # Stable owners: loyalty answers 5,5,4,4,2,1 → 4 of 6 in the top two boxes; quality 5,3,2 → 1 of 3.
    assert rows["Stable owner (稳定期)"] == (pytest.approx(66.7), pytest.approx(33.3))
    assert rows["Buyer awaiting handover (准业主)"] == (100.0, None)


def test_not_recording_before_the_first_completed_response(db, group_admin, project):
    InvitationFactory(project=project)  # sent, never answered
    panel = panel_of(group_admin, "surveys")
    assert panel.recording is False
    assert panel.figures == []


@pytest.mark.parametrize("extra_projects", [0, 3])
def test_query_count_does_not_grow_with_projects(responses, group_admin, city, extra_projects):
    campaign = CampaignFactory()
    for _ in range(extra_projects):
        _response(campaign, ProjectFactory(city_company=city), at("2026-03-02"), overall=4, recommend=9)
    scope = scope_from_params(group_admin, {})
    with CaptureQueriesContext(connection) as queries:
        dashboard_panels(group_admin, scope, MARCH)
    # is_recording (1), the figures (1), the breakdown (1).
    assert len([q for q in queries.captured_queries if "surveys_" in q["sql"]]) == 3


def _panel_values(user, period, fresh):
    scope = scope_from_params(user, {})
    (panel,) = dashboard_panels(user, scope, period, fresh=fresh, sources={"surveys"})
    figures = [(f.measure.key, f.value, f.previous, f.trend, f.ratio) for f in panel.figures]
    rows = [(s.label, [(f.value, f.ratio) for f in row]) for s, row in panel.rows]
    return figures, rows, panel.breakdowns


@pytest.mark.parametrize("kind", [PeriodKind.DAY, PeriodKind.WEEK, PeriodKind.MONTH, PeriodKind.YEAR])
def test_counted_anew_and_from_the_tallies_agree_and_match_a_recount_from_the_answers(
    responses, group_admin, kind
):
    """The day tallies are written by the submit transaction: counted anew (fresh) or not, the page
    reads the same rows, and recounting them from the answers changes no figure."""
    period = Period.containing(kind, datetime.date(2026, 3, 31))
    fresh, summary = _panel_values(group_admin, period, True), _panel_values(group_admin, period, False)
    assert fresh == summary
    assert any(value is not None for _k, value, *_rest in fresh[0])
    day_tallies_rebuild()
    assert _panel_values(group_admin, period, True) == fresh
