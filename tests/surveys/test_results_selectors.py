"""The results of a campaign: figures from final answers only, in the user's scope, under filters,
against the previous campaign of the same template; a fixed number of queries."""

import datetime

import pytest
from django.utils import timezone

from accounts.models import Role
from surveys.models import Dimension, FollowUp, Question, Segment
from surveys.selectors.results import ResultFilters, campaign_results, verbatims
from tests.factories import CustomerFactory, UserFactory
from tests.surveys.factories import CampaignFactory, InvitationFactory, SurveyTemplateVersionFactory
from tests.surveys.results_data import respond

pytestmark = pytest.mark.django_db
approx = pytest.approx


def _in(project, segment=Segment.STABLE):
    customer = CustomerFactory(city_company=project.city_company, registered_project=project)
    return {
        "customer": customer,
        "city_company": project.city_company,
        "project": project,
        "segment": segment,
    }


@pytest.fixture
def campaign(project):
    campaign = CampaignFactory()
    # A: loyal; B: loyal; C: not; D: no recommend answer; E: partial (not counted); F: never sent.
    respond(
        campaign,
        overall=5,
        repurchase=5,
        recommend=10,
        quality=4,
        leaks=["yes"],
        leak_rooms=["kitchen", "bathroom"],
        comments="楼道很干净",
        invitation_kwargs=_in(project),
    )
    respond(
        campaign,
        overall=5,
        repurchase=5,
        recommend=9,
        quality=2,
        leaks=["no"],
        invitation_kwargs=_in(project, Segment.SETTLING_IN),
    )
    respond(
        campaign,
        overall=3,
        repurchase=5,
        recommend=6,
        quality=5,
        leaks=["yes"],
        leak_rooms=["kitchen"],
        comments="电梯太慢",
        invitation_kwargs=_in(project),
    )
    respond(campaign, overall=4, repurchase=4, invitation_kwargs=_in(project))
    respond(campaign, final=False, overall=1, repurchase=1, recommend=0, invitation_kwargs=_in(project))
    InvitationFactory(campaign=campaign, sent_at=None, status="scheduled", **_in(project))
    return campaign  # fmt: skip


def _results(user, campaign, **filters):
    return campaign_results(user=user, campaign=campaign, filters=ResultFilters(**filters))


def test_figures_count_final_answers_only(group_admin, campaign):
    results = _results(group_admin, campaign)
    current = results.current
    assert (current.invited, current.reached, current.completed) == (6, 5, 4)
    assert current.response_rate.value == approx(4 / 5)
    assert current.satisfaction.count == 3 and current.satisfaction.n == 4  # overall 5, 5, 4 of 5, 5, 3, 4
    assert current.recommend.value == approx(100 / 3) and current.recommend.n == 3  # 10, 9 minus 6
    assert (current.l3.count, current.l3.n) == (2, 3)  # D did not answer all three
    questions = {r.question.code: r for r in current.questions}
    assert questions["overall"].mean.value == approx(17 / 4)
    assert questions["overall"].histogram == {3: 1, 4: 1, 5: 2}
    assert [(o.value, o.share.count, o.share.n) for o in questions["leaks"].options] == [
        ("yes", 2, 3),
        ("no", 1, 3),
    ]
    assert [(o.value, o.share.count) for o in questions["leak_rooms"].options] == [
        ("kitchen", 2),
        ("bathroom", 1),
        ("balcony", 0),
    ]
    dimensions = {d.dimension: d for d in current.dimensions}
    # Loyalty pools the 1–5 L3 questions (overall + repurchase); the 0–10 recommend stays apart.
    assert (dimensions[Dimension.LOYALTY].top_box.count, dimensions[Dimension.LOYALTY].top_box.n) == (7, 8)
    assert dimensions[Dimension.HOUSE_QUALITY].top_box.count == 2
    assert dimensions[Dimension.HOUSE_QUALITY].mean.value == approx(11 / 3)
    assert results.previous is None and results.change("l3") is None


def test_a_city_head_sees_only_their_citys_answers_of_a_group_campaign(city_head, campaign, other_project):
    respond(campaign, overall=1, repurchase=1, recommend=0, quality=1, invitation_kwargs=_in(other_project))
    mine = _results(city_head, campaign).current
    assert mine.completed == 4 and mine.satisfaction.n == 4 and mine.l3.n == 3
    everyone = _results(UserFactory(role=Role.GROUP_ADMIN), campaign).current
    assert everyone.completed == 5 and everyone.l3.n == 4


def test_filters_by_segment_city_company_project_and_dimension(group_admin, campaign, project, other_project):
    respond(campaign, overall=1, repurchase=1, recommend=0, invitation_kwargs=_in(other_project))
    settling = _results(group_admin, campaign, segment=Segment.SETTLING_IN).current
    assert settling.completed == 1 and settling.l3.count == 1
    assert _results(group_admin, campaign, project_id=other_project.pk).current.satisfaction.count == 0
    by_city = _results(group_admin, campaign, city_company_id=project.city_company_id).current
    assert by_city.completed == 4
    quality = _results(group_admin, campaign, dimension=Dimension.HOUSE_QUALITY).current
    assert {r.question.dimension for r in quality.questions} == {Dimension.HOUSE_QUALITY}
    assert [d.dimension for d in quality.dimensions] == [Dimension.HOUSE_QUALITY]
    assert quality.satisfaction.count == 2 and quality.satisfaction.n == 3  # the dimension's top-2-box


