"""The list behind the surveys' figures (/surveys/responses/): its row count equals each figure's
denominator, and its score classes give the numerators; scoping, bad filters, masking, query count."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import Role
from surveys.models import Invitation
from surveys.signals import response_completed
from tests.dashboards.conftest import at, figures_of, panel_of
from tests.factories import CustomerFactory, UserFactory
from tests.surveys.factories import CampaignFactory, InvitationFactory, completed_invitation

pytestmark = pytest.mark.django_db


def _submitted(invitation):
    """What the submit service does in its transaction (the factory writes the answers directly)."""
    response_completed.send(sender=Invitation, invitation=invitation)
    return invitation


def _response(campaign, project, completed, segment="stable", name="李娜", **scores):
    customer = CustomerFactory(city_company=project.city_company, name=name)
    invitation = completed_invitation(
        scores, completed_at=completed, campaign=campaign, customer=customer, project=project, segment=segment
    )
    return _submitted(invitation)


@pytest.fixture
def campaign():
    return CampaignFactory()


@pytest.fixture
def responses(campaign, project, other_project):
    """March at 四季花城: a loyal promoter at March's first minute, a satisfied passive, an unhappy
    detractor at its last minute, a buyer answering the overall question only, a detractor who skipped
    the repurchase question, and a loyal promoter of another campaign; February's and April's; a started
    response; a response without a project; another city's promoter."""
    _response(campaign, project, at("2026-03-01", 0, 0), overall=5, repurchase=5, recommend=10)
    _response(campaign, project, at("2026-03-10"), overall=4, repurchase=4, recommend=8)
    _response(campaign, project, at("2026-03-31", 23, 59), overall=2, repurchase=1, recommend=3)
    _response(campaign, project, at("2026-03-15"), segment="buyer", overall=5)
    _response(campaign, project, at("2026-03-20"), overall=3, recommend=6)
    _response(
        CampaignFactory(), project, at("2026-03-21"), segment="mature", overall=5, repurchase=5, recommend=9
    )
    _response(campaign, project, at("2026-02-28", 23, 59), overall=5, repurchase=5, recommend=9)
    _response(campaign, project, at("2026-04-01", 0, 0), overall=1, repurchase=1, recommend=0)
    InvitationFactory(campaign=campaign, project=project, status=Invitation.Status.STARTED)
    without_project = completed_invitation(
        {"overall": 5},
        completed_at=at("2026-03-05"),
        campaign=campaign,
        customer=CustomerFactory(city_company=project.city_company),
    )
    _submitted(without_project)
    _response(campaign, other_project, at("2026-03-05"), overall=5, repurchase=5, recommend=10)


def _count(client, url: str, **extra) -> int:
    response = client.get(url, extra) if extra else client.get(url)
    assert response.status_code == 200, response.context["form"].errors
    return response.context["list_count"].count


def _listed(client, **params):
    return client.get(reverse("surveys:responses"), params)


def test_the_figures_of_the_fixture(responses, city_head):
    figures = figures_of(city_head, "surveys")
    ratios = {key: (f.ratio.numerator, f.ratio.denominator) for key, f in figures.items()}
    assert ratios["surveys.satisfaction"] == (4, 6)
    assert ratios["surveys.l3"] == (2, 4)
    assert ratios["surveys.recommend"] == (0, 5)  # promoters 10 and 9, detractors 3 and 6


@pytest.mark.parametrize("user_fixture", ["city_head", "group_admin"])
def test_the_lists_count_what_the_figures_count(responses, request, client, user_fixture, project):
    user = request.getfixturevalue(user_fixture)
    client.force_login(user)
    for params in ({}, {"project": str(project.pk)}):
        figures = figures_of(user, "surveys", params=params)
        satisfaction, l3, recommend = (
            figures[key] for key in ("surveys.satisfaction", "surveys.l3", "surveys.recommend")
        )
        assert _count(client, satisfaction.drill_url) == satisfaction.ratio.denominator
        assert _count(client, satisfaction.drill_url + "&top2=1") == satisfaction.ratio.numerator
        assert _count(client, satisfaction.drill_url + "&top2=0") == (
            satisfaction.ratio.denominator - satisfaction.ratio.numerator
        )
        assert _count(client, l3.drill_url) == l3.ratio.denominator
        assert _count(client, l3.drill_url + "&l3=1") == l3.ratio.numerator
        assert _count(client, l3.drill_url + "&l3=0") == l3.ratio.denominator - l3.ratio.numerator
        assert _count(client, recommend.drill_url) == recommend.ratio.denominator
        promoters = _count(client, recommend.drill_url + "&nps=promoter")
        detractors = _count(client, recommend.drill_url + "&nps=detractor")
        passives = _count(client, recommend.drill_url + "&nps=passive")
        assert promoters - detractors == recommend.ratio.numerator
        assert promoters + passives + detractors == recommend.ratio.denominator


