"""Staff pages of members: the list (filters, scope, paging, query counts), a member's page (masked
data, logged reveal, consents), enrolment and editing, the menu, the export, the customer 360 panel."""

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import Role
from customers.models import CustomerValue
from membership.menu import club_menu
from membership.models import Consent, EnrolmentChannel, Member, MemberDataAccess, Tier
from membership.services.consents import consent_record
from tests.factories import CustomerFactory, UserFactory, make_resident_id
from tests.membership.factories import MemberFactory

pytestmark = pytest.mark.django_db


def make_member(project, **fields):
    member = MemberFactory(city_company=project.city_company, project=project, **fields)
    for kind in Consent.Kind.values:
        consent_record(member=member, kind=kind, granted=True, channel=EnrolmentChannel.STAFF)
    return member


# --- the list -------------------------------------------------------------------------------------


def test_the_list_shows_members_of_the_users_scope_with_masked_phones(client, agent, project, other_project):
    mine = make_member(project, phone="13911112222", name="本项目会员")
    make_member(other_project, name="外地会员")
    client.force_login(agent)
    response = client.get(reverse("club:members"))
    page = response.content.decode()
    assert response.status_code == 200
    assert mine.number in page and "139****2222" in page and "13911112222" not in page
    assert "外地会员" not in page


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"q": "2222"}, ["a"]),
        ({"q": "13933334444"}, ["b"]),
        ({"q": "金卡"}, ["b"]),
        ({"tier": "gold"}, ["b"]),
        ({"link_status": "linked"}, ["a"]),
        ({"value_class": "A"}, ["a"]),
        ({"interests": ["culture"]}, ["a"]),
        ({"interests": ["culture", "sports"]}, []),
    ],
)
def test_the_list_filters(client, agent, project, data, expected):
    customer = CustomerFactory(city_company=project.city_company, registered_project=project)
    CustomerValue.objects.create(
        customer=customer,
        value_class="A",
        recency=5,
        frequency=3,
        monetary=5,
        rfm_segment="champion",
        computed_at=timezone.now(),
    )
    members = {
        "a": make_member(
            project,
            phone="13911112222",
            name="会员甲",
            interests=["culture", "family"],
            customer=customer,
            link_status=Member.LinkStatus.LINKED,
        ),
        "b": make_member(
            project, phone="13933334444", name="金卡会员乙", tier=Tier.GOLD, interests=["sports"]
        ),
    }
    client.force_login(agent)
    response = client.post(reverse("club:members"), data)
    assert response.status_code == 200
    shown = {member.pk for member in response.context["page"]}
    assert shown == {members[key].pk for key in expected}


def test_the_member_number_finds_the_member(client, agent, project):
    member = make_member(project)
    client.force_login(agent)
    response = client.post(reverse("club:members"), {"q": member.number.lower()})
    assert [m.pk for m in response.context["page"]] == [member.pk]


def test_a_search_text_in_the_url_is_ignored(client, agent, project):
    make_member(project, phone="13911112222")
    make_member(project, phone="13933334444")
    client.force_login(agent)
    response = client.get(reverse("club:members") + "?q=2222")
    assert len(response.context["page"]) == 2


def test_roles_without_the_club_get_403(client, project):
    engineer = UserFactory(role=Role.DELIVERY_ENGINEER, projects=[project])
    client.force_login(engineer)
    assert client.get(reverse("club:members")).status_code == 403


def test_a_broken_cursor_is_a_400(client, agent):
    client.force_login(agent)
    assert client.get(reverse("club:members") + "?after=%%%").status_code == 400


# session, user, scope (2), the page's members with customer and value (1, LEFT JOINs), the bell (1)
# = 6; the names of projects and cities come from the cached reference data.
LIST_QUERIES = 6


@pytest.mark.parametrize("rows", [2, 20])
def test_member_list_query_count_does_not_grow_with_rows(
    client, agent, project, rows, django_assert_max_num_queries
):
    for n in range(rows):
        customer = CustomerFactory(city_company=project.city_company, registered_project=project)
        make_member(project, customer=customer if n % 2 else None)
    client.force_login(agent)
    client.get(reverse("club:members"))  # warm the reference cache
    with django_assert_max_num_queries(LIST_QUERIES):
        response = client.get(reverse("club:members"))
    assert len(response.context["page"]) == rows


# --- a member's page ------------------------------------------------------------------------------


def test_the_member_page_masks_the_phone_and_id_number(client, agent, project):
    member = make_member(project, phone="13911112222", id_number=make_resident_id(3))
    client.force_login(agent)
    page = client.get(reverse("club:member", args=[member.pk])).content.decode()
    assert "139****2222" in page and "13911112222" not in page
    assert make_resident_id(3) not in page and "4403**********" in page
    assert 'data-testid="consent-history"' in page and "club-data-2026.1" in page


def test_a_reveal_needs_a_reason_and_is_logged(client, agent, project):
    member = make_member(project, phone="13911112222")
    client.force_login(agent)
    url = reverse("club:member_reveal", args=[member.pk])
    refused = client.post(url, {"field": "phone", "reason_code": "callback", "reason": ""})
    assert refused.status_code == 400 and not MemberDataAccess.objects.exists()
    response = client.post(url, {"field": "phone", "reason_code": "callback", "reason": "回访活动报名情况"})
    assert response.status_code == 200 and "13911112222" in response.content.decode()
    access = MemberDataAccess.objects.get()
    assert (access.user, access.member, access.field) == (agent, member, "phone")


