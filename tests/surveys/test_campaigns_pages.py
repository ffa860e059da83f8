"""The campaign pages: list (keyset, constant queries), draft form in scope, preview, send once,
progress, close, the menu; and the customer form's date of death."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from core.menu import menu_for
from core.paging import PAGE_SIZE
from surveys.models import Campaign
from tests.factories import UserFactory
from tests.surveys.factories import CampaignFactory, owner_home, questionnaire

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def form_data(questionnaire_version, **overrides):
    data = {
        "name": "2026年上半年业主满意度调查",
        "template_version": questionnaire_version.pk,
        "segments": ["buyer", "settling_in"],
        "sample_seed": 1,
        "exclude_surveyed_days": 90,
        "remind_after_days": 3,
        "max_reminders": 2,
    }
    data.update(overrides)
    return data


def test_the_list_pages_by_keyset_with_constant_queries(
    client, city_head, city, other_city, django_assert_max_num_queries
):
    version = questionnaire()
    for _ in range(PAGE_SIZE + 3):
        CampaignFactory(template_version=version, city_company=city)
    hidden = CampaignFactory(template_version=version, city_company=other_city)
    client.force_login(city_head)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("surveys:campaigns"))
    assert response.status_code == 200
    shown = list(response.context["page"])
    assert len(shown) == PAGE_SIZE and hidden not in shown
    assert [c.pk for c in shown] == sorted((c.pk for c in shown), reverse=True)
    older = client.get(reverse("surveys:campaigns"), {"after": response.context["next_cursor"]})
    assert len(list(older.context["page"])) == 3
    assert client.get(reverse("surveys:campaigns"), {"after": "%%%"}).status_code == 400


def test_roles_that_do_not_view_surveys_get_403_and_no_menu_entry(client, project):
    engineer = UserFactory(role=Role.DELIVERY_ENGINEER, projects=[project])
    client.force_login(engineer)
    assert client.get(reverse("surveys:campaigns")).status_code == 403
    assert all(entry.section != "surveys" for entry in menu_for(engineer))


def test_viewers_get_the_menu_entry_but_no_create_button(client, agent):
    (entry,) = [e for e in menu_for(agent) if e.section == "surveys"]
    assert entry.url == reverse("surveys:campaigns")
    client.force_login(agent)
    response = client.get(reverse("surveys:campaigns"))
    assert response.status_code == 200 and not response.context["may_create"]
    assert client.get(reverse("surveys:campaign_create")).status_code == 403


def test_a_city_head_creates_a_draft_for_their_city_and_sees_the_preview(client, city_head, city, project):
    owner_home(project, signed=timezone.localdate() - 10 * DAY)
    owner_home(project, signed=timezone.localdate() - 10 * DAY, deceased_on=timezone.localdate() - DAY)
    version = questionnaire()
    client.force_login(city_head)
    response = client.post(reverse("surveys:campaign_create"), form_data(version, city_company=city.pk))
    campaign = Campaign.objects.get()
    assert response.status_code == 302 and response.url == reverse("surveys:campaign", args=[campaign.pk])
    assert (campaign.status, campaign.created_by, campaign.segments) == (
        Campaign.Status.DRAFT,
        city_head,
        ["buyer", "settling_in"],
    )
    page = client.get(response.url)
    buyer = page.context["preview"].segments[0]
    assert (buyer.eligible, buyer.excluded["deceased"], buyer.to_send) == (2, 1, 1)
    assert 'data-testid="send-form"' in page.content.decode()


def test_a_city_head_cannot_target_another_city(client, city_head, other_city, other_project):
    version = questionnaire()
    client.force_login(city_head)
    response = client.post(reverse("surveys:campaign_create"), form_data(version, city_company=other_city.pk))
    assert response.status_code == 400 and "city_company" in response.context["form"].errors
    response = client.post(reverse("surveys:campaign_create"), form_data(version, project=other_project.pk))
    assert response.status_code == 400 and "project" in response.context["form"].errors
    # Nor the whole group.
    response = client.post(reverse("surveys:campaign_create"), form_data(version))
    assert response.status_code == 400 and response.context["form"].errors["city_company"]
    assert not Campaign.objects.exists()
    # Another city's campaign is not theirs to see or run.
    theirs = CampaignFactory(city_company=other_city)
    assert client.get(reverse("surveys:campaign", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("surveys:campaign_send", args=[theirs.pk]), {"version": 1}).status_code == 404


def test_bad_input_is_a_form_error(client, group_admin):
    version = questionnaire()
    client.force_login(group_admin)
    response = client.post(
        reverse("surveys:campaign_create"),
        form_data(version, sample_percent=150, sample_per_segment=5, expires_at="not a date"),
    )
    errors = response.context["form"].errors
    assert response.status_code == 400 and {"sample_percent", "expires_at"} <= set(errors)


def test_editing_a_draft_checks_the_version(client, group_admin, city):
    campaign = CampaignFactory(city_company=city)
    client.force_login(group_admin)
    url = reverse("surveys:campaign_edit", args=[campaign.pk])
    assert client.get(url).status_code == 200
    data = form_data(campaign.template_version, name="改名", version=campaign.version, city_company=city.pk)
    assert client.post(url, data).status_code == 302
    stale = client.post(url, {**data, "name": "又改名"})
    assert stale.status_code == 409
    campaign.refresh_from_db()
    assert campaign.name == "改名" and campaign.version == 2


def test_send_once_then_progress_and_close(client, supervisor, project, django_capture_on_commit_callbacks):
    owner_home(project, signed=timezone.localdate() - 10 * DAY)
    campaign = CampaignFactory(project=project, exclude_surveyed_days=0)
    client.force_login(supervisor)
    send = reverse("surveys:campaign_send", args=[campaign.pk])
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(send, {"version": campaign.version}).status_code == 302
    # The same button clicked twice (the page's version): refused, nothing sent again.
    second = client.post(send, {"version": campaign.version}, follow=True)
    assert "changed this campaign" in second.content.decode()
    campaign.refresh_from_db()
    assert (campaign.status, campaign.send_done, campaign.invitations.count()) == (Campaign.Status.OPEN, 1, 1)
    progress = client.get(reverse("surveys:campaign_progress", args=[campaign.pk])).json()
    assert progress == {
        "running": False,
        "status": "open",
        "status_label": "Open for answers",
        "done": 1,
        "total": 1,
        "percent": 100,
    }
    page = client.get(reverse("surveys:campaign", args=[campaign.pk])).content.decode()
    assert 'data-testid="campaign-progress"' in page and 'data-testid="send-form"' not in page
    close = reverse("surveys:campaign_close", args=[campaign.pk])
    assert client.post(close, {"version": campaign.version}).status_code == 302
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.CLOSED
    assert campaign.invitations.get().expires_at <= timezone.now()


def test_a_running_campaign_page_polls_its_progress(client, supervisor, project):
    campaign = CampaignFactory(project=project, status=Campaign.Status.SENDING, send_total=200, send_done=50)
    client.force_login(supervisor)
    page = client.get(reverse("surveys:campaign", args=[campaign.pk])).content.decode()
    assert reverse("surveys:campaign_progress", args=[campaign.pk]) in page
    progress = client.get(reverse("surveys:campaign_progress", args=[campaign.pk])).json()
    assert (progress["running"], progress["percent"]) == (True, 25)


def test_an_agent_may_view_but_not_send(client, agent, project):
    campaign = CampaignFactory(project=project)
    client.force_login(agent)
    page = client.get(reverse("surveys:campaign", args=[campaign.pk]))
    assert page.status_code == 200 and 'data-testid="send-form"' not in page.content.decode()
    assert (
        client.post(reverse("surveys:campaign_send", args=[campaign.pk]), {"version": 1}).status_code == 403
    )


def test_the_customer_form_records_the_date_of_death(client, agent, owner):
    from tests.customers.test_views import edit_data

    client.force_login(agent)
    url = reverse("customers:edit", args=[owner.pk])
    tomorrow = timezone.localdate() + DAY
    response = client.post(url, edit_data(owner, deceased_on=tomorrow.isoformat()))
    assert response.status_code == 200 and "deceased_on" in response.context["form"].errors
    response = client.post(url, edit_data(owner, deceased_on="2026-01-05"))
    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.deceased_on == datetime.date(2026, 1, 5)
    page = client.get(reverse("customers:detail", args=[owner.pk])).content.decode()
    assert 'data-testid="customer-deceased-on"' in page and "2026-01-05" in page
