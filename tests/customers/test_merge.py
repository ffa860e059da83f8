"""Merging duplicate customers (合并客户): the service, the 360 page's possible duplicates, the
confirmation page and POST /api/v1/customers/<id>/merge/."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import PersonalDataAccess, PersonalField, Role
from accounts.services import personal_data_reveal
from complaints.models import Category, Complaint
from complaints.services import complaint_create
from customers import services
from customers.models import Contract, Customer, CustomerMerge, CustomerPhone, HouseholdMember, Stage
from lifecycle.models import NewsDelivery
from lifecycle.services.news import news_create
from tests.api import client_for
from tests.factories import (
    CityCompanyFactory,
    ContractFactory,
    CustomerFactory,
    CustomerPhoneFactory,
    HouseholdMemberFactory,
    UnitFactory,
    UserFactory,
)

RECENTLY = timezone.localdate() - datetime.timedelta(days=30)


@pytest.fixture
def duplicate(owner, project):
    """张伟 again, recorded by an import without his ID number: the same phone, one more, an email, a
    home bought later with its contract."""
    again = CustomerFactory(
        city_company=project.city_company, name="张伟", id_type="", id_number=None, email="zw@example.com"
    )
    CustomerPhoneFactory(customer=again, number="13812345678", is_primary=True)
    CustomerPhoneFactory(customer=again, number="13900001111", is_primary=False)
    second_home = UnitFactory(building__project=project, building__number="5", entrance="1", number="101")
    ContractFactory(
        unit=second_home,
        primary_buyer=again,
        signed_on=datetime.date(2025, 1, 10),
        handed_over_on=RECENTLY,
    )
    HouseholdMemberFactory(unit=second_home, customer=again)
    return again


@pytest.fixture
def leak_category(db):
    return Category.objects.create(code="merge-leak", name="渗漏")


def _merge(survivor, duplicate, by, **versions):
    return services.customer_merge(survivor=survivor, duplicate=duplicate, by=by, **versions)


# --- the service ---------------------------------------------------------------------------------------


def test_everything_of_the_duplicate_moves_to_the_survivor(
    owner, duplicate, supervisor, agent, leak_category, owned_unit
):
    complaint = complaint_create(
        by=agent,
        customer=duplicate,
        category=leak_category,
        complaint_type="complaint",
        channel="hotline",
        title="新房漏水",
        description="5栋101卫生间漏水",
        project=owned_unit.project,
    )
    personal_data_reveal(
        user=supervisor,
        customer=duplicate,
        field=PersonalField.PHONE,
        reason_code="callback",
        reason="业主来电回访",
    )
    referred = CustomerFactory(city_company=owner.city_company, referrer=duplicate)
    duplicate_pk = duplicate.pk

    record = _merge(owner, duplicate, supervisor, expected_version=owner.version)

    assert not Customer.objects.filter(pk=duplicate_pk).exists()
    owner.refresh_from_db()
    phones = list(owner.phones.order_by("-is_primary", "number").values_list("number", "is_primary"))
    assert phones == [("13812345678", True), ("13900001111", False)]
    assert set(HouseholdMember.objects.filter(customer=owner).values_list("unit__code", flat=True)) == {
        "3-1-502",
        "5-1-101",
    }
    assert Contract.objects.filter(primary_buyer=owner).count() == 2
    assert owner.latest_handed_over_on == RECENTLY  # the stage reads the newer home
    assert owner.stage() == Stage.SETTLING_IN
    stored = Complaint.objects.get(pk=complaint.pk)
    assert stored.customer_id == owner.pk
    assert stored.version == complaint.version + 1
    assert PersonalDataAccess.objects.get().customer_id == owner.pk
    referred.refresh_from_db()
    assert referred.referrer_id == owner.pk
    assert owner.email == "zw@example.com"  # blank on the survivor: taken from the duplicate
    assert owner.id_number_masked  # the survivor's own ID number stays
    assert owner.version == 2
    assert record.duplicate_id == duplicate_pk
    assert record.merged_by == supervisor
    assert record.moved == {
        "phones": 1,
        "households": 1,
        "referrals": 1,
        "contract": 1,
        "complaint": 1,
        "personaldataaccess": 1,
    }


def test_a_survivor_without_an_id_number_takes_the_duplicates(owner, duplicate, supervisor):
    masked = owner.id_number_masked
    id_number = Customer.objects.get(pk=owner.pk).id_number

    _merge(duplicate, owner, supervisor)  # the import's record is kept this time

    duplicate.refresh_from_db()
    assert duplicate.id_number == id_number
    assert duplicate.id_number_masked == masked
    assert Customer.objects.filter(id_number_hash=duplicate.id_number_hash).count() == 1


def test_the_duplicates_ownership_of_a_shared_home_passes_to_the_survivor(owner, supervisor, project):
    family = CustomerFactory(city_company=project.city_company, name="张伟", id_type="", id_number=None)
    home = UnitFactory(building__project=project)
    HouseholdMemberFactory(unit=home, customer=family, role="owner")
    HouseholdMemberFactory(unit=home, customer=owner, role="family")

    _merge(owner, family, supervisor)

    assert list(HouseholdMember.objects.filter(unit=home).values_list("customer_id", "role")) == [
        (owner.pk, "owner")
    ]


def test_a_survivor_referred_by_its_duplicate_is_referred_by_nobody(owner, duplicate, supervisor):
    Customer.objects.filter(pk=owner.pk).update(referrer=duplicate)
    owner.refresh_from_db()

    _merge(owner, duplicate, supervisor)

    owner.refresh_from_db()
    assert owner.referrer_id is None


def test_two_different_id_numbers_are_two_people(owner, supervisor, project):
    namesake = CustomerFactory(city_company=project.city_company, name="张伟")
    HouseholdMemberFactory(unit=UnitFactory(building__project=project), customer=namesake)

    with pytest.raises(ValidationError, match="different ID numbers"):
        _merge(owner, namesake, supervisor)
    assert Customer.objects.filter(pk=namesake.pk).exists()


def test_records_of_two_city_companies_are_not_merged(owner, group_admin):
    elsewhere = CustomerFactory(city_company=CityCompanyFactory(), name="张伟", id_type="", id_number=None)

    with pytest.raises(ValidationError, match="same city company"):
        _merge(owner, elsewhere, group_admin)


def test_a_customer_is_not_merged_into_itself(owner, supervisor):
    with pytest.raises(ValidationError):
        _merge(owner, owner, supervisor)


def test_agents_may_not_merge(owner, duplicate, agent):
    with pytest.raises(PermissionDenied):
        _merge(owner, duplicate, agent)
    assert Customer.objects.filter(pk=duplicate.pk).exists()


def test_a_record_outside_the_scope_is_refused(owner, supervisor):
    hidden = CustomerFactory(city_company=owner.city_company, name="张伟", id_type="", id_number=None)

    with pytest.raises(PermissionDenied):
        _merge(owner, hidden, supervisor)  # no home in the supervisor's projects


def test_a_stale_version_merges_nothing(owner, duplicate, supervisor):
    with pytest.raises(services.ConcurrentEditError):
        _merge(owner, duplicate, supervisor, expected_duplicate_version=duplicate.version + 1)

    assert Customer.objects.filter(pk=duplicate.pk).exists()
    assert CustomerPhone.objects.filter(customer=duplicate).count() == 2
    assert not CustomerMerge.objects.exists()


# --- pages --------------------------------------------------------------------------------------------


def test_the_360_page_lists_possible_duplicates_for_supervisors(client, owner, duplicate, supervisor, agent):
    client.force_login(supervisor)
    page = client.get(reverse("customers:detail", args=[owner.pk]))
    assert [other.pk for other in page.context["duplicates"]] == [duplicate.pk]
    assert page.context["duplicates"][0].shares_phone
    content = page.content.decode()
    assert reverse("customers:merge", args=[owner.pk, duplicate.pk]) in content
    assert "13812345678" not in content

    client.force_login(agent)
    page = client.get(reverse("customers:detail", args=[owner.pk]))
    assert page.context["duplicates"] is None
    assert 'data-testid="possible-duplicates"' not in page.content.decode()


def test_the_merge_page_shows_both_and_merges(client, owner, duplicate, supervisor):
    client.force_login(supervisor)
    url = reverse("customers:merge", args=[owner.pk, duplicate.pk])

    page = client.get(url)
    assert page.status_code == 200
    assert page.context["moves"] == {
        "phones": 2,
        "households": 1,
        "contracts": 1,
        "referrals": 0,
        "elsewhere": [],
    }
    assert "13900001111" not in page.content.decode()

    response = client.post(url, {"version": owner.version, "duplicate_version": duplicate.version})

    assert response.status_code == 302
    assert response.url == reverse("customers:detail", args=[owner.pk])
    assert not Customer.objects.filter(pk=duplicate.pk).exists()


def test_the_merge_page_counts_what_other_apps_hold_of_the_duplicate(
    client, owner, duplicate, supervisor, agent, leak_category, owned_unit
):
    """customers imports no complaint code: the preview finds other apps' rows through the relations."""
    complaint_create(
        by=agent,
        customer=duplicate,
        category=leak_category,
        complaint_type="complaint",
        channel="hotline",
        title="新房漏水",
        description="5栋101卫生间漏水",
        project=owned_unit.project,
    )
    client.force_login(supervisor)
    page = client.get(reverse("customers:merge", args=[owner.pk, duplicate.pk]))
    assert [(str(label), count) for label, count in page.context["moves"]["elsewhere"]] == [("complaints", 1)]
    assert "Complaints 1" in page.content.decode()


