"""Transactional surveys: after a complaint is closed and after a handover sign-off, exactly once per
event, `delay_hours` later, from the active template of that trigger."""

import datetime
import importlib
import io
import struct
import zlib
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import Department
from complaints import services as complaint_services
from complaints.models import Category
from delivery.models import Handover, HandoverBatch
from delivery.services.inspection import handover_sign_off
from surveys.models import Campaign, Invitation, SurveyOptOut, SurveyTemplate, Trigger
from surveys.services import sending

pytestmark = pytest.mark.django_db

_seed = importlib.import_module("complaints.migrations.0002_seed_categories_and_policies")


@pytest.fixture
def leak(db):
    _seed.seed(apps, None)
    return Category.objects.get(code="leak")


def shipped_version(code: str, delay_hours: int):
    """The questionnaire the data migration ships for this event (surveys 0002), with a known delay."""
    template = SurveyTemplate.objects.get(code=code)
    template.delay_hours = delay_hours
    template.save(update_fields=["delay_hours"])
    return template.versions.get(number=1)


@pytest.fixture
def after_complaint(db):
    version = shipped_version("after-complaint", 24)
    assert version.template.trigger == Trigger.COMPLAINT_CLOSED
    return version


@pytest.fixture
def after_handover(db):
    version = shipped_version("after-handover", 48)
    assert version.template.trigger == Trigger.HANDOVER_SIGNED
    return version


def closed_complaint(agent, supervisor, owner, owned_unit, leak):
    complaint = complaint_services.complaint_create(
        by=agent,
        customer=owner,
        unit=owned_unit,
        category=leak,
        complaint_type="complaint",
        channel="hotline",
        title="张伟家车库漏水",
        description="地下车库B2层持续漏水",
    )
    return close_again(resolved(complaint, supervisor), supervisor)


def resolved(complaint, supervisor):
    complaint.refresh_from_db()
    complaint = complaint_services.complaint_dispatch(
        complaint=complaint, by=supervisor, department=Department.ENGINEERING
    )
    complaint = complaint_services.complaint_agree_plan(complaint=complaint, by=supervisor, plan="修补")
    return complaint_services.complaint_resolve(complaint=complaint, by=supervisor, resolution="已修复")


def close_again(complaint, supervisor):
    complaint.refresh_from_db()
    complaint_services.complaint_return_visit(
        complaint=complaint, by=supervisor, reached=True, satisfaction=5
    )
    complaint.refresh_from_db()
    return complaint_services.complaint_close(complaint=complaint, by=supervisor, root_cause="construction")


def test_a_closed_complaint_schedules_one_survey_after_the_delay(
    agent, supervisor, owner, owned_unit, leak, after_complaint
):
    complaint = closed_complaint(agent, supervisor, owner, owned_unit, leak)
    invitation = Invitation.objects.get(trigger_key=f"complaint:{complaint.pk}")
    assert invitation.status == Invitation.Status.SCHEDULED
    assert invitation.send_after == complaint.closed_at + datetime.timedelta(hours=24)
    assert (invitation.customer_id, invitation.project_id, invitation.unit_id) == (
        owner.pk,
        complaint.project_id,
        owned_unit.pk,
    )
    assert invitation.city_company_id == complaint.project.city_company_id
    # What the owner is shown: the number and the category, not the complaint's text (it names people).
    assert complaint.number in invitation.subject and "张伟" not in invitation.subject
    campaign = invitation.campaign
    assert (campaign.kind, campaign.status, campaign.template_version_id) == (
        Campaign.Kind.TRANSACTIONAL,
        Campaign.Status.OPEN,
        after_complaint.pk,
    )
    after_complaint.refresh_from_db()
    assert after_complaint.is_frozen

    # Reopened and closed again within the window: still one survey.
    complaint_services.complaint_reopen(complaint=complaint, by=supervisor, reason="又漏了")
    close_again(resolved(complaint, supervisor), supervisor)
    assert Invitation.objects.filter(customer=owner).count() == 1

    # The sweep sends it once its time has come, not before.
    assert sending.scheduled_invitations_send(now=timezone.now()) == 0
    assert sending.scheduled_invitations_send(now=invitation.send_after) == 1
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.SENT


def test_a_second_complaint_gets_its_own_survey_in_the_same_standing_campaign(
    agent, supervisor, owner, owned_unit, leak, after_complaint
):
    first = closed_complaint(agent, supervisor, owner, owned_unit, leak)
    second = closed_complaint(agent, supervisor, owner, owned_unit, leak)
    invitations = Invitation.objects.filter(
        trigger_key__in=[f"complaint:{first.pk}", f"complaint:{second.pk}"]
    )
    assert invitations.count() == 2 and len({i.campaign_id for i in invitations}) == 1


def test_no_survey_without_an_active_template_or_for_an_owner_who_opted_out(
    agent, supervisor, owner, owned_unit, leak, after_complaint
):
    after_complaint.template.is_active = False
    after_complaint.template.save()
    closed_complaint(agent, supervisor, owner, owned_unit, leak)
    assert not Invitation.objects.exists()
    after_complaint.template.is_active = True
    after_complaint.template.save()
    SurveyOptOut.objects.create(customer=owner)
    closed_complaint(agent, supervisor, owner, owned_unit, leak)
    assert not Invitation.objects.exists()


def _png() -> SimpleUploadedFile:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    raw = b"".join(b"\x00" + b"\xff\xff\xff" * 4 for _ in range(2))
    body = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 4, 2, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )
    return SimpleUploadedFile("signature.png", io.BytesIO(body).getvalue(), content_type="image/png")


def test_a_handover_sign_off_schedules_one_survey_for_the_owner(
    settings, tmp_path, supervisor, project, owner, owned_unit, after_handover
):
    settings.MEDIA_ROOT = tmp_path
    today = timezone.localdate()
    batch = HandoverBatch.objects.create(
        project=project, name="一期交付", starts_on=today, ends_on=today, site="大堂", lead=supervisor
    )
    handover = Handover.objects.create(batch=batch, project=project, unit=owned_unit)
    handover_sign_off(
        by=supervisor,
        handover=handover,
        documents_handed=["quality_guarantee", "user_manual"],
        water_meter=Decimal("1"),
        electricity_meter=Decimal("1"),
        gas_meter=None,
        keys_handed=2,
        signature=_png(),
        signed_by_name="张伟",
    )
    handover.refresh_from_db()
    invitation = Invitation.objects.get(trigger_key=f"handover:{handover.pk}")
    assert invitation.customer_id == owner.pk and invitation.unit_id == owned_unit.pk
    assert invitation.segment == "settling_in"  # the sign-off made them a settling-in owner
    assert invitation.send_after == handover.signed_at + datetime.timedelta(hours=48)
    assert project.name in invitation.subject and "张伟" not in invitation.subject
