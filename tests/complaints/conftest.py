import importlib

import pytest
from django.apps import apps

from complaints.models import Category
from complaints.selectors import forget_reference_data
from complaints.services import complaint_create

_seed_migration = importlib.import_module("complaints.migrations.0002_seed_categories_and_policies")


@pytest.fixture(autouse=True)
def fresh_reference_data():
    """Categories, projects and staff are cached across requests (complaints.selectors); a test's
    rolled-back rows must not linger in the next test's choices."""
    forget_reference_data()
    yield
    forget_reference_data()


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
