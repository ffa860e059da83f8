"""The construction news pages and API: scope, roles, the draft's form with photos, the version check,
the send button and its progress, the photo rule, constant query counts."""

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from lifecycle.models import ConstructionNews, NewsDelivery
from lifecycle.services import news as services
from tests.api import client_for
from tests.factories import UserFactory, photo_upload

pytestmark = pytest.mark.django_db
API = "/api/v1"


def _detail(news):
    return reverse("lifecycle:news_detail", args=[news.project_id, news.pk])


def _many_news(supervisor, project, n):
    for i in range(n):
        services.news_create(
            by=supervisor,
            project=project,
            title=f"第{i}周进度",
            text="正文",
            progress_on=timezone.localdate(),
        )


def test_a_supervisor_writes_edits_and_sends_news_from_the_pages(
    client, supervisor, project, estate, django_capture_on_commit_callbacks
):
    client.force_login(supervisor)
    response = client.post(
        reverse("lifecycle:news_add", args=[project.pk]),
        {
            "title": "园林景观施工",
            "phase": estate.phase_one.pk,
            "progress_on": timezone.localdate().isoformat(),
            "text": "中心花园开始种植。",
            "photos": [photo_upload("a.jpg"), photo_upload("b.jpg")],
        },
    )
    news = ConstructionNews.objects.get()
    assert response.status_code == 302 and response["Location"] == _detail(news)
    assert news.photos.count() == 2
    html = client.get(_detail(news)).content.decode()
    assert "中心花园开始种植" in html and "Send to 4 buyers" in html

    edit = reverse("lifecycle:news_edit", args=[project.pk, news.pk])
    form = {
        "title": "园林景观施工（更新）",
        "phase": estate.phase_one.pk,
        "progress_on": news.progress_on.isoformat(),
        "text": news.text,
    }
    assert client.post(edit, {**form, "version": 1}).status_code == 302
    response = client.post(edit, {**form, "version": 1})  # the page opened before that save
    assert response.status_code == 409 and "Someone else changed this news" in response.content.decode()
    assert client.post(edit, form).status_code == 400  # no version: refused, not last-writer-wins

    send = reverse("lifecycle:news_send", args=[project.pk, news.pk])
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(send, {"version": 2}).status_code == 302
    news.refresh_from_db()
    assert (news.status, news.send_done) == ("sent", 4)
    assert NewsDelivery.objects.filter(news=news, status="sent").count() == 3
    progress = client.get(reverse("lifecycle:news_progress", args=[project.pk, news.pk])).json()
    assert (progress["running"], progress["done"], progress["total"], progress["percent"]) == (
        False,
        4,
        4,
        100,
    )
    assert client.get(edit).status_code == 302  # a sent news is no longer edited


def test_bad_input_is_a_form_error_not_a_500(client, supervisor, project):
    client.force_login(supervisor)
    response = client.post(
        reverse("lifecycle:news_add", args=[project.pk]),
        {"title": "", "progress_on": "not a date", "text": "x"},
    )
    assert response.status_code == 400 and not ConstructionNews.objects.exists()
    assert set(response.context["form"].errors) == {"title", "progress_on"}
    response = client.post(
        reverse("lifecycle:news_add", args=[project.pk]),
        {
            "title": "t",
            "progress_on": timezone.localdate().isoformat(),
            "text": "x",
            "photos": [_html_as_jpeg()],
        },
    )
    assert response.status_code == 400 and "photos" in response.context["form"].errors


def _html_as_jpeg():
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("p.jpg", b"<html><script>alert(1)</script></html>", "image/jpeg")


def test_pages_are_scoped_and_only_writers_write(client, agent, other_agent, news_draft, project):
    client.force_login(agent)
    assert client.get(reverse("lifecycle:news_list", args=[project.pk])).status_code == 200
    html = client.get(_detail(news_draft)).content.decode()
    assert news_draft.title in html and 'data-testid="news-send"' not in html
    assert client.get(reverse("lifecycle:news_add", args=[project.pk])).status_code == 403
    send = reverse("lifecycle:news_send", args=[project.pk, news_draft.pk])
    assert client.post(send, {"version": 1}).status_code == 403

    client.force_login(other_agent)
    assert client.get(reverse("lifecycle:news_list", args=[project.pk])).status_code == 404
    assert client.get(_detail(news_draft)).status_code == 404
    assert news_draft.title not in client.get(reverse("lifecycle:news_index")).content.decode()

    department = UserFactory(role=Role.DEPARTMENT_STAFF, projects=[project])
    client.force_login(department)
    assert client.get(reverse("lifecycle:news_list", args=[project.pk])).status_code == 403


