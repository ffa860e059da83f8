"""+2 四年之约: renovation items raised from owners, complaints or survey answers, tracked to done,
and the owners' representatives' read-only page (token, no login, no personal data, rate-limited)."""

import importlib

import pytest
from django.apps import apps
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from complaints.models import Category
from complaints.services import complaint_create
from customers.services import ConcurrentEditError
from lifecycle.models import RenovationItem, RepresentativeLink
from lifecycle.services import renovation as services
from tests.lifecycle.factories import RenovationItemFactory

pytestmark = pytest.mark.django_db
_complaint_seed = importlib.import_module("complaints.migrations.0002_seed_categories_and_policies")


@pytest.fixture
def complaint(agent, owner, owned_unit):
    _complaint_seed.seed(apps, None)
    return complaint_create(
        by=agent,
        customer=owner,
        unit=owned_unit,
        category=Category.objects.get(code="leak"),
        complaint_type="complaint",
        channel="hotline",
        title="小区路灯不亮",
        description="北门路灯坏了一个月",
    )


def test_an_item_from_a_complaint_is_tracked_to_done(
    supervisor, group_admin, project, other_project, complaint, agent
):
    item = services.renovation_item_create(
        by=supervisor, project=project, category="security", title="更换北门路灯", complaint=complaint
    )
    assert item.source == RenovationItem.Source.COMPLAINT
    with pytest.raises(ValidationError) as error:
        services.renovation_item_create(
            by=group_admin,
            project=other_project,
            category="security",
            title="x",
            complaint=complaint,
        )
    assert "complaint" in error.value.message_dict  # of another project
    with pytest.raises(PermissionDenied):
        services.renovation_item_create(by=agent, project=project, category="paint", title="外墙翻新")
    done = services.renovation_item_update(
        by=supervisor, item=item, version=1, status="done", note="已更换LED灯"
    )
    assert (done.status, done.done_on is not None, done.version) == ("done", True, 2)
    with pytest.raises(ConcurrentEditError):
        services.renovation_item_update(by=supervisor, item=item, version=1, status="open")


def test_the_staff_page_raises_and_moves_items(client, supervisor, project):
    client.force_login(supervisor)
    url = reverse("lifecycle:project_renovation", args=[project.pk])
    response = client.post(
        reverse("lifecycle:renovation_add", args=[project.pk]),
        {"category": "broadband", "title": "宽带升级千兆"},
    )
    assert response.status_code == 302
    item = RenovationItem.objects.get()
    assert item.source == "owner"
    response = client.post(
        reverse("lifecycle:renovation_update", args=[project.pk, item.pk]),
        {"status": "in_progress", "note": "已联系运营商", "version": 1},
    )
    assert response.status_code == 302
    assert RenovationItem.objects.get().status == "in_progress"
    assert "宽带升级千兆" in client.get(url).content.decode()


def test_the_representatives_link_is_read_only_without_personal_data(
    client, supervisor, project, owner, complaint
):
    RenovationItemFactory(
        project=project, title="外立面翻新", note="预计下月开工", complaint=complaint, source="complaint"
    )
    link = services.representative_link_create(by=supervisor, project=project, label="业委会")
    url = reverse("lifecycle_public:representative", args=[link.token])
    assert url.startswith(tuple(settings.PUBLIC_PATH_PREFIXES))
    response = client.get(url)  # no login
    assert response.status_code == 200
    html = response.content.decode()
    assert "外立面翻新" in html and "预计下月开工" in html and project.name in html
    assert owner.name not in html and complaint.number not in html and "supervisor" not in html
    assert client.post(url).status_code == 405
    services.representative_link_revoke(by=supervisor, link=link)
    assert client.get(url).status_code == 404
    assert client.get(reverse("lifecycle_public:representative", args=["guess"])).status_code == 404


def test_the_representatives_page_is_rate_limited(client, supervisor, project, settings):
    settings.LIFECYCLE_REPRESENTATIVE_RATE = "2/h"
    link = RepresentativeLink.objects.create(project=project, created_by=supervisor)
    url = reverse("lifecycle_public:representative", args=[link.token])
    assert [client.get(url).status_code for _ in range(3)] == [200, 200, 429]


def test_agents_read_the_staff_page_without_forms(client, agent, project):
    RenovationItemFactory(project=project, title="园林补种")
    client.force_login(agent)
    html = client.get(reverse("lifecycle:project_renovation", args=[project.pk])).content.decode()
    assert "园林补种" in html and 'data-testid="renovation-add"' not in html
    assert client.post(reverse("lifecycle:link_add", args=[project.pk])).status_code == 403
