"""Every handover form that changes a versioned row (a defect, a batch, a readiness item, an appointment,
a unit's handover) refuses a post without `version`, as the API answers 428: a clear message, and
nothing saved (no last-writer-wins)."""

# ruff: noqa: F811 - the shared fixtures are imported from test_rectification_services by name
import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from delivery.models import Appointment, Defect, Handover, HandoverBatch, ReadinessItem
from delivery.services import planning, rectification
from tests.delivery.test_inspection_views import sign_off_form
from tests.delivery.test_rectification_services import (  # noqa: F401 - fixtures
    _media,
    fixed,
    fresh,
    issued,
    make_defect,
    photo,
    verified,
)

pytestmark = pytest.mark.django_db
MISSING = "Reload the page and try again."


def _messages(response) -> str:
    return " ".join(str(message) for message in get_messages(response.wsgi_request))


# --- defects -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "state", "data"),
    [
        ("progress", "issued", {"note": "已开工"}),
        ("fixed", "issued", {"note": "修好了", "photos": "photo"}),
        ("verify", "fixed", {"note": "已复核"}),
        ("reject", "fixed", {"reason": "仍渗水"}),
        ("owner-accept", "verified", {"note": "满意"}),
        ("owner-reject", "verified", {"reason": "不满意"}),
        ("photos", "open", {"stage": "found", "photos": "photo"}),
        (
            "correct",
            "open",
            {"room": "kitchen", "trade": "waterproofing", "severity": "normal", "description": "x"},
        ),
        ("cancel", "open", {"reason": "重复登记"}),
    ],
)
def test_a_defect_action_without_its_version_is_refused(
    client, engineer, supervisor, contractor_user, make_defect, action, state, data
):
    defect = make_defect()
    if state != "open":
        rectification.rectification_orders_issue(by=engineer, defects=[defect])
    if state in ("fixed", "verified"):
        fixed(fresh(defect), contractor_user)
    if state == "verified":
        rectification.defect_verify(by=engineer, defect=fresh(defect))
    before = fresh(defect)
    data = {name: photo() if value == "photo" else value for name, value in data.items()}
    client.force_login(supervisor if action == "cancel" else engineer)
    response = client.post(reverse("delivery:defect-action", args=[defect.pk, action]), data)
    assert response.status_code == 400
    assert MISSING in response.content.decode()
    after = fresh(defect)
    assert (after.version, after.status, after.room, after.photos.count()) == (
        before.version,
        before.status,
        before.room,
        before.photos.count(),
    )


@pytest.mark.parametrize(
    ("decision", "data"), [("accept", {"note": "满意"}), ("reject", {"reason": "不满意"})]
)
def test_a_reinspection_decision_without_its_version_is_refused(
    client, agent, engineer, contractor_user, issued, handover, decision, data
):
    verified(issued, contractor_user, engineer)
    client.force_login(agent)
    url = reverse("delivery:reinspection-decide", args=[handover.pk, issued.pk, decision])
    response = client.post(url, data)
    assert response.status_code == 400
    assert MISSING in response.content.decode()
    assert fresh(issued).status == Defect.Status.VERIFIED


# --- planning --------------------------------------------------------------------------------------------


def test_editing_a_batch_without_its_version_is_refused(client, supervisor, batch):
    client.force_login(supervisor)
    data = {
        "name": "改过的名字",
        "buildings": [b.pk for b in batch.buildings.all()],
        "starts_on": batch.starts_on.isoformat(),
        "ends_on": batch.ends_on.isoformat(),
        "site": batch.site,
    }
    response = client.post(reverse("delivery:batch-edit", args=[batch.pk]), data)
    assert response.status_code == 400
    assert MISSING in response.content.decode()
    assert HandoverBatch.objects.get(pk=batch.pk).name == batch.name
    response = client.post(
        reverse("delivery:batch-edit", args=[batch.pk]), {**data, "version": batch.version}
    )
    assert response.status_code == 302


@pytest.mark.parametrize("action", ["batch-open", "batch-close"])
def test_opening_or_closing_a_batch_without_its_version_is_refused(client, supervisor, batch, action):
    ReadinessItem.objects.filter(batch=batch).delete()
    client.force_login(supervisor)
    response = client.post(reverse(f"delivery:{action}", args=[batch.pk]))
    assert response.status_code == 302
    assert MISSING in _messages(response)
    after = HandoverBatch.objects.get(pk=batch.pk)
    assert (after.status, after.version) == (batch.status, batch.version)


def test_a_readiness_item_change_without_its_version_is_refused(client, supervisor, batch):
    item = ReadinessItem.objects.create(batch=batch, kind="keys", title="钥匙")
    client.force_login(supervisor)
    response = client.post(reverse("delivery:readiness-update", args=[batch.pk, item.pk]), {"status": "done"})
    assert response.status_code == 400
    assert MISSING in response.content.decode()
    assert ReadinessItem.objects.get(pk=item.pk).status == item.status


@pytest.mark.parametrize(
    ("action", "data"),
    [("cancel", {"reason": "业主改期"}), ("no-show", {}), ("reschedule", {"slot": "other"})],
)
def test_an_appointment_action_without_its_version_is_refused(
    client, agent, batch, handover, slot, action, data
):
    appointment = planning.appointment_book(by=agent, handover=handover, slot=slot)
    if data.get("slot") == "other":
        other = planning.slot_create(
            by=batch.lead,
            batch=batch,
            date=slot.date,
            starts_at=slot.ends_at,
            ends_at=slot.ends_at.replace(hour=11),
            capacity=2,
        )
        data = {"slot": other.pk}
    client.force_login(agent)
    response = client.post(
        reverse("delivery:appointment-action", args=[appointment.pk, action]), data, follow=True
    )
    assert MISSING in _messages(response)
    after = Appointment.objects.get(pk=appointment.pk)
    assert (after.status, after.version) == (Appointment.Status.BOOKED, appointment.version)
    assert Appointment.objects.count() == 1


# --- sign-off ---------------------------------------------------------------------------------------------


def test_signing_off_without_the_version_is_refused(client, engineer, handover):
    client.force_login(engineer)
    response = client.post(
        reverse("delivery:sign-off", args=[handover.pk]), sign_off_form(handover, version=None)
    )
    assert response.status_code == 400
    assert MISSING in response.content.decode()
    assert Handover.objects.get(pk=handover.pk).status != Handover.Status.HANDED_OVER