def test_photos_are_served_only_within_scope(client, supervisor, agent, other_agent, news_draft):
    services.news_update(by=supervisor, news=news_draft, version=1, photos=[photo_upload()])
    url = news_draft.photos.get().image.url
    client.force_login(agent)
    assert client.get(url).status_code == 200
    client.force_login(other_agent)
    assert client.get(url).status_code == 404
    client.force_login(UserFactory(role=Role.DEPARTMENT_STAFF, projects=[news_draft.project]))
    assert client.get(url).status_code == 404


def test_a_photo_is_removed_from_a_draft_only(
    client, supervisor, news_draft, django_capture_on_commit_callbacks
):
    services.news_update(by=supervisor, news=news_draft, version=1, photos=[photo_upload(), photo_upload()])
    first, second = news_draft.photos.all()
    client.force_login(supervisor)
    remove = "lifecycle:news_photo_remove"
    assert (
        client.post(reverse(remove, args=[news_draft.project_id, news_draft.pk, first.pk])).status_code == 302
    )
    assert list(news_draft.photos.all()) == [second]
    with django_capture_on_commit_callbacks(execute=True):
        services.news_send(by=supervisor, news=news_draft, version=2)
    client.post(reverse(remove, args=[news_draft.project_id, news_draft.pk, second.pk]))
    assert list(news_draft.photos.all()) == [second]  # sent: frozen


def test_the_menu_leads_to_the_news_of_my_projects(client, agent, news_draft):
    client.force_login(agent)
    home = client.get("/").content.decode()
    assert reverse("lifecycle:news_index") in home
    html = client.get(reverse("lifecycle:news_index")).content.decode()
    assert news_draft.title in html and reverse("lifecycle:news_list", args=[news_draft.project_id]) in html


@pytest.mark.parametrize("rows", [2, 20])
def test_the_list_and_index_cost_constant_queries(
    client, supervisor, project, rows, django_assert_max_num_queries
):
    _many_news(supervisor, project, rows)
    client.force_login(supervisor)
    # Session, user, scope (city companies, projects), the project, the page of news with their
    # phases, the bell's unread count: 7, whatever the number of rows.
    with django_assert_max_num_queries(7):
        response = client.get(reverse("lifecycle:news_list", args=[project.pk]))
    assert response.status_code == 200 and response.content.decode().count("data-news=") == min(rows, 20)
    # The index: session, user, scope (2), the project list (cached after the first time), the latest
    # news with their projects and phases, the bell.
    with django_assert_max_num_queries(7):
        assert client.get(reverse("lifecycle:news_index")).status_code == 200


def test_the_api_lists_news_in_scope_by_cursor(
    supervisor, agent, other_agent, project, django_assert_max_num_queries
):
    _many_news(supervisor, project, 3)
    response = client_for(agent).get(f"{API}/construction-news/?page_size=2")
    body = response.json()
    assert response.status_code == 200 and [r["title"] for r in body["results"]] == ["第2周进度", "第1周进度"]
    assert body["next"] and "count" not in body
    assert client_for(agent).get(body["next"]).json()["results"][0]["title"] == "第0周进度"
    assert client_for(other_agent).get(f"{API}/construction-news/").json()["results"] == []
    pk = body["results"][0]["id"]
    assert client_for(other_agent).get(f"{API}/construction-news/{pk}/").status_code == 404
    assert client_for(agent).post(f"{API}/construction-news/", {}, format="json").status_code == 405
    assert client_for(agent).get(f"{API}/construction-news/?cursor=!!!").status_code == 400
    # The token's user, scope (2), the page of news, their photos.
    reader = client_for(agent)
    with django_assert_max_num_queries(5):
        assert reader.get(f"{API}/construction-news/").status_code == 200
