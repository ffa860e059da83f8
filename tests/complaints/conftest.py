import importlib

import pytest
from django.apps import apps

from complaints.models import Category
from complaints.services import complaint_create

_seed_migration = importlib.import_module("complaints.migrations.0002_seed_categories_and_policies")


@pytest.fixture
def seeded_categories(db):
    """The category tree and SLA policies the data migration seeds; a transactional test's flush
    removes them, so put them back when they are missing (the seed is idempotent)."""
    _seed_migration.seed(apps, None)


@pytest.fixture
def leak(seeded_categories):
    return Category.objects.get(code="leak")


@pytest.fixture
def make_complaint(agent, owner, owned_unit, leak):
    def make(**overrides):
        fields = dict(
            by=agent,
            customer=owner,
            unit=owned_unit,
            category=leak,
            complaint_type="complaint",
            channel="hotline",
            title="车库漏水",
            description="地下车库B2层持续漏水，车被淋湿",
        )
        fields.update(overrides)
        return complaint_create(**fields)

    return make
