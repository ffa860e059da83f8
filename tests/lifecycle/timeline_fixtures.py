"""Fixtures of the owner timeline's tests (imported by conftest.py): one record of every kind for `owner`."""

import datetime
import importlib
import random

import pytest
from django.apps import apps
from django.utils import timezone

from complaints.models import Category, ComplaintEvent, ReturnVisit, WorkOrder
from complaints.services import complaint_create
from delivery.models import Appointment, AppointmentSlot, Defect, Handover, HandoverBatch, Inspection
from demo.bench_data.timeline import write_timeline_history
from membership.models import Registration
from tests.membership.factories import EventFactory, MemberFactory, PointsEntryFactory, ReferralFactory
from tests.surveys.factories import InvitationFactory

_complaint_seed = importlib.import_module("complaints.migrations.0002_seed_categories_and_policies")

NOW = timezone.make_aware(datetime.datetime(2026, 6, 1, 12, 0))


@pytest.fixture
def leak(db):
    _complaint_seed.seed(apps, None)
    return Category.objects.get(code="leak")


@pytest.fixture
def complaint(agent, owner, owned_unit, leak):
    return complaint_create(
        by=agent,
        customer=owner,
        unit=owned_unit,
        category=leak,
        complaint_type="complaint",
        channel="hotline",
        title="车库漏水",
        description="地下车库B2层持续漏水",
    )


@pytest.fixture
def every_kind(owner, owned_unit, project, agent, supervisor, complaint):
    """One record of each built-in kind for `owner`, at distinct times a day apart (newest: the
    referral). Returns {kind: record}."""
    day = datetime.timedelta(days=1)
    at = iter(NOW - day * k for k in range(20, 0, -1))
    records = {"contract": owned_unit.contracts.get()}
    complaint.received_at = next(at)
    complaint.save(update_fields=["received_at"])
    records["complaint"] = complaint
    ComplaintEvent.objects.filter(complaint=complaint).update(created_at=complaint.received_at)
    records["complaint_event"] = ComplaintEvent.objects.create(
        complaint=complaint, kind=ComplaintEvent.Kind.NOTE, note="已电话回复业主", created_at=next(at)
    )
    order = WorkOrder.objects.create(
        complaint=complaint, department="engineering", description="检修管道", due_at=NOW, issued_by=agent
    )
    WorkOrder.objects.filter(pk=order.pk).update(created_at=next(at))
    records["work_order"] = order
    records["return_visit"] = ReturnVisit.objects.create(
        complaint=complaint, attempt=1, reached=True, satisfaction=5, visited_by=agent, visited_at=next(at)
    )
    batch = HandoverBatch.objects.create(
        project=project,
        name="一期交付",
        starts_on=NOW.date(),
        ends_on=NOW.date(),
        site="大堂",
        lead=supervisor,
    )
    handover = Handover.objects.create(batch=batch, project=project, unit=owned_unit)
    slot = AppointmentSlot.objects.create(
        batch=batch, date=NOW.date(), starts_at=datetime.time(9), ends_at=datetime.time(10), capacity=2
    )
    appointment = Appointment.objects.create(slot=slot, handover=handover, customer=owner, channel="agent")
    Appointment.objects.filter(pk=appointment.pk).update(created_at=next(at))
    records["handover_appointment"] = appointment
    records["inspection"] = Inspection.objects.create(
        handover=handover, kind="pre_inspection", inspector=supervisor, started_at=next(at)
    )
    records["defect"] = Defect.objects.create(
        project=project,
        unit=owned_unit,
        handover=handover,
        trade="civil",
        severity="minor",
        description="墙面开裂",
        reported_by=supervisor,
        found_at=next(at),
    )
    invitation = InvitationFactory(customer=owner, project=project, created_at=next(at))
    records["survey_invitation"] = invitation
    invitation.completed_at = next(at)
    invitation.status = "completed"
    invitation.save()
    records["survey_answer"] = invitation
    member = MemberFactory(
        city_company=project.city_company, project=project, customer=owner, enrolled_at=next(at)
    )
    records["club_enrolment"] = member
    event = EventFactory(city_company=project.city_company)
    records["club_registration"] = Registration.objects.create(
        event=event, member=member, status="attended", registered_at=next(at)
    )
    records["club_points"] = PointsEntryFactory(member=member, points=50, created_at=next(at))
    referral = ReferralFactory(referrer=member, project=project, friend_name="李小红")
    type(referral).objects.filter(pk=referral.pk).update(created_at=next(at))
    records["club_referral"] = referral
    return records


@pytest.fixture
def long_history(owner, complaint):
    """`make(n)`: n more timeline entries for `owner` (the bench's builder, seeded)."""

    def make(events: int):
        return write_timeline_history(owner, events=events, rng=random.Random(16), now=NOW)

    return make