def test_a_stale_merge_page_is_a_conflict(client, owner, duplicate, supervisor):
    client.force_login(supervisor)
    response = client.post(
        reverse("customers:merge", args=[owner.pk, duplicate.pk]),
        {"version": owner.version - 1 or 99, "duplicate_version": duplicate.version},
    )
    assert response.status_code == 409
    assert Customer.objects.filter(pk=duplicate.pk).exists()


def test_a_refused_merge_is_a_form_error(client, owner, supervisor, project):
    namesake = CustomerFactory(city_company=project.city_company, name="张伟")
    HouseholdMemberFactory(unit=UnitFactory(building__project=project), customer=namesake)
    client.force_login(supervisor)

    response = client.post(
        reverse("customers:merge", args=[owner.pk, namesake.pk]),
        {"version": owner.version, "duplicate_version": namesake.version},
    )

    assert response.status_code == 400
    assert "different ID numbers" in response.content.decode()


def test_the_merge_page_is_403_for_agents_and_404_outside_the_scope(
    client, owner, duplicate, agent, supervisor
):
    client.force_login(agent)
    assert client.get(reverse("customers:merge", args=[owner.pk, duplicate.pk])).status_code == 403
    hidden = CustomerFactory(city_company=owner.city_company, id_type="", id_number=None)
    client.force_login(supervisor)
    assert client.get(reverse("customers:merge", args=[owner.pk, hidden.pk])).status_code == 404


