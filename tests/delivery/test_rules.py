"""The handover pages offer what the delivery services' tables allow, instead of restating the rules:
the defect page (rectification.allowed_actions), the batch pages (planning.batch_actions), the
handover page's sign-off (inspection.sign_off_refusal) and the owner's booking page."""

# ruff: noqa: F811 - the shared fixtures are imported from test_rectification_services by name
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from delivery.models import Defect, HandoverBatch
from delivery.services import inspection, planning, rectification
from delivery.services.planning import _common as planning_rules
from delivery.services.rectification import _common as rectification_rules
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


def defect_buttons(client, defect) -> set[str]:
    from delivery.views.rectification.defects import ACTIONS

    html = client.get(reverse("delivery:defect-detail", args=[defect.pk])).content.decode()
    return {slug for slug in ACTIONS if f'data-testid="action-{slug}"' in html}


@pytest.mark.parametrize(
    ("state", "allowed"),
    [
        ("open", {"issue", "photos", "correct", "cancel"}),
        ("issued", {"progress", "fixed", "photos", "cancel"}),
        ("fixed", {"verify", "reject", "photos", "cancel"}),
        ("verified", {"owner_accept", "owner_reject", "photos", "cancel"}),
        ("cancelled", set()),
    ],
)
def test_a_defects_allowed_actions_follow_its_status(
    make_defect, supervisor, engineer, contractor_user, state, allowed
):
    defect = make_defect()
    if state == "cancelled":
        rectification.defect_cancel(by=supervisor, defect=defect, reason="重复")
    if state in ("issued", "fixed", "verified"):
        rectification.rectification_orders_issue(by=engineer, defects=[defect])
    if state in ("fixed", "verified"):
        fixed(fresh(defect), contractor_user)
    if state == "verified":
        rectification.defect_verify(by=engineer, defect=fresh(defect))
    assert rectification.allowed_actions(fresh(defect), supervisor) == allowed


def test_every_allowed_defect_action_passes_the_services_state_check(make_defect, engineer):
    defect = make_defect()
    for action in rectification.allowed_actions(defect, engineer):
        assert rectification_rules.state_refusal(defect, action) is None
    assert "cancel" not in rectification.allowed_actions(defect, engineer)  # a supervisor's


def test_the_defect_page_reads_the_services_tables(client, engineer, make_defect, monkeypatch):
    defect = make_defect()
    client.force_login(engineer)
    assert {"issue", "correct"} <= defect_buttons(client, defect)
    monkeypatch.setitem(rectification_rules.TRANSITIONS, "issue", set())
    never = (lambda defect: False, "status", "never")
    monkeypatch.setitem(rectification_rules.STATE_RULES, "correct", (never,))
    shown = defect_buttons(client, defect)
    assert not {"issue", "correct"} & shown
    assert "photos" in shown


def test_a_defect_in_an_order_is_not_offered_for_correction_and_the_service_agrees(issued, engineer):
    assert "correct" not in rectification.allowed_actions(issued, engineer)
    with pytest.raises(ValidationError, match="Not possible while the defect is"):
        rectification.defect_correct(by=engineer, defect=issued, room="kitchen")


def test_a_linked_warranty_defect_is_not_offered_again_as_a_repair_request(agent, handover, make_defect):
    from delivery.models import Handover

    Handover.objects.filter(pk=handover.pk).update(status=Handover.Status.HANDED_OVER)
    defect = Defect.objects.get(pk=make_defect().pk)
    Defect.objects.filter(pk=defect.pk).update(after_handover=True)
    defect = fresh(defect)
    assert "to_complaint" in rectification.allowed_actions(defect, agent)
    complaint = rectification.defect_to_complaint(by=agent, defect=defect)
    assert "to_complaint" not in rectification.allowed_actions(fresh(defect), agent)
    assert rectification.defect_to_complaint(by=agent, defect=fresh(defect)) == complaint  # idempotent


@pytest.mark.parametrize(
    ("status", "actions"),
    [
        (HandoverBatch.Status.PLANNING, {"plan", "book", "open", "close"}),
        (HandoverBatch.Status.OPEN, {"plan", "book", "check_in", "close"}),
        (HandoverBatch.Status.CLOSED, set()),
    ],
)
def test_a_batchs_actions_follow_its_status(batch, supervisor, agent, status, actions):
    batch.status = status
    assert planning.batch_actions(batch, supervisor) == actions
    assert planning.batch_actions(batch, agent) == actions & {"book", "check_in"}


def test_the_batch_page_reads_the_services_table(client, supervisor, batch, monkeypatch):
    client.force_login(supervisor)
    url = reverse("delivery:batch-detail", args=[batch.pk])
    assert client.get(url).context["may_open"]
    monkeypatch.setitem(planning_rules.BATCH_TRANSITIONS, "open", set())
    monkeypatch.setitem(planning_rules.BATCH_TRANSITIONS, "book", set())
    context = client.get(url).context
    assert not context["may_open"] and not context["may_book"]
    assert context["may_plan"]


def test_the_owners_booking_page_reads_the_services_rules(client, handover, monkeypatch):
    url = reverse("delivery:owner-book", args=[handover.booking_token])
    assert client.get(url).context["may_change"]
    monkeypatch.setattr(planning, "handover_bookable", lambda handover: False)
    assert not client.get(url).context["may_change"]


def test_the_handover_page_offers_the_sign_off_as_the_service_allows(client, engineer, handover, monkeypatch):
    client.force_login(engineer)
    url = reverse("delivery:handover-detail", args=[handover.pk])
    assert client.get(url).context["may_sign"]
    refusal = inspection.sign_off_refusal(handover, inspection_running=True)
    monkeypatch.setattr(inspection, "sign_off_refusal", lambda handover, inspection_running: refusal)
    assert not client.get(url).context["may_sign"]
