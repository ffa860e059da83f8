"""Purchase intentions (意向登记): staff and public registration for upcoming projects, once per phone,
project and unit type; counts per project and unit type; the Excel export with masked phones."""

import datetime
import io

import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from membership.models import PurchaseIntention
from membership.selectors.growth import intention_counts, projects_taking_intentions
from membership.services.intentions import intention_register
from tests.factories import ContractFactory, ProjectFactory, UnitFactory
from tests.membership.factories import MemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def upcoming(city):
    return ProjectFactory(
        city_company=city, name="上海假日风景", launched_on=timezone.localdate() + datetime.timedelta(days=30)
    )


@pytest.fixture
def city_staff(city):
    from accounts.models import Role
    from tests.factories import UserFactory

    return UserFactory(username="cityagent", role=Role.CS_AGENT, city_companies=[city])


def test_upcoming_means_a_launch_ahead_or_no_launch_date_and_nothing_sold(city):
    ahead = ProjectFactory(city_company=city, launched_on=timezone.localdate() + datetime.timedelta(days=1))
    launched = ProjectFactory(city_company=city, launched_on=timezone.localdate())
    undated_unsold = ProjectFactory(city_company=city)
    undated_selling = ProjectFactory(city_company=city)
    ContractFactory(unit=UnitFactory(building__project=undated_selling))
    assert set(projects_taking_intentions()) == {ahead, undated_unsold}
    assert launched not in projects_taking_intentions()


def test_staff_register_an_intention_linked_to_the_member_with_that_phone(city_staff, upcoming):
    member = MemberFactory(city_company=upcoming.city_company, phone="13900001234")
    intention = intention_register(
        project=upcoming, name="张先生", phone="139 0000 1234", unit_type="3br", budget_10k=300, by=city_staff
    )
    assert (intention.phone, intention.member, intention.channel) == ("13900001234", member, "staff")


def test_the_same_phone_project_and_unit_type_registers_once(upcoming):
    intention_register(project=upcoming, name="张先生", phone="13900001234", unit_type="3br")
    with pytest.raises(ValidationError) as error:
        intention_register(project=upcoming, name="张先生", phone="13900001234", unit_type="3br")
    assert "already registered" in str(error.value.message_dict["unit_type"])
    intention_register(project=upcoming, name="张先生", phone="13900001234", unit_type="villa")
    assert PurchaseIntention.objects.count() == 2


def test_a_launched_project_takes_no_intentions(project):
    project.launched_on = timezone.localdate() - datetime.timedelta(days=1)
    project.save()
    with pytest.raises(ValidationError) as error:
        intention_register(project=project, name="张先生", phone="13900001234", unit_type="3br")
    assert "project" in error.value.message_dict


def test_staff_outside_the_projects_city_may_not_register(other_agent, upcoming):
    with pytest.raises(PermissionDenied):
        intention_register(
            project=upcoming, name="张先生", phone="13900001234", unit_type="3br", by=other_agent
        )


def test_counts_per_project_and_unit_type_in_scope(city_head, upcoming, other_city):
    for phone, unit_type in [("13900000001", "3br"), ("13900000002", "3br"), ("13900000003", "villa")]:
        intention_register(project=upcoming, name="客", phone=phone, unit_type=unit_type)
    elsewhere = ProjectFactory(city_company=other_city, launched_on=upcoming.launched_on)
    intention_register(project=elsewhere, name="客", phone="13900000004", unit_type="2br")
    counts = intention_counts(user=city_head)
    assert [(c.project_name, c.by_unit_type, c.total) for c in counts] == [
        ("上海假日风景", {"3br": 2, "villa": 1}, 3)
    ]


# --- the public page -----------------------------------------------------------------------------


def _public_post(client, project, **data):
    form = {"name": "王女士", "phone": "13800138000", "unit_type": "2br", "consent": "on", "website": ""}
    form.update(data)
    return client.post(reverse("club_public:intent", args=[project.pk]), form)


