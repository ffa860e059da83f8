"""Complaints for the metrics API's and the replica's tests, made the desk's way (complaint_create)."""

import datetime
import importlib

from django.apps import apps

from complaints.models import Category, Complaint
from complaints.services import complaint_create

_seed_migration = importlib.import_module("complaints.migrations.0002_seed_categories_and_policies")


def make_complaint(unit, received_at: datetime.datetime) -> Complaint:
    """A hotline complaint about a leak in `unit`, received at `received_at`, from its owner if it has one."""
    _seed_migration.seed(apps, None)  # a transactional test's flush removes the seeded categories
    owner = unit.household.filter(role="owner").first()
    return complaint_create(
        by=None,
        customer=owner.customer if owner else None,
        reporter_name="" if owner else "业主",
        unit=unit,
        category=Category.objects.get(code="leak"),
        complaint_type="complaint",
        channel="hotline",
        title="车库漏水",
        description="地下车库B2层持续漏水",
        received_at=received_at,
    )
