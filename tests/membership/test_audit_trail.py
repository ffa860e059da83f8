"""The audit trail of club members: staff corrections, the customer link (by the rule or a reviewer) and
leaving the club leave who, when, old → new; phone and ID number stored masked."""

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from membership.models import Consent, EnrolmentChannel, Member
from membership.services.consents import consent_record, consent_withdraw
from membership.services.enrolment import member_update
from membership.services.linking import member_link_customer
from tests.factories import CustomerFactory, CustomerPhoneFactory, UserFactory, make_resident_id
from tests.membership.factories import MemberFactory

pytestmark = pytest.mark.django_db


def entries(record):
    return list(LogEntry.objects.get_for_object(record).order_by("id"))


@pytest.fixture
def member(project):
    member = MemberFactory(
        city_company=project.city_company, project=project, name="刘洋", phone="13911112222"
    )
    for kind in Consent.Kind.values:
        consent_record(member=member, kind=kind, granted=True, channel=EnrolmentChannel.STAFF)
    return member


def test_a_correction_records_who_and_old_to_new_with_the_id_number_masked(agent, member):
    id_number = make_resident_id(7)
    member_update(member=member, by=agent, expected_version=member.version, name="刘阳", id_number=id_number)
    (entry,) = entries(member)
    assert entry.actor == agent
    assert entry.changes["name"] == ["刘洋", "刘阳"]
    assert entry.changes["id_number"] == ["None", f"{id_number[:4]}**********{id_number[-4:]}"]
    assert id_number not in str(entry.changes)


def test_leaving_the_club_is_recorded(agent, member):
    consent_withdraw(member=member, kind=Consent.Kind.CLUB_DATA, by=agent)
    (entry,) = entries(member)
    assert entry.actor == agent and entry.changes["left_at"][0] == "None" and entry.changes["left_at"][1]


def test_a_link_made_by_the_rule_is_recorded_without_a_person(member, project):
    customer = CustomerFactory(city_company=project.city_company, registered_project=project)
    CustomerPhoneFactory(customer=customer, number=member.phone)
    member_link_customer(member=member)
    (entry,) = entries(member)
    assert entry.actor is None
    assert entry.changes["customer"] == ["None", str(customer.pk)]
    assert entry.changes["link_status"][1] == Member.LinkStatus.LINKED


def test_the_member_page_shows_the_history_masked(client, agent, member):
    member_update(member=member, by=agent, expected_version=member.version, employer="招商银行")
    url = reverse("audit:history", args=["membership.member", member.pk])
    client.force_login(agent)
    assert f'hx-get="{url}"' in client.get(reverse("club:member", args=[member.pk])).content.decode()
    html = client.get(url).content.decode()
    assert "招商银行" in html and str(agent) in html


def test_a_role_that_may_not_view_the_club_gets_a_403(client, project, member):
    client.force_login(UserFactory(role="contractor", projects=[project]))
    response = client.get(reverse("audit:history", args=["membership.member", member.pk]))
    assert response.status_code in (403, 404)
