"""The send job: invitations and one outbox message each, in batches that survive a crash; the sweep's
scheduled invitations, reminders and expiry."""

import datetime
from collections import Counter

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.models import OutboxMessage
from customers.services import ConcurrentEditError
from surveys import tasks
from surveys.models import Campaign, Invitation, SurveyOptOut
from surveys.services import sending
from surveys.services.campaigns import campaign_send
from tests.surveys.factories import CampaignFactory, InvitationFactory, owner_home

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def owners(project, count, **kwargs):
    today = timezone.localdate()
    return [owner_home(project, signed=today - 10 * DAY, **kwargs) for _ in range(count)]


def sending_campaign(**fields):
    fields.setdefault("status", Campaign.Status.SENDING)
    fields.setdefault("exclude_surveyed_days", 0)
    return CampaignFactory(**fields)


def survey_messages():
    return OutboxMessage.objects.filter(kind__in=[sending.KIND_INVITATION, sending.KIND_REMINDER])


def test_sending_freezes_the_version_and_sends_one_message_per_owner(
    project, supervisor, django_capture_on_commit_callbacks
):
    people = owners(project, 3)
    campaign = CampaignFactory(project=project, exclude_surveyed_days=0)
    with django_capture_on_commit_callbacks(execute=True):
        campaign_send(by=supervisor, campaign=campaign, expected_version=campaign.version)
    campaign.refresh_from_db()
    assert campaign.template_version.is_frozen
    assert (campaign.status, campaign.send_total, campaign.send_done) == (Campaign.Status.OPEN, 3, 3)
    invitations = list(campaign.invitations.order_by("customer_id"))
    assert [i.customer_id for i in invitations] == [p.pk for p in people]
    assert {i.status for i in invitations} == {Invitation.Status.SENT}
    assert [i.trigger_key for i in invitations] == [f"campaign:{campaign.pk}:customer:{p.pk}" for p in people]
    assert all(i.project_id == project.pk and i.unit_id and i.segment == "buyer" for i in invitations)
    messages = list(survey_messages().order_by("idempotency_key"))
    assert sorted(m.idempotency_key for m in messages) == sorted(
        f"survey-invitation.{i.pk}" for i in invitations
    )
    by_key = {m.idempotency_key: m for m in messages}
    first = invitations[0]
    text = by_key[f"survey-invitation.{first.pk}"].body
    assert f"/s/{first.token}/" in text and f"/s/{first.token}/opt-out/" in text
    assert by_key[f"survey-invitation.{first.pk}"].template_code == "survey_invitation"
    assert by_key[f"survey-invitation.{first.pk}"].template_params["link"].endswith(f"/s/{first.token}/")


def test_a_second_send_is_refused(project, supervisor, django_capture_on_commit_callbacks):
    owners(project, 1)
    campaign = CampaignFactory(project=project)
    version = campaign.version
    with django_capture_on_commit_callbacks(execute=True):
        campaign_send(by=supervisor, campaign=campaign, expected_version=version)
    with pytest.raises(ConcurrentEditError):
        campaign_send(by=supervisor, campaign=campaign, expected_version=version)
    campaign.refresh_from_db()
    with pytest.raises(ValidationError):
        campaign_send(by=supervisor, campaign=campaign, expected_version=campaign.version)
    assert survey_messages().count() == 1


def test_email_owners_get_the_email_text_and_owners_without_address_are_unreachable(project, settings):
    settings.LANGUAGE_CODE = "en"
    emailer = owners(project, 1, phone=False, email="owner@example.com", preferred_channel="email")[0]
    nobody = owners(project, 1, phone=False)[0]
    campaign = sending_campaign()
    assert sending.campaign_send_run(campaign.pk)
    by_customer = {i.customer_id: i for i in campaign.invitations.all()}
    assert by_customer[nobody.pk].status == Invitation.Status.UNREACHABLE
    assert by_customer[emailer.pk].status == Invitation.Status.SENT
    (message,) = survey_messages()
    assert message.channel == "email" and message.recipient == "owner@example.com"
    assert "To receive no more surveys" in message.body and message.subject