def test_the_city_rows_of_the_group_drill_to_their_city(responses, client, group_admin):
    client.force_login(group_admin)
    for _scope, row in panel_of(group_admin, "surveys").rows:
        for figure in row:
            assert _count(client, figure.drill_url) == figure.ratio.denominator


def test_segment_and_campaign_filters(responses, client, city_head, campaign):
    client.force_login(city_head)
    march = {"completed_from": "2026-03-01", "completed_to": "2026-03-31"}
    assert _listed(client, **march, segment="buyer").context["list_count"].count == 1
    assert _listed(client, **march, campaign=str(campaign.pk)).context["list_count"].count == 5
    assert _listed(client, **march).context["list_count"].count == 6  # not the one without a project


def test_a_city_head_never_lists_another_city(responses, client, city_head, other_city, other_project):
    client.force_login(city_head)
    response = _listed(client)
    assert response.context["list_count"].count == 8  # 四季花城's completed responses, March ± a month
    assert all(row.project_id != other_project.pk for row in response.context["page"])
    response = _listed(client, city=str(other_city.pk))
    assert response.status_code == 400
    assert "city" in response.context["form"].errors
    response = _listed(client, project=str(other_project.pk))
    assert response.status_code == 400


def test_a_campaign_of_another_city_is_not_a_choice(responses, client, city_head, other_city):
    foreign = CampaignFactory(city_company=other_city)
    client.force_login(city_head)
    response = _listed(client, campaign=str(foreign.pk))
    assert response.status_code == 400
    assert "campaign" in response.context["form"].errors


@pytest.mark.parametrize(
    "params, field",
    [
        ({"completed_from": "2026-3-1x"}, "completed_from"),
        ({"completed_from": "2026-03-31", "completed_to": "2026-03-01"}, "completed_to"),
        ({"top2": "yes"}, "top2"),
        ({"l3": "2"}, "l3"),
        ({"nps": "fan"}, "nps"),
        ({"answered": "all"}, "answered"),
        ({"segment": "vip"}, "segment"),
        ({"campaign": "not-a-number"}, "campaign"),
    ],
)
def test_bad_filters_are_form_errors(responses, client, city_head, params, field):
    client.force_login(city_head)
    response = _listed(client, **params)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert list(response.context["page"]) == []


def test_names_are_masked_and_scores_shown(responses, client, city_head):
    client.force_login(city_head)
    html = _listed(client, completed_from="2026-03-01", completed_to="2026-03-01").content.decode()
    assert "李*" in html
    assert "李娜" not in html
    assert "Promoter" in html


def test_the_list_is_for_the_roles_that_view_surveys(responses, client, project):
    client.force_login(UserFactory(role=Role.DELIVERY_ENGINEER, projects=[project]))
    assert _listed(client).status_code == 403


def test_the_surveys_menu_links_the_list(db, city_head):
    from surveys.menu import surveys_menu

    assert "surveys:responses" in [link.url_name for link in surveys_menu(city_head).links]


@pytest.mark.parametrize("params", [{"answered": "three"}, {"nps": "detractor"}, {"nps": "passive"}])
@pytest.mark.parametrize("rows", [2, 20])
def test_the_list_queries_do_not_grow_with_rows(
    db, client, city_head, project, campaign, rows, params, django_assert_max_num_queries
):
    for n in range(rows):
        _response(campaign, project, at("2026-03-02"), overall=1 + n % 5, repurchase=5, recommend=n % 11)
    client.force_login(city_head)
    # session + user (2), the scope's city companies and projects (1), the estate's names (2, cached
    # after), the campaign choices (1), the page with each row's overall and repurchase scores (1; the
    # recommend score is the invitation's), the bounded count (1), the bell (1), the managers' calendar
    # check (1).
    with django_assert_max_num_queries(10):
        response = _listed(client, completed_from="2026-03-01", **params)
    listed = {
        "answered": range(11),  # every response answered the three
        "detractor": range(0, 7),
        "passive": range(7, 9),
    }[params.get("nps", "answered")]
    assert len(response.context["page"]) == sum(1 for n in range(rows) if n % 11 in listed)


@pytest.mark.parametrize(
    "name", ["surveys:responses", "lifecycle:touchpoint_list", "delivery:formal-inspection-list"]
)
def test_the_drill_down_lists_answer_a_broken_page_link_with_400(db, client, group_admin, name):
    client.force_login(group_admin)
    assert client.get(reverse(name), {"after": "garbage!"}).status_code == 400
    assert client.get(reverse(name)).status_code == 200
