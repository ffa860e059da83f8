"""The demo's surveys and club: what seed_demo leaves in them, made through their services.

The small demo is seeded ONCE for the module (twice, to check that the second run adds nothing),
inside a transaction rolled back at the end; each test then runs in its own savepoint.
"""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client, override_settings
from django.utils import timezone

from accounts.models import User
from complaints.models import Complaint
from customers.models import Contract, CustomerValue
from membership.models import (
    Benefit,
    CareTask,
    Consent,
    Event,
    Member,
    PointsEntry,
    PurchaseIntention,
    Redemption,
    Referral,
    Registration,
)
from membership.selectors.growth import projects_taking_intentions
from surveys.deadlines import follow_up_escalation_sweep
from surveys.models import Answer, Campaign, FollowUp, Invitation, Segment
from surveys.selectors.results import campaign_results

pytestmark = pytest.mark.django_db

MODELS = (
    Campaign, Invitation, Answer, FollowUp, Complaint, Contract, Member, Consent, Referral,
    PurchaseIntention, Event, Registration, PointsEntry, Benefit, Redemption, CareTask, CustomerValue,
)  # fmt: skip


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def _seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", units=60, customers=80, complaints=60, verbosity=0, stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    settings = {
        "PASSWORD_HASHERS": ["django.contrib.auth.hashers.MD5PasswordHasher"],
        "SMS_PROVIDER": "core.outbox.providers.LocmemSmsProvider",
        "WECHAT_PROVIDER": "core.outbox.providers.LocmemWechatProvider",
        "LANGUAGE_CODE": "en",
        "SITE_URL": "http://127.0.0.1:8000",
    }
    # A module fixture is set up before the tests' autouse ones: drop the cache and the per-process
    # reference data (project ids → city companies) that earlier tests' rolled-back rows left behind.
    from django.core.cache import cache

    from complaints.selectors import forget_reference_data

    cache.clear()
    forget_reference_data()
    with django_db_blocker.unblock(), override_settings(**settings), transaction.atomic():
        output = _seed()
        first = _counts()
        again = _seed()
        yield {"output": output, "first": first, "second": _counts(), "again": again}
        transaction.set_rollback(True)


def test_a_second_run_adds_nothing_to_the_surveys_or_the_club(seeded):
    assert seeded["second"] == seeded["first"]
    assert "Created now: nothing" in seeded["again"]


def test_the_completed_campaign_covers_every_segment_and_has_its_figures(seeded):
    campaign = Campaign.objects.get(kind=Campaign.Kind.PERIODIC, status=Campaign.Status.CLOSED)
    completed = campaign.invitations.filter(status=Invitation.Status.COMPLETED)
    assert set(completed.values_list("segment", flat=True)) == set(Segment.values)
    # Those who stopped half-way keep their answers, never counted.
    started = campaign.invitations.filter(status=Invitation.Status.STARTED)
    assert not Answer.objects.filter(invitation__in=started, is_final=True).exists()
    # Skip logic respected: no answer to a follow-on question whose condition does not hold.
    for invitation in completed:
        codes = dict(invitation.answers.values_list("question__code", "choices"))
        if codes.get("quality_issues") != ["yes"]:
            assert "quality_issue_kinds" not in codes and "repair_reported" not in codes
    admin = User.objects.get(username="admin")
    figures = campaign_results(user=admin, campaign=campaign).current
    assert figures.completed == completed.count() > 0
    assert figures.l3.has_value and figures.recommend.has_value and figures.satisfaction.has_value
    assert 0.6 <= figures.satisfaction.value <= 0.95  # skewed positive, not unanimous
    assert campaign.expires_at < timezone.now()


def test_unhappy_answers_opened_follow_ups_worked_in_time_and_one_became_a_complaint(seeded):
    assert FollowUp.objects.exclude(status=FollowUp.Status.OPEN).exists()
    for follow_up in FollowUp.objects.exclude(status=FollowUp.Status.OPEN).select_related("invitation"):
        assert follow_up.outcome_note and follow_up.invitation.completed_at <= follow_up.closed_at
        assert follow_up.closed_at <= follow_up.due_at
    raised = FollowUp.objects.get(complaint__isnull=False)
    assert raised.complaint.customer_id == raised.customer_id
    assert follow_up_escalation_sweep() == 0  # the seeded clocks are consistent: nothing old fires


