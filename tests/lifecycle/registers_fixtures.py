"""Fixtures of the registers' tests (commitments, red line, risk, renovation): a handover batch of
四季花城 holding owned_unit, a delivery engineer, a read-only manager. Imported by the test modules."""

import datetime

import pytest
from django.utils import timezone

from accounts.models import Role
from delivery.models import Handover, HandoverBatch, ReadinessItem
from tests.factories import UserFactory


@pytest.fixture
def engineer(project):
    return UserFactory(username="engineer", role=Role.DELIVERY_ENGINEER, projects=[project])


@pytest.fixture
def contract(owned_unit):
    return owned_unit.contracts.get()


@pytest.fixture
def batch(project, owned_unit, supervisor):
    """A batch in planning with owned_unit in it and its readiness settled: only the registered
    checks can stop it from opening."""
    today = timezone.localdate()
    batch = HandoverBatch.objects.create(
        project=project,
        name="四季花城一期3栋交付",
        starts_on=today + datetime.timedelta(days=7),
        ends_on=today + datetime.timedelta(days=9),
        site="3栋大堂交付中心",
        lead=supervisor,
    )
    batch.buildings.add(owned_unit.building)
    Handover.objects.create(batch=batch, project=project, unit=owned_unit)
    ReadinessItem.objects.create(
        batch=batch, kind=ReadinessItem.Kind.RISK_SWEEP, title="扫楼排雷", status=ReadinessItem.Status.DONE
    )
    return batch
