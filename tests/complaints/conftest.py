import pytest

from complaints.models import Category
from complaints.services import complaint_create


@pytest.fixture
def leak(db):
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
