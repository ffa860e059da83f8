"""The results page and the verbatims: who may look, filters in scope, 400 on bad input, charts'
data for the static script, a fixed number of queries."""

import json

import pytest
from django.urls import reverse

from accounts.models import Role
from surveys.models import Question, Segment
from tests.factories import CustomerFactory, UserFactory
from tests.surveys.factories import CampaignFactory
from tests.surveys.results_data import respond

pytestmark = pytest.mark.django_db


def _in(project, segment=Segment.STABLE, name="张伟"):
    customer = CustomerFactory(city_company=project.city_company, registered_project=project, name=name)
    return {
        "customer": customer,
        "city_company": project.city_company,
        "project": project,
        "segment": segment,
    }


def _fill(campaign, project, respondents):
    for n in range(respondents):
        respond(campaign, overall=5 - n % 3, repurchase=5, recommend=10 - n % 6, quality=4, leaks=["no"],
                comments=f"意见{n}", invitation_kwargs=_in(project))  # fmt: skip


@pytest.fixture
def campaign(project):
    campaign = CampaignFactory(project=project, city_company=project.city_company)
    _fill(campaign, project, 3)
    return campaign


def _url(campaign, query=""):
    return reverse("surveys:results", args=[campaign.pk]) + query


def test_the_results_page_shows_the_headline_and_tables(client, supervisor, campaign):
    client.force_login(supervisor)
    response = client.get(_url(campaign))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="headline"' in html and 'data-question="overall"' in html
    assert 'data-dimension="loyalty"' in html
    charts = json.loads(_json(html, "survey-charts"))
    assert charts["recommend"]["counts"][10] == 1 and charts["has_previous"] is False
    assert "<script>" not in html.replace('<script id="survey-charts"', "").replace(
        '<script id="survey-chart-text"', ""
    )
    assert "vendor/chartjs/chart.umd.min.js" in html and "surveys/results.js" in html
    assert reverse("exports:start", args=["survey-results"]) in html


def _json(html, element_id):
    start = html.index(f'id="{element_id}"')
    start = html.index(">", start) + 1
    return html[start : html.index("</script>", start)]


def test_roles_without_survey_access_get_403(client, project, campaign):
    engineer = UserFactory(role=Role.DELIVERY_ENGINEER, projects=[project])
    client.force_login(engineer)
    assert client.get(_url(campaign)).status_code == 403


def test_a_campaign_outside_scope_is_404(client, other_agent, campaign):
    client.force_login(other_agent)
    assert client.get(_url(campaign)).status_code == 404


def test_filter_options_are_within_scope_and_foreign_ones_are_400(
    client, supervisor, campaign, other_project
):
    client.force_login(supervisor)
    response = client.get(_url(campaign))
    projects = [value for value, _label in response.context["form"].fields["project"].choices]
    assert other_project.pk not in projects
    bad = client.get(_url(campaign, f"?project={other_project.pk}"))
    assert bad.status_code == 400 and bad.context["form"].errors["project"]
    assert client.get(_url(campaign, "?segment=nonsense")).status_code == 400


def test_filters_apply(client, supervisor, campaign, project):
    respond(campaign, overall=1, repurchase=1, recommend=0, invitation_kwargs=_in(project, Segment.BUYER))
    client.force_login(supervisor)
    everyone = client.get(_url(campaign)).context["results"].current
    buyers = client.get(_url(campaign, f"?segment={Segment.BUYER}")).context["results"].current
    assert everyone.completed == 4 and buyers.completed == 1 and buyers.satisfaction.count == 0


@pytest.mark.parametrize("respondents", [2, 20])
def test_results_page_query_count_is_fixed(
    client, city_head, project, respondents, django_assert_max_num_queries
):
    previous = CampaignFactory()
    campaign = CampaignFactory(template_version=previous.template_version)
    _fill(previous, project, respondents)
    _fill(campaign, project, respondents)
    client.force_login(city_head)
    # session + user, the city head's scope (city companies, projects), the reference lists (projects,
    # city companies: cached after the first request), the campaign, the results' 5 (previous campaign,
    # questions, invitations, the tallies, follow-ups), base.html's unread count and calendar
    with django_assert_max_num_queries(14):
        response = client.get(_url(campaign))
    assert response.status_code == 200
    assert response.context["results"].current.completed == respondents


def test_verbatims_newest_first_with_the_customer_linked(client, supervisor, campaign, project):
    client.force_login(supervisor)
    comments = Question.objects.get(template_version=campaign.template_version, code="comments")
    url = reverse("surveys:verbatims", args=[campaign.pk, comments.pk])
    response = client.get(url)
    assert response.status_code == 200
    texts = [answer.text for answer in response.context["page"]]
    assert texts == ["意见2", "意见1", "意见0"]
    first = response.context["page"][0]
    assert reverse("customers:detail", args=[first.customer_pk]) in response.content.decode()


def test_verbatims_mask_the_name_for_roles_that_may_not_see_customers(
    client, supervisor, campaign, monkeypatch
):
    from surveys.views import results as views

    # Every survey role sees customers today; one that did not would get a masked name, no link.
    monkeypatch.setattr(views, "may_link_customers", lambda user: False)
    comments = Question.objects.get(template_version=campaign.template_version, code="comments")
    client.force_login(supervisor)
    response = client.get(reverse("surveys:verbatims", args=[campaign.pk, comments.pk]))
    first = response.context["page"][0]
    assert first.customer_label == "张*" and first.customer_pk is None
    assert "/customers/" not in response.content.decode().split('data-testid="verbatims"')[1]


def test_verbatims_of_a_rating_question_or_another_campaign_are_404(client, supervisor, campaign, project):
    client.force_login(supervisor)
    overall = Question.objects.get(template_version=campaign.template_version, code="overall")
    assert client.get(reverse("surveys:verbatims", args=[campaign.pk, overall.pk])).status_code == 404
    other = CampaignFactory(project=project, city_company=project.city_company)
    comments = Question.objects.get(template_version=other.template_version, code="comments")
    assert client.get(reverse("surveys:verbatims", args=[campaign.pk, comments.pk])).status_code == 404


def test_verbatims_page_query_count_and_broken_cursor(
    client, supervisor, project, django_assert_max_num_queries
):
    campaign = CampaignFactory(project=project, city_company=project.city_company)
    _fill(campaign, project, 30)
    comments = Question.objects.get(template_version=campaign.template_version, code="comments")
    url = reverse("surveys:verbatims", args=[campaign.pk, comments.pk])
    client.force_login(supervisor)
    # session + user, scope (city companies, projects), the reference lists (cached after the first
    # request), campaign, question, the page of answers, base.html's unread count and calendar
    with django_assert_max_num_queries(10):
        response = client.get(url)
    assert len(response.context["page"]) == 25 and response.context["next_cursor"]
    assert client.get(url + "?after=!!!").status_code == 400