def test_an_agent_may_not_reveal_an_id_number(client, agent, project):
    member = make_member(project, id_number=make_resident_id(4))
    client.force_login(agent)
    response = client.post(
        reverse("club:member_reveal", args=[member.pk]),
        {"field": "id_number", "reason_code": "identity", "reason": "核对身份信息"},
    )
    assert response.status_code == 403


def test_a_member_outside_the_scope_is_a_404(client, other_agent, project):
    member = make_member(project)
    client.force_login(other_agent)
    assert client.get(reverse("club:member", args=[member.pk])).status_code == 404


def test_the_member_page_works_without_the_ledgers_panel_template(client, agent, project):
    member = make_member(project)
    client.force_login(agent)
    response = client.get(reverse("club:member", args=[member.pk]))
    assert response.status_code == 200


# --- enrolling and editing ------------------------------------------------------------------------


def enrol_data(project, **overrides):
    data = {
        "name": "陈静",
        "gender": "F",
        "birth_date": "1988-03-03",
        "nationality": "中国",
        "phone": "13500000001",
        "project": project.pk,
        "interests": ["home"],
        "club_data_consent": "on",
    }
    data.update(overrides)
    return data


def test_staff_enrol_on_the_form_and_land_on_the_member_page(client, agent, project):
    client.force_login(agent)
    response = client.post(reverse("club:enrol"), enrol_data(project))
    member = Member.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("club:member", args=[member.pk])
    assert member.enrolled_by == agent and member.number.startswith("WKSZ")


def test_the_enrol_form_names_the_member_who_holds_the_phone(client, agent, project):
    existing = make_member(project, phone="13500000001")
    client.force_login(agent)
    response = client.post(reverse("club:enrol"), enrol_data(project))
    page = response.content.decode()
    assert response.status_code == 400
    assert "already belongs to a club member" in page and existing.number in page


def test_the_enrol_form_explains_an_underage_person(client, agent, project):
    client.force_login(agent)
    today = timezone.localdate()
    response = client.post(reverse("club:enrol"), enrol_data(project, birth_date=f"{today.year - 17}-01-01"))
    assert response.status_code == 400 and "18 or older" in response.content.decode()


def test_editing_a_member_checks_the_version(client, agent, project):
    member = make_member(project)
    client.force_login(agent)
    data = {"version": member.version, "name": "改名", "birth_date": "1985-05-20", "nationality": "中国"}
    assert client.post(reverse("club:member_edit", args=[member.pk]), data).status_code == 302
    member.refresh_from_db()
    assert member.name == "改名"
    stale = client.post(reverse("club:member_edit", args=[member.pk]), {**data, "name": "又改"})
    assert stale.status_code == 409
    member.refresh_from_db()
    assert member.name == "改名"


def test_an_empty_id_number_on_the_edit_form_keeps_the_stored_one(client, agent, project):
    member = make_member(project, id_number=make_resident_id(5))
    client.force_login(agent)
    data = {"version": member.version, "name": member.name, "birth_date": "1985-05-20", "nationality": "中国"}
    client.post(reverse("club:member_edit", args=[member.pk]), data)
    member.refresh_from_db()
    assert member.id_number == make_resident_id(5)


# --- menu, export, the customer 360 page ----------------------------------------------------------


def test_the_menu_offers_the_club_to_the_roles_that_may_view_it(agent, supervisor, project):
    entry = club_menu(agent)
    assert entry is not None and entry.url == reverse("club:members")
    assert "club:link_review" not in [link.url_name for link in entry.links]
    assert "club:link_review" in [link.url_name for link in club_menu(supervisor).links]
    assert club_menu(UserFactory(role=Role.DELIVERY_ENGINEER, projects=[project])) is None


def test_the_export_masks_phones_and_id_numbers_whatever_the_role(client, supervisor, project):
    make_member(project, phone="13911112222", id_number=make_resident_id(6), tier=Tier.SILVER)
    make_member(project, phone="13933334444")
    client.force_login(supervisor)
    response = client.post(reverse("exports:start", args=["members"]), {"tier": "silver"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2  # the header and the one silver member
    assert rows[1][2] == "139****2222" and rows[1][3].startswith("4403**")


def test_the_customer_360_page_shows_the_member_section(client, supervisor, owner, project):
    member = make_member(project, customer=owner, link_status=Member.LinkStatus.LINKED, points_balance=120)
    client.force_login(supervisor)
    page = client.get(reverse("customers:detail", args=[owner.pk])).content.decode()
    assert 'data-testid="customer-club"' in page and member.number in page and "120 points" in page


def test_roles_without_the_club_see_no_member_section(client, project, owner):
    engineer = UserFactory(role=Role.DELIVERY_ENGINEER, projects=[project])
    make_member(project, customer=owner, link_status=Member.LinkStatus.LINKED)
    client.force_login(engineer)
    response = client.get(reverse("customers:detail", args=[owner.pk]))
    if response.status_code == 200:
        assert 'data-testid="customer-club"' not in response.content.decode()


def test_a_member_who_left_is_shown_only_when_asked(client, agent, project):
    make_member(project, left_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC))
    client.force_login(agent)
    assert len(client.get(reverse("club:members")).context["page"]) == 0
    assert len(client.get(reverse("club:members") + "?left=on").context["page"]) == 1