def test_the_printed_survey_link_is_unanswered_and_opens(seeded):
    match = re.search(r"http://127\.0\.0\.1:8000(/s/([\w-]+)/)", seeded["output"])
    assert match, seeded["output"]
    invitation = Invitation.objects.get(token=match.group(2))
    assert invitation.status == Invitation.Status.SENT and invitation.opened_at is None
    assert invitation.campaign.status == Campaign.Status.OPEN
    assert Client().get(match.group(1)).status_code == 200


def test_the_campaign_in_progress_has_answered_half_way_and_silent_owners(seeded):
    campaign = Campaign.objects.get(kind=Campaign.Kind.PERIODIC, status=Campaign.Status.OPEN)
    statuses = set(campaign.invitations.values_list("status", flat=True))
    assert {Invitation.Status.COMPLETED, Invitation.Status.STARTED, Invitation.Status.SENT} <= statuses


def test_closed_complaints_have_their_after_complaint_surveys(seeded):
    surveys = Invitation.objects.filter(trigger_key__startswith="complaint:")
    assert surveys.exists()
    for invitation in surveys.select_related("campaign"):
        complaint = Complaint.objects.get(pk=int(invitation.trigger_key.partition(":")[2]))
        assert complaint.status == "closed" and invitation.customer_id == complaint.customer_id
        assert invitation.campaign.kind == Campaign.Kind.TRANSACTIONAL


def test_the_club_has_members_referrals_intentions_points_and_tiers(seeded):
    members = Member.objects.active()
    assert members.filter(link_status=Member.LinkStatus.LINKED, customer__isnull=False).exists()
    assert members.filter(link_status=Member.LinkStatus.NOT_A_CUSTOMER, customer__isnull=True).exists()
    assert members.filter(link_status=Member.LinkStatus.TO_REVIEW).count() == 1
    for member in members:
        assert member.consents.filter(kind=Consent.Kind.CLUB_DATA, granted=True).exists()
        assert member.tier_reason  # the nightly tier task ran
    bought = Referral.objects.filter(status=Referral.Status.BOUGHT)
    assert bought.exists() and Referral.objects.filter(status=Referral.Status.OPEN).exists()
    for referral in bought:
        assert referral.contract.primary_buyer.phones.filter(number=referral.friend_phone).exists()
        assert PointsEntry.objects.filter(kind="referral", source=f"referral:{referral.pk}").exists()
    upcoming = projects_taking_intentions()
    assert PurchaseIntention.objects.filter(project__in=upcoming).count() >= 10
    assert Redemption.objects.count() == 1
    for member in Member.objects.filter(points_entries__isnull=False).distinct():
        assert member.points_balance == sum(member.points_entries.values_list("points", flat=True))
    assert CustomerValue.objects.exists() and CareTask.objects.exists()


def test_a_past_event_with_attendance_and_a_full_one_with_a_waitlist(seeded):
    past = Event.objects.get(status=Event.Status.CLOSED)
    attended = past.registrations.filter(status=Registration.Status.ATTENDED)
    assert attended.exists()
    for registration in attended:
        assert PointsEntry.objects.filter(kind="event", source=f"registration:{registration.pk}").exists()
    full = Event.objects.get(status=Event.Status.OPEN)
    held = sum(1 + r.guests for r in full.registrations.filter(status=Registration.Status.CONFIRMED))
    assert held == full.capacity
    assert full.registrations.filter(status=Registration.Status.WAITLISTED).count() == 3


def test_the_summary_prints_the_club_sign_up_page(seeded):
    assert "http://127.0.0.1:8000/club/join/" in seeded["output"]
    assert "The club (万客会)" in seeded["output"] and "Surveys: " in seeded["output"]