def test_the_public_page_registers_without_a_login(client, upcoming):
    response = client.get(reverse("club_public:intent", args=[upcoming.pk]))
    assert response.status_code == 200
    response = _public_post(client, upcoming)
    assert response.status_code == 302
    intention = PurchaseIntention.objects.get()
    assert (intention.channel, intention.created_by) == ("public", None)


def test_a_public_resubmission_is_told_it_is_already_registered(client, upcoming):
    _public_post(client, upcoming)
    response = _public_post(client, upcoming)
    assert response.status_code == 400
    assert "already registered" in response.content.decode()
    assert PurchaseIntention.objects.count() == 1


def test_the_honeypot_answers_like_a_success_and_saves_nothing(client, upcoming):
    response = _public_post(client, upcoming, website="http://spam.example")
    assert response.status_code == 302
    assert not PurchaseIntention.objects.exists()


def test_bad_input_is_a_field_error_not_a_500(client, upcoming):
    response = _public_post(client, upcoming, phone="12", unit_type="castle", consent="")
    assert response.status_code == 400
    assert not PurchaseIntention.objects.exists()


def test_a_project_already_selling_has_no_public_page(client, project):
    project.launched_on = datetime.date(2020, 1, 1)
    project.save()
    assert client.get(reverse("club_public:intent", args=[project.pk])).status_code == 404


def test_the_public_page_is_rate_limited_per_ip(client, upcoming, settings):
    settings.CLUB_INTENT_RATE = "2/h"
    cache.clear()
    _public_post(client, upcoming, phone="13800000001")
    _public_post(client, upcoming, phone="13800000002")
    response = _public_post(client, upcoming, phone="13800000003")
    assert response.status_code == 429
    assert PurchaseIntention.objects.count() == 2


# --- staff pages -----------------------------------------------------------------------------------


def test_staff_register_from_the_form_and_only_upcoming_projects_are_offered(
    client, city_staff, upcoming, project
):
    client.force_login(city_staff)
    page = client.get(reverse("club:intention_new")).content.decode()
    assert "上海假日风景" in page
    response = client.post(
        reverse("club:intention_new"),
        {"project": upcoming.pk, "name": "赵先生", "phone": "13600000000", "unit_type": "4br"},
    )
    assert response.status_code == 302
    assert PurchaseIntention.objects.get().created_by == city_staff


@pytest.mark.parametrize("rows", [2, 20])
def test_intention_list_queries_do_not_grow_with_rows(
    client, city_head, upcoming, rows, django_assert_max_num_queries
):
    for n in range(rows):
        intention_register(project=upcoming, name=f"客{n}", phone=f"1390000{n:04d}", unit_type="3br")
    client.force_login(city_head)
    # session, user, scope (2), the counts (1 grouped), the page (1), the project choices (1) + spare
    with django_assert_max_num_queries(10):
        response = client.get(reverse("club:intentions"))
    assert response.status_code == 200
    body = response.content.decode()
    assert body.count('data-testid="intention-row"') == rows
    assert "1390000****" not in body and "139****0001" in body


def test_the_export_masks_the_phones(client, city_head, upcoming):
    intention_register(project=upcoming, name="张先生", phone="13912345678", unit_type="3br", budget_10k=500)
    client.force_login(city_head)
    response = client.get(reverse("exports:start", args=["club-intentions"]), {"project": upcoming.pk})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][:5] == ("上海假日风景", "Three bedrooms", "张先生", "139****5678", 500)


def test_a_city_head_sees_only_their_citys_intentions(client, city_head, upcoming, other_city):
    elsewhere = ProjectFactory(city_company=other_city, name="外地新盘", launched_on=upcoming.launched_on)
    intention_register(project=elsewhere, name="外地客", phone="13900000009", unit_type="2br")
    intention_register(project=upcoming, name="本地客", phone="13900000008", unit_type="2br")
    client.force_login(city_head)
    page = client.get(reverse("club:intentions")).content.decode()
    assert "本地客" in page and "外地客" not in page