# --- API ------------------------------------------------------------------------------------------------


def test_merging_over_theclient_for(owner, duplicate, supervisor):
    response = client_for(supervisor).post(
        f"/api/v1/customers/{owner.pk}/merge/",
        {"duplicate": duplicate.pk, "duplicate_version": duplicate.version},
        format="json",
        HTTP_IF_MATCH=f'"{owner.version}"',
    )

    assert response.status_code == 200, response.json()
    assert response["ETag"] == '"2"'
    assert sorted(phone["number"] for phone in response.json()["phones"]) == ["138****5678", "139****1111"]
    assert not Customer.objects.filter(pk=duplicate.pk).exists()


def test_the_api_needs_both_versions_and_refuses_stale_ones(owner, duplicate, supervisor):
    url = f"/api/v1/customers/{owner.pk}/merge/"
    client = client_for(supervisor)

    assert (
        client.post(url, {"duplicate": duplicate.pk, "duplicate_version": 1}, format="json").status_code
        == 428
    )
    missing = client.post(url, {"duplicate": duplicate.pk, "version": owner.version}, format="json")
    assert missing.status_code == 400
    assert "duplicate_version" in missing.json()
    stale = client.post(
        url, {"duplicate": duplicate.pk, "version": owner.version, "duplicate_version": 7}, format="json"
    )
    assert stale.status_code == 409
    assert Customer.objects.filter(pk=duplicate.pk).exists()


