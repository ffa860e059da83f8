"""The handover desk's webhook events: a defect recorded, a defect fixed (again after rework), a
handover signed — each once, to the endpoints that want it."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core.models import WebhookDelivery, WebhookEndpoint
from delivery.services import rectification as services
from delivery.services.defects import defect_record
from delivery.services.inspection import handover_sign_off
from tests.factories import image_bytes
from tests.surveys.test_transactional import _png

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def property_system():
    return WebhookEndpoint.objects.create(
        name="物业系统",
        url="https://pms.example.com/hooks",
        events=["defect.created", "defect.fixed", "handover.signed"],
    )


def photo():
    return SimpleUploadedFile("fixed.jpg", image_bytes(), content_type="image/jpeg")


def test_a_defect_recorded_and_fixed_twice_makes_three_events(
    property_system, seeded_checklist, agent, owned_unit, contractor, handover, engineer, contractor_user
):
    defect = defect_record(
        by=agent,
        unit=owned_unit,
        room="living",
        trade="painting",
        severity="normal",
        description="客厅墙面开裂",
        contractor=contractor,
    )
    services.rectification_orders_issue(by=engineer, defects=[defect])
    services.defect_mark_fixed(by=contractor_user, defect=defect, photos=[photo()])
    defect.refresh_from_db()
    services.defect_reject(by=engineer, defect=defect, reason="颜色不一致")
    defect.refresh_from_db()
    services.defect_mark_fixed(by=contractor_user, defect=defect, photos=[photo()])
    keys = list(WebhookDelivery.objects.order_by("id").values_list("event_key", flat=True))
    assert keys == [
        f"defect.created:{defect.pk}",
        f"defect.fixed:{defect.pk}:0",
        f"defect.fixed:{defect.pk}:1",
    ]
    fixed = WebhookDelivery.objects.filter(event="defect.fixed").last().payload["data"]
    assert fixed["status"] == "fixed" and fixed["unit_id"] == owned_unit.pk and fixed["fixed_at"]


def test_a_signed_handover_is_one_event(property_system, supervisor, handover):
    handover_sign_off(
        by=supervisor,
        handover=handover,
        documents_handed=["quality_guarantee", "user_manual"],
        water_meter=1,
        electricity_meter=1,
        gas_meter=None,
        keys_handed=2,
        signature=_png(),
        signed_by_name="张伟",
    )
    delivery = WebhookDelivery.objects.get(event="handover.signed")
    assert delivery.payload["data"]["id"] == handover.pk and delivery.payload["data"]["signed_at"]
    assert "张伟" not in str(delivery.payload)
