"""Inviting members to an event by message: marketing consent honoured (also when withdrawn after the
audience was chosen), once per event and member (reruns, second rounds, a killed batch), the inviter's
scope and the audience's filters (value class at its boundary), the progress shown, the page."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from core.escalation import SWEEP_TASKS
from core.models import OutboxMessage
from customers.models import ContactChannel, CustomerValue
from membership import tasks
from membership.models import Consent, EnrolmentChannel, EventInvitation, InvitationRound, Registration
from membership.services.consents import consent_record, consent_withdraw
from membership.services.events import event_invite_read
from membership.services.invitations import (
    KIND,
    invitation_round_finish,
    invitation_round_run,
    invitation_round_select,
    invitation_round_send_batch,
    invitation_round_start,
    round_progress,
    stalled_round_ids,
)
from tests.factories import CustomerFactory, CustomerPhoneFactory
from tests.membership.factories import EventFactory, MemberFactory

pytestmark = pytest.mark.django_db


def _member(project, *, marketing=True, **kwargs):
    member = MemberFactory(city_company=project.city_company, project=project, **kwargs)
    consent_record(member=member, kind=Consent.Kind.CLUB_DATA, granted=True, channel=EnrolmentChannel.STAFF)
    consent_record(
        member=member, kind=Consent.Kind.MARKETING, granted=marketing, channel=EnrolmentChannel.STAFF
    )
    return member


@pytest.fixture
def event(project):
    return EventFactory(city_company=project.city_company, project=project, capacity=50)


def _invited(event) -> dict[int, str]:
    return dict(EventInvitation.objects.filter(event=event).values_list("member_id", "status"))


def _messages():
    return list(OutboxMessage.objects.filter(kind=KIND).order_by("pk"))


def _start(by, event, **filters):
    return invitation_round_start(by=by, event=event, filters=filters)


def test_only_members_with_marketing_consent_are_invited_each_with_their_own_link(supervisor, event, project):
    consenting = _member(project)
    declined = _member(project, marketing=False)
    withdrawn = _member(project)
    consent_withdraw(member=withdrawn, kind=Consent.Kind.MARKETING, by=supervisor)
    left = _member(project)
    consent_withdraw(member=left, kind=Consent.Kind.CLUB_DATA, by=supervisor)

    invitation_round = _start(supervisor, event)
    assert invitation_round_run(invitation_round.pk) is True

    assert _invited(event) == {consenting.pk: EventInvitation.Status.SENT}
    [message] = _messages()
    assert declined.phone not in {m.recipient for m in _messages()}
    assert (message.channel, message.recipient, message.template_code) == ("sms", consenting.phone, KIND)
    assert message.idempotency_key == f"club-event-invitation.event-{event.pk}.member-{consenting.pk}"
    # The member's own registration link (signed for this event and member) and the unsubscribe link.
    link = message.template_params["link"]
    assert event_invite_read(link.rstrip("/").rsplit("/", 1)[-1]) == (event, consenting)
    assert "/club/unsubscribe/" in message.template_params["unsubscribe"]
    assert link in message.body


def test_a_withdrawal_after_the_audience_was_chosen_is_honoured_at_once(supervisor, event, project):
    stays, withdraws = _member(project), _member(project)
    invitation_round = _start(supervisor, event)
    assert invitation_round_select(invitation_round.pk) == 2
    consent_withdraw(member=withdraws, kind=Consent.Kind.MARKETING, by=None)

    invitation_round_run(invitation_round.pk)

    assert _invited(event) == {
        stays.pk: EventInvitation.Status.SENT,
        withdraws.pk: EventInvitation.Status.NO_CONSENT,
    }
    assert [m.recipient for m in _messages()] == [stays.phone]


def test_a_linked_member_is_written_to_on_their_customers_channel(supervisor, event, project):
    customer = CustomerFactory(
        city_company=project.city_company, preferred_channel=ContactChannel.EMAIL, email="li@example.com"
    )
    CustomerPhoneFactory(customer=customer)
    member = _member(project, customer=customer, link_status="linked")
    invitation_round_run(_start(supervisor, event).pk)
    [message] = _messages()
    assert (message.channel, message.recipient) == ("email", "li@example.com")
    assert event.title in message.subject
    assert EventInvitation.objects.get(member=member).channel == "email"


def test_a_rerun_and_a_second_round_invite_nobody_twice(supervisor, event, project):
    first, second = _member(project), _member(project)
    invitation_round = _start(supervisor, event)
    invitation_round_run(invitation_round.pk)
    # The job runs again (a redelivered task): nothing more.
    invitation_round_run(invitation_round.pk)
    InvitationRound.objects.filter(pk=invitation_round.pk).update(status=InvitationRound.Status.SENDING)
    invitation_round_run(invitation_round.pk)
    assert len(_messages()) == 2
    # A new member joins; a second round invites only them.
    third = _member(project)
    again = _start(supervisor, event)
    invitation_round_run(again.pk)
    assert sorted(m.recipient for m in _messages()) == sorted([first.phone, second.phone, third.phone])
    assert set(EventInvitation.objects.filter(round=again).values_list("member_id", flat=True)) == {third.pk}


def test_a_batch_killed_before_its_commit_is_sent_once_by_the_rerun(supervisor, event, project, monkeypatch):
    members = [_member(project) for _ in range(5)]
    invitation_round = _start(supervisor, event)
    invitation_round_select(invitation_round.pk)
    assert invitation_round_send_batch(invitation_round.pk, size=2) == 2

    from membership.services import invitations

    def dies(messages, **kwargs):
        raise RuntimeError("worker killed")

    real = invitations.messages_enqueue
    monkeypatch.setattr(invitations, "messages_enqueue", dies)
    with pytest.raises(RuntimeError):
        invitation_round_send_batch(invitation_round.pk, size=2)
    monkeypatch.setattr(invitations, "messages_enqueue", real)
    # The killed batch rolled back whole: its members are still to send, the progress did not move.
    invitation_round.refresh_from_db()
    assert (invitation_round.total, invitation_round.done) == (5, 2)

    assert invitation_round_run(invitation_round.pk, size=2) is True
    assert sorted(m.recipient for m in _messages()) == sorted(member.phone for member in members)
    invitation_round.refresh_from_db()
    assert (invitation_round.status, invitation_round.done) == (InvitationRound.Status.DONE, 5)


def test_members_registered_already_are_not_invited(supervisor, event, project):
    registered, cancelled = _member(project), _member(project)
    Registration.objects.create(event=event, member=registered, status=Registration.Status.CONFIRMED)
    Registration.objects.create(event=event, member=cancelled, status=Registration.Status.CANCELLED)
    invitation_round_run(_start(supervisor, event).pk)
    assert set(_invited(event)) == {cancelled.pk}


def test_the_audience_is_the_inviters_scope_and_filters(city_head, event, project, other_project):
    here_gold = _member(project, tier="gold")
    _member(project, tier="standard")
    elsewhere = _member(other_project, tier="gold")
    invitation_round_run(_start(city_head, event, tier="gold").pk)
    assert set(_invited(event)) == {here_gold.pk}
    assert elsewhere.pk not in set(_invited(event))


def test_the_value_class_filter_at_the_abc_boundary(supervisor, event, project):
    # Hand-built values: 75 of 100 before the second customer → B (A stops before 75 %).
    values = {"A": Decimal("75"), "B": Decimal("20"), "C": Decimal("5")}
    members = {}
    for value_class, score in values.items():
        customer = CustomerFactory(city_company=project.city_company)
        CustomerValue.objects.create(
            customer=customer,
            value_class=value_class,
            value_score=score,
            recency=3,
            frequency=3,
            monetary=3,
            rfm_segment="重要价值客户",
            computed_at=timezone.now(),
        )
        members[value_class] = _member(project, customer=customer, link_status="linked")
    _member(project)  # not a customer: no value class
    invitation_round_run(_start(supervisor, event, value_class="B").pk)
    assert set(_invited(event)) == {members["B"].pk}


def test_only_organisers_start_a_round_of_an_event_in_their_scope(agent, supervisor, other_project, event):
    with pytest.raises(PermissionDenied):
        _start(agent, event)
    elsewhere = EventFactory(city_company=other_project.city_company, project=other_project)
    with pytest.raises(PermissionDenied):
        _start(supervisor, elsewhere)
    assert not InvitationRound.objects.exists()


def test_a_closed_event_or_a_round_still_sending_is_refused(supervisor, event, project):
    _member(project)
    _start(supervisor, event)
    with pytest.raises(ValidationError):
        _start(supervisor, event)
    closed = EventFactory(
        city_company=event.city_company,
        project=event.project,
        status="open",
        registration_closes_at=timezone.now() - datetime.timedelta(hours=1),
    )
    with pytest.raises(ValidationError):
        _start(supervisor, closed)


def test_progress_counts_the_settled_invitations(supervisor, event, project):
    for _ in range(3):
        _member(project)
    invitation_round = _start(supervisor, event)
    assert round_progress(invitation_round)["status_label"] == "Choosing the members…"
    invitation_round_select(invitation_round.pk)
    invitation_round_send_batch(invitation_round.pk, size=2)
    invitation_round.refresh_from_db()
    progress = round_progress(invitation_round)
    assert (progress["running"], progress["done"], progress["total"], progress["percent"]) == (True, 2, 3, 67)
    assert invitation_round_finish(invitation_round.pk) is False
    invitation_round_send_batch(invitation_round.pk, size=2)
    assert invitation_round_finish(invitation_round.pk) is True
    invitation_round.refresh_from_db()
    assert round_progress(invitation_round)["running"] is False


def test_a_round_without_progress_is_restarted_by_the_sweep(supervisor, event, project):
    member = _member(project)
    invitation_round = _start(supervisor, event)
    later = timezone.now() + datetime.timedelta(minutes=11)
    assert stalled_round_ids(now=later) == [invitation_round.pk]
    assert stalled_round_ids() == []  # still fresh
    assert "membership.tasks.sweep_event_invitations" in SWEEP_TASKS
    InvitationRound.objects.filter(pk=invitation_round.pk).update(
        updated_at=timezone.now() - datetime.timedelta(minutes=11)
    )
    assert tasks.sweep_event_invitations() == 1  # the eager job runs the round to the end
    assert _invited(event) == {member.pk: EventInvitation.Status.SENT}
    assert stalled_round_ids(now=later) == []


def test_the_event_page_starts_a_round_and_shows_its_progress(
    client, supervisor, event, project, django_capture_on_commit_callbacks
):
    member = _member(project)
    client.force_login(supervisor)
    page = client.get(reverse("club:event", args=[event.pk])).content.decode()
    assert 'id="invitations-form"' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("club:event_invitations", args=[event.pk]), {"tier": ""})
    assert response.status_code == 302
    assert _invited(event) == {member.pk: EventInvitation.Status.SENT}  # the eager task ran on commit
    page = client.get(reverse("club:event", args=[event.pk])).content.decode()
    assert 'data-testid="invitations-progress"' in page and "1 invitations settled" in page
    progress = client.get(reverse("club:event_invitations_progress", args=[event.pk])).json()
    assert (progress["running"], progress["done"], progress["total"]) == (False, 1, 1)


def test_an_agent_sees_no_invitation_form_and_may_not_post_it(client, agent, event):
    client.force_login(agent)
    page = client.get(reverse("club:event", args=[event.pk])).content.decode()
    assert 'id="invitations-form"' not in page
    assert client.post(reverse("club:event_invitations", args=[event.pk])).status_code == 403


def test_rolled_back_start_enqueues_nothing(supervisor, event, project, django_capture_on_commit_callbacks):
    _member(project)
    with django_capture_on_commit_callbacks() as callbacks:
        try:
            with transaction.atomic():
                _start(supervisor, event)
                raise RuntimeError
        except RuntimeError:
            pass
    assert callbacks == [] and not InvitationRound.objects.exists()