def test_a_job_killed_after_batch_k_and_run_again_sends_everyone_exactly_once(project, settings, monkeypatch):
    settings.SURVEY_SEND_BATCH = 2
    owners(project, 7)
    campaign = sending_campaign()
    real = sending.messages_enqueue
    calls = {"n": 0}

    def crash_in_batch_3(messages, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            real(messages, **kwargs)  # written, then the worker dies before the commit
            raise RuntimeError("worker killed")
        return real(messages, **kwargs)

    monkeypatch.setattr(sending, "messages_enqueue", crash_in_batch_3)
    with pytest.raises(RuntimeError):
        tasks.send_campaign(campaign.pk)
    campaign.refresh_from_db()
    assert (campaign.status, campaign.send_total, campaign.send_done) == (Campaign.Status.SENDING, 7, 4)
    assert survey_messages().count() == 4  # batch 3 rolled back with its invitations
    assert campaign.invitations.filter(status=Invitation.Status.SCHEDULED).count() == 3

    monkeypatch.setattr(sending, "messages_enqueue", real)
    assert tasks.send_campaign(campaign.pk)
    campaign.refresh_from_db()
    assert (campaign.status, campaign.send_done) == (Campaign.Status.OPEN, 7)
    keys = Counter(survey_messages().values_list("idempotency_key", flat=True))
    assert len(keys) == 7 and set(keys.values()) == {1}
    assert campaign.invitations.count() == 7
    # A third run (a redelivered task) changes nothing.
    assert tasks.send_campaign(campaign.pk)
    assert survey_messages().count() == 7


def test_a_job_killed_while_selecting_selects_again_the_same_people(project, monkeypatch):
    owners(project, 4)
    campaign = sending_campaign(sample_per_segment=3, sample_seed=3)
    manager, real, calls = Invitation.objects, Invitation.objects.bulk_create, {"n": 0}

    def crash_on_the_second_insert(rows, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("worker killed")
        return real(rows, **kwargs)

    monkeypatch.setattr(sending, "INSERT_BATCH", 1)
    monkeypatch.setattr(manager, "bulk_create", crash_on_the_second_insert)
    with pytest.raises(RuntimeError):
        sending.campaign_select(campaign.pk)
    assert not campaign.invitations.exists()  # one transaction: nothing half-selected
    monkeypatch.setattr(manager, "bulk_create", real)
    assert sending.campaign_select(campaign.pk) == 3
    chosen = set(campaign.invitations.values_list("customer_id", flat=True))
    assert sending.campaign_select(campaign.pk) == 3  # selected once: a rerun keeps it
    assert set(campaign.invitations.values_list("customer_id", flat=True)) == chosen


def test_a_stalled_campaign_is_restarted_by_the_sweep(project):
    owners(project, 2)
    campaign = sending_campaign()
    Campaign.objects.filter(pk=campaign.pk).update(updated_at=timezone.now() - datetime.timedelta(hours=1))
    assert tasks.sweep_surveys()["restarted"] == 1
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.OPEN and survey_messages().count() == 2


# --- the sweep: scheduled invitations, reminders, expiry -------------------------------------------


def test_scheduled_transactional_invitations_go_when_their_time_comes(project):
    owner = owners(project, 1)[0]
    campaign = CampaignFactory(kind=Campaign.Kind.TRANSACTIONAL, status=Campaign.Status.OPEN)
    now = timezone.now()
    invitation = InvitationFactory(
        campaign=campaign,
        customer=owner,
        status=Invitation.Status.SCHEDULED,
        send_after=now + datetime.timedelta(hours=2),
    )
    assert sending.scheduled_invitations_send(now=now) == 0
    assert sending.scheduled_invitations_send(now=now + datetime.timedelta(hours=3)) == 1
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.SENT and invitation.expires_at is not None
    assert survey_messages().get().idempotency_key == f"survey-invitation.{invitation.pk}"
    assert sending.scheduled_invitations_send(now=now + datetime.timedelta(hours=4)) == 0


def test_an_owner_who_opted_out_meanwhile_is_not_sent_the_scheduled_survey(project):
    owner = owners(project, 1)[0]
    campaign = CampaignFactory(kind=Campaign.Kind.TRANSACTIONAL, status=Campaign.Status.OPEN)
    invitation = InvitationFactory(campaign=campaign, customer=owner, status=Invitation.Status.SCHEDULED)
    SurveyOptOut.objects.create(customer=owner)
    sending.scheduled_invitations_send(now=timezone.now() + DAY)
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.OPTED_OUT and not survey_messages().exists()


def test_reminders_after_n_days_at_most_m_times_and_never_after_expiry(project):
    owner, answered = owners(project, 2)
    now = timezone.now()
    campaign = CampaignFactory(status=Campaign.Status.OPEN, remind_after_days=3, max_reminders=2)
    waiting = InvitationFactory(campaign=campaign, customer=owner, sent_at=now, last_sent_at=now)
    InvitationFactory(
        campaign=campaign,
        customer=answered,
        sent_at=now,
        last_sent_at=now,
        status=Invitation.Status.COMPLETED,
    )
    assert sending.reminders_send(now=now + 2 * DAY) == 0
    assert sending.reminders_send(now=now + 3 * DAY) == 1
    assert sending.reminders_send(now=now + 4 * DAY) == 0  # three days after the first reminder, not before
    assert sending.reminders_send(now=now + 6 * DAY) == 1
    assert sending.reminders_send(now=now + 30 * DAY) == 0  # at most two
    keys = sorted(survey_messages().values_list("idempotency_key", flat=True))
    assert keys == [f"survey-reminder.{waiting.pk}.1", f"survey-reminder.{waiting.pk}.2"]
    waiting.refresh_from_db()
    assert waiting.reminders_sent == 2

    late = InvitationFactory(campaign=campaign, customer=owners(project, 1)[0], sent_at=now, last_sent_at=now)
    late.expires_at = now + DAY
    late.save()
    assert sending.reminders_send(now=now + 3 * DAY) == 0


def test_expired_periodic_campaigns_are_closed_by_the_sweep(project):
    now = timezone.now()
    expired = CampaignFactory(status=Campaign.Status.OPEN, expires_at=now - DAY)
    running = CampaignFactory(status=Campaign.Status.OPEN, expires_at=now + DAY)
    standing = CampaignFactory(status=Campaign.Status.OPEN, kind=Campaign.Kind.TRANSACTIONAL)
    tasks.sweep_surveys()
    statuses = {c.pk: c.status for c in Campaign.objects.all()}
    assert statuses == {
        expired.pk: Campaign.Status.CLOSED,
        running.pk: Campaign.Status.OPEN,
        standing.pk: Campaign.Status.OPEN,
    }


def test_the_sweep_is_registered_with_beats_shared_sweep():
    from core.escalation import SWEEP_TASKS

    assert "surveys.tasks.sweep_surveys" in SWEEP_TASKS