def test_the_api_hides_records_outside_the_scope_and_refuses_agents(owner, duplicate, supervisor, agent):
    hidden = CustomerFactory(city_company=owner.city_company, id_type="", id_number=None)
    url = f"/api/v1/customers/{owner.pk}/merge/"

    response = client_for(supervisor).post(
        url, {"duplicate": hidden.pk, "version": owner.version, "duplicate_version": 1}, format="json"
    )
    assert response.status_code == 400
    assert "duplicate" in response.json()

    response = client_for(agent).post(
        url, {"duplicate": duplicate.pk, "version": owner.version, "duplicate_version": 1}, format="json"
    )
    assert response.status_code == 403
    assert Customer.objects.filter(pk=duplicate.pk).exists()


def test_the_merge_log_is_in_the_admin_read_only_and_scoped(
    client, owner, duplicate, supervisor, group_admin
):
    record = _merge(owner, duplicate, supervisor)
    client.force_login(group_admin)

    listing = client.get(reverse("admin:customers_customermerge_changelist"))
    assert listing.status_code == 200
    assert "张伟" in listing.content.decode()
    page = client.get(reverse("admin:customers_customermerge_change", args=[record.pk]))
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert client.get(reverse("admin:customers_customermerge_add")).status_code == 403


def test_the_merged_records_old_page_leads_to_the_kept_one(client, owner, duplicate, supervisor):
    duplicate_pk = duplicate.pk
    _merge(owner, duplicate, supervisor)
    client.force_login(supervisor)

    response = client.get(reverse("customers:detail", args=[duplicate_pk]))

    assert response.status_code == 302
    assert response.url == reverse("customers:detail", args=[owner.pk])
    assert client.get(reverse("customers:detail", args=[duplicate_pk + 1000])).status_code == 404
    stranger = UserFactory(username="elsewhere", role=Role.CITY_HEAD, city_companies=[CityCompanyFactory()])
    client.force_login(stranger)
    assert client.get(reverse("customers:detail", args=[duplicate_pk])).status_code == 404


def test_a_row_both_records_hold_once_is_kept_once_and_the_rest_moves(owner, duplicate, supervisor, project):
    """Both records received the same construction news (unique per news and customer): the survivor's
    copy stays, the duplicate's is dropped and counted; the news only the duplicate had moves over."""

    def news(title):
        return news_create(
            by=supervisor, project=project, phase=None, title=title, text="封顶", progress_on=RECENTLY
        )

    both, only_duplicate = news("3栋封顶"), news("5栋封顶")
    NewsDelivery.objects.create(news=both, customer=owner, status="sent")
    NewsDelivery.objects.create(news=both, customer=duplicate, status="sent")
    NewsDelivery.objects.create(news=only_duplicate, customer=duplicate, status="sent")
    record = _merge(owner, duplicate, supervisor)
    kept = NewsDelivery.objects.filter(customer=owner).order_by("news_id")
    assert [d.news_id for d in kept] == [both.pk, only_duplicate.pk]
    assert record.moved["newsdelivery dropped"] == 1 and record.moved["newsdelivery"] == 1