def _version_2_of(campaign):
    """A new version of the same template: the L3 questions under other codes, quality kept."""
    version = SurveyTemplateVersionFactory(template=campaign.template_version.template, number=2)
    for question in Question.objects.filter(template_version=campaign.template_version):
        question.pk = None
        question.template_version = version
        if question.role:
            question.code = f"{question.code}_v2"
        question.save()
    return version


def test_change_against_the_previous_campaign_of_the_same_template(group_admin, campaign, project):
    before = timezone.now() - datetime.timedelta(days=180)
    previous = CampaignFactory(template_version=_version_2_of(campaign))
    previous.created_at = before
    previous.save(update_fields=["created_at"])
    respond(
        previous, overall_v2=5, repurchase_v2=5, recommend_v2=10, quality=5, invitation_kwargs=_in(project)
    )
    respond(
        previous, overall_v2=2, repurchase_v2=2, recommend_v2=2, quality=5, invitation_kwargs=_in(project)
    )
    # Another template's campaign, older still, is never the comparison.
    older_other = CampaignFactory()
    older_other.created_at = before - datetime.timedelta(days=1)
    older_other.save(update_fields=["created_at"])

    results = _results(group_admin, campaign)
    assert results.previous_campaign == previous
    assert results.previous.l3.value == approx(0.5)
    assert results.change("l3") == approx(2 / 3 - 0.5)
    assert results.change("satisfaction") == approx(3 / 4 - 1 / 2)
    questions = {r.question.code: r for r in results.current.questions}
    assert questions["overall"].previous.question.code == "overall_v2"  # matched by role
    assert questions["quality"].previous.top_box.value == 1.0  # matched by code
    assert questions["quality"].change_headline == approx(2 / 3 - 1)
    quality = next(d for d in results.current.dimensions if d.dimension == Dimension.HOUSE_QUALITY)
    assert quality.change_top_box == approx(2 / 3 - 1)
    # A newer campaign is not "previous" to an older one.
    assert _results(group_admin, previous).previous_campaign is None


def test_follow_up_counts_open_overdue_and_closed(group_admin, city_head, campaign, other_project):
    now = timezone.now()
    invitations = list(campaign.invitations.filter(completed_at__isnull=False))
    for invitation, (status, due) in zip(
        invitations,
        [("open", now - datetime.timedelta(hours=1)), ("open", now + datetime.timedelta(days=1)),
         ("resolved", now - datetime.timedelta(days=1)), ("unreachable", now)],
        strict=True,
    ):  # fmt: skip
        FollowUp.objects.create(
            invitation=invitation,
            customer=invitation.customer,
            city_company=invitation.city_company,
            project=invitation.project,
            reason="推荐 ≤ 6",
            status=status,
            due_at=due,
        )
    elsewhere = respond(campaign, overall=1, invitation_kwargs=_in(other_project))
    FollowUp.objects.create(
        invitation=elsewhere, customer=elsewhere.customer, city_company=elsewhere.city_company,
        reason="x", due_at=now - datetime.timedelta(days=3),
    )  # fmt: skip
    counts = _results(city_head, campaign).follow_ups
    assert (counts.open, counts.overdue, counts.closed) == (2, 1, 2)
    counts = _results(group_admin, campaign).follow_ups
    assert (counts.open, counts.overdue, counts.closed) == (3, 2, 2)


def test_verbatims_are_the_texts_in_scope_newest_first(city_head, campaign, other_project):
    respond(campaign, comments="别的城市", invitation_kwargs=_in(other_project))
    comments = Question.objects.get(template_version=campaign.template_version, code="comments")
    texts = list(verbatims(user=city_head, campaign=campaign, question=comments).order_by("-id"))
    assert [a.text for a in texts] == ["电梯太慢", "楼道很干净"]


@pytest.mark.parametrize("respondents", [2, 20])
def test_results_take_a_fixed_number_of_queries(
    group_admin, project, respondents, django_assert_max_num_queries
):
    previous = CampaignFactory()
    campaign = CampaignFactory(template_version=previous.template_version)
    for target in (previous, campaign):
        for n in range(respondents):
            respond(target, overall=5 - n % 3, repurchase=5, recommend=10 - n % 5, leaks=["yes"],
                    invitation_kwargs=_in(project))  # fmt: skip
    # previous campaign, questions, invitations, the tallies, follow-ups
    with django_assert_max_num_queries(5):
        results = _results(group_admin, campaign)
    assert results.current.completed == respondents and results.previous.completed == respondents
