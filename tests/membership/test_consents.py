"""Consents: appended rows, the current answer, withdrawal honoured at once, the unsubscribe link."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from accounts.models import Role
from membership.models import Consent, EnrolmentChannel, Member
from membership.selectors.members import marketing_audience
from membership.services.consents import (
    consent_grant,
    consent_record,
    consent_withdraw,
    consents_current,
    member_from_unsubscribe_token,
    member_may_receive_marketing,
    unsubscribe_token,
    unsubscribe_url,
)
from tests.factories import UserFactory
from tests.membership.factories import MemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def member(project):
    member = MemberFactory(city_company=project.city_company, project=project)
    for kind in (Consent.Kind.CLUB_DATA, Consent.Kind.MARKETING):
        consent_record(member=member, kind=kind, granted=True, channel=EnrolmentChannel.STAFF)
    return member


def test_a_member_with_both_consents_may_receive_marketing(member):
    assert member_may_receive_marketing(member)


def test_a_withdrawal_is_appended_and_honoured_at_once(member, agent):
    consent_withdraw(member=member, kind=Consent.Kind.MARKETING, by=agent)
    assert not member_may_receive_marketing(member)
    assert member.consents.filter(kind=Consent.Kind.MARKETING).count() == 2  # history kept
    latest = consents_current(member)[Consent.Kind.MARKETING]
    assert (latest.granted, latest.recorded_by, latest.channel) == (False, agent, EnrolmentChannel.STAFF)


def test_granting_again_after_a_withdrawal_counts_from_then(member, agent):
    consent_withdraw(member=member, kind=Consent.Kind.MARKETING, by=agent)
    consent_grant(member=member, kind=Consent.Kind.MARKETING, by=agent)
    assert member_may_receive_marketing(member)


def test_withdrawing_the_club_data_consent_is_leaving_the_club(member, agent):
    consent_withdraw(member=member, kind=Consent.Kind.CLUB_DATA, by=agent)
    member.refresh_from_db()
    assert member.left_at is not None
    assert consents_current(member)[Consent.Kind.MARKETING].granted is False
    assert not member_may_receive_marketing(member)


def test_a_member_who_never_answered_marketing_receives_none(project):
    member = MemberFactory(city_company=project.city_company, project=project)
    consent_record(member=member, kind=Consent.Kind.CLUB_DATA, granted=True, channel=EnrolmentChannel.PUBLIC)
    assert not member_may_receive_marketing(member)


def test_staff_outside_the_members_scope_cannot_record_a_consent(member, other_agent):
    with pytest.raises(PermissionDenied):
        consent_withdraw(member=member, kind=Consent.Kind.MARKETING, by=other_agent)


def test_a_read_only_manager_cannot_record_a_consent(member, project):
    manager = UserFactory(role=Role.READONLY_MANAGER, projects=[project])
    with pytest.raises(PermissionDenied):
        consent_withdraw(member=member, kind=Consent.Kind.MARKETING, by=manager)


def test_the_marketing_audience_queryset_agrees_with_the_one_member_rule(member, agent, project):
    withdrawn = MemberFactory(city_company=project.city_company, project=project)
    for kind in Consent.Kind.values:
        consent_record(member=withdrawn, kind=kind, granted=True, channel=EnrolmentChannel.STAFF)
    consent_withdraw(member=withdrawn, kind=Consent.Kind.MARKETING, by=agent)
    assert list(marketing_audience(Member.objects.all())) == [member]


def test_the_unsubscribe_token_names_the_member_and_a_forged_one_names_nobody(member):
    token = unsubscribe_token(member)
    assert member_from_unsubscribe_token(token) == member
    assert member_from_unsubscribe_token(token[:-2] + "xx") is None
    assert member_from_unsubscribe_token("nonsense") is None


def test_the_unsubscribe_link_asks_then_withdraws_marketing_once(client, member):
    url = unsubscribe_url(member)
    assert client.get(url).status_code == 200
    assert member_may_receive_marketing(member)  # opening the link (a mail scanner) changes nothing
    response = client.post(url)
    assert response.status_code == 200 and b'data-testid="unsubscribed"' in response.content
    assert not member_may_receive_marketing(member)
    client.post(url)
    assert member.consents.filter(kind=Consent.Kind.MARKETING, granted=False).count() == 1
    withdrawal = member.consents.get(kind=Consent.Kind.MARKETING, granted=False)
    assert (withdrawal.channel, withdrawal.recorded_by) == (EnrolmentChannel.PUBLIC, None)


def test_a_broken_unsubscribe_link_is_a_404_page(client):
    response = client.get(reverse("club_public:unsubscribe", args=["broken"]))
    assert response.status_code == 404


def test_staff_record_a_phoned_withdrawal_on_the_member_page(client, member, agent):
    client.force_login(agent)
    response = client.post(
        reverse("club:member_consent", args=[member.pk]), {"kind": "marketing", "granted": "0"}
    )
    assert response.status_code == 302
    assert not member_may_receive_marketing(member)


def test_a_consent_withdrawal_is_recorded_at_its_moment(member, agent):
    moment = datetime.datetime(2026, 12, 5, 9, 30, tzinfo=datetime.UTC)
    consent = consent_withdraw(member=member, kind=Consent.Kind.MARKETING, by=agent, now=moment)
    assert consent.recorded_at == moment
