"""Customers' consents (PIPL): appended answers with their text version, and the senders that honour a
withdrawal: surveys (as they honour opt-outs) and the club's marketing to a member who is a customer."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from core.models import OutboxMessage
from customers.consent_texts import current_text
from customers.consents import (
    consents_current,
    customer_consent_record,
    customer_may_receive,
    customers_refusing,
    customers_withdrawn,
)
from customers.models import ConsentChannel, ConsentPurpose, CustomerConsent
from membership.models import Consent, EnrolmentChannel
from membership.selectors.members import marketing_audience
from membership.services.consents import consent_record, member_may_receive_marketing
from surveys.models import Campaign, Invitation
from surveys.selectors.targeting import campaign_preview
from surveys.services import sending
from surveys.services.responses import survey_opt_out
from tests.membership.factories import MemberFactory
from tests.surveys.factories import CampaignFactory, InvitationFactory, owner_home

pytestmark = pytest.mark.django_db

SURVEYS, MARKETING = ConsentPurpose.SURVEYS, ConsentPurpose.MARKETING


def test_an_answer_is_appended_with_its_text_version_channel_and_recorder(owner, agent):
    consent = customer_consent_record(customer=owner, purpose=MARKETING, granted=True, by=agent)

    assert (consent.granted, consent.channel, consent.recorded_by) == (True, ConsentChannel.STAFF, agent)
    assert consent.text_version == current_text(MARKETING).version
    withdrawal = customer_consent_record(customer=owner, purpose=MARKETING, granted=False, by=agent)
    assert CustomerConsent.objects.filter(customer=owner).count() == 2
    assert consents_current(owner) == {MARKETING: withdrawal, SURVEYS: None}


def test_the_same_answer_twice_is_recorded_once(owner, agent):
    first = customer_consent_record(customer=owner, purpose=SURVEYS, granted=False, by=agent)
    again = customer_consent_record(customer=owner, purpose=SURVEYS, granted=False, by=agent)
    assert again == first and CustomerConsent.objects.count() == 1


def test_marketing_needs_a_yes_surveys_hold_until_withdrawn(owner, agent):
    assert not customer_may_receive(owner, MARKETING) and customer_may_receive(owner, SURVEYS)
    customer_consent_record(customer=owner, purpose=MARKETING, granted=True, by=agent)
    customer_consent_record(customer=owner, purpose=SURVEYS, granted=False, by=agent)
    assert customer_may_receive(owner, MARKETING) and not customer_may_receive(owner, SURVEYS)
    assert customers_refusing([owner.pk], SURVEYS) == {owner.pk} == customers_withdrawn([owner.pk], SURVEYS)


def test_staff_outside_the_scope_or_without_the_right_may_not_record(owner, other_agent, project):
    from accounts.models import Role
    from tests.factories import UserFactory

    with pytest.raises(PermissionDenied):
        customer_consent_record(customer=owner, purpose=SURVEYS, granted=False, by=other_agent)
    manager = UserFactory(role=Role.READONLY_MANAGER, projects=[project])
    with pytest.raises(PermissionDenied):
        customer_consent_record(customer=owner, purpose=SURVEYS, granted=False, by=manager)
    with pytest.raises(ValidationError):
        customer_consent_record(customer=owner, purpose="newsletters", granted=False)
    assert not CustomerConsent.objects.exists()


def test_the_360_page_records_an_answer_and_refuses_a_bad_one(client, agent, owner):
    client.force_login(agent)
    page = client.get(reverse("customers:detail", args=[owner.pk])).content.decode()
    assert 'data-testid="customer-privacy"' in page and current_text(SURVEYS).version in page

    response = client.post(
        reverse("customers:consent", args=[owner.pk]), {"purpose": SURVEYS, "granted": "0"}
    )

    assert response.status_code == 302
    assert customers_withdrawn([owner.pk], SURVEYS) == {owner.pk}
    bad = client.post(reverse("customers:consent", args=[owner.pk]), {"purpose": "spam", "granted": "0"})
    assert bad.status_code == 400 and CustomerConsent.objects.count() == 1


def test_a_customer_outside_the_scope_is_a_404(client, other_agent, owner):
    client.force_login(other_agent)
    response = client.post(
        reverse("customers:consent", args=[owner.pk]), {"purpose": SURVEYS, "granted": "0"}
    )
    assert response.status_code == 404 and not CustomerConsent.objects.exists()


# --- surveys honour a withdrawn survey consent as they honour opt-outs -------------------------------


def _owner(project):
    return owner_home(project, signed=timezone.localdate() - timezone.timedelta(days=10))


def test_a_scheduled_survey_is_not_sent_after_the_consent_is_withdrawn(project):
    owner = _owner(project)
    campaign = CampaignFactory(kind=Campaign.Kind.TRANSACTIONAL, status=Campaign.Status.OPEN)
    invitation = InvitationFactory(campaign=campaign, customer=owner, status=Invitation.Status.SCHEDULED)
    customer_consent_record(customer=owner, purpose=SURVEYS, granted=False)

    sending.scheduled_invitations_send(now=timezone.now() + timezone.timedelta(days=1))

    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.OPTED_OUT
    assert not OutboxMessage.objects.filter(kind=sending.KIND_INVITATION).exists()


def test_a_withdrawn_consent_is_excluded_from_the_targeting_like_an_opt_out(project):
    withdrawn, granted_again, kept = _owner(project), _owner(project), _owner(project)
    customer_consent_record(customer=withdrawn, purpose=SURVEYS, granted=False)
    customer_consent_record(customer=granted_again, purpose=SURVEYS, granted=False)
    customer_consent_record(customer=granted_again, purpose=SURVEYS, granted=True)
    campaign = CampaignFactory(project=project, exclude_surveyed_days=0, segments=["buyer"])

    preview = campaign_preview(campaign)

    (segment,) = [row for row in preview.segments if row.eligible]
    assert (segment.eligible, segment.excluded["opted_out"], segment.to_send) == (3, 1, 2)
    assert kept.pk != withdrawn.pk


def test_an_opt_out_from_the_survey_link_withdraws_the_survey_consent(project):
    owner = _owner(project)
    survey_opt_out(InvitationFactory(customer=owner))
    consent = CustomerConsent.objects.get(customer=owner)
    assert (consent.purpose, consent.granted, consent.channel) == (SURVEYS, False, ConsentChannel.PUBLIC)


# --- the club honours a customer's marketing withdrawal ---------------------------------------------


def test_the_club_markets_no_more_to_a_member_whose_customer_withdrew_marketing(owner, project):
    member = MemberFactory(city_company=project.city_company, project=project, customer=owner)
    for kind in (Consent.Kind.CLUB_DATA, Consent.Kind.MARKETING):
        consent_record(member=member, kind=kind, granted=True, channel=EnrolmentChannel.STAFF)
    assert member_may_receive_marketing(member)
    assert list(marketing_audience(type(member).objects.filter(pk=member.pk))) == [member]

    customer_consent_record(customer=owner, purpose=MARKETING, granted=False)

    assert not member_may_receive_marketing(member)
    assert not marketing_audience(type(member).objects.filter(pk=member.pk)).exists()


def test_every_text_version_fits_its_column():
    from customers.consent_texts import ALL_TEXTS

    width = CustomerConsent._meta.get_field("text_version").max_length
    assert all(len(version) <= width for version in ALL_TEXTS)
