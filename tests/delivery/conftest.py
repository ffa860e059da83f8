"""Fixtures shared by the delivery tests: a handover team, contractors, a batch with owned_unit in it."""

import datetime
import importlib

import pytest
from django.apps import apps
from django.utils import timezone

from accounts.models import Role
from delivery.models import AppointmentSlot, Handover, HandoverBatch
from tests.factories import ContractorFactory, UserFactory

_seed_migration = importlib.import_module("delivery.migrations.0002_seed_checklist_and_deadlines")


@pytest.fixture
def seeded_checklist(db):
    """The standard checklist and rectification deadlines of the data migration; a transactional
    test's flush removes them, so put them back when they are missing (the seed is idempotent)."""
    _seed_migration.seed(apps, None)


@pytest.fixture
def engineer(project):
    return UserFactory(username="engineer", role=Role.DELIVERY_ENGINEER, projects=[project])


@pytest.fixture
def contractor(project):
    return ContractorFactory(name="中建三局", trade="civil", projects=[project])


@pytest.fixture
def other_contractor(project):
    return ContractorFactory(name="华艺门窗", trade="doors_windows", projects=[project])


@pytest.fixture
def contractor_user(contractor, project):
    return UserFactory(username="contractor", role=Role.CONTRACTOR, contractor=contractor, projects=[project])


@pytest.fixture
def other_contractor_user(other_contractor, project):
    return UserFactory(
        username="othercontractor", role=Role.CONTRACTOR, contractor=other_contractor, projects=[project]
    )


@pytest.fixture
def batch(project, owned_unit, supervisor):
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
    return batch


@pytest.fixture
def handover(batch, owned_unit):
    return Handover.objects.create(batch=batch, project=batch.project, unit=owned_unit)


@pytest.fixture
def slot(batch):
    return AppointmentSlot.objects.create(
        batch=batch,
        date=batch.starts_on,
        starts_at=datetime.time(9, 0),
        ends_at=datetime.time(10, 0),
        capacity=2,
    )
