"""The handover desk's webhook events (core.webhooks): defect created, defect fixed, handover signed."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.webhooks import register_webhook_event, webhook_emit

from .models import Defect, Handover

DEFECT_CREATED, DEFECT_FIXED, HANDOVER_SIGNED = "defect.created", "defect.fixed", "handover.signed"


def register() -> None:
    register_webhook_event(DEFECT_CREATED, _("Defect created"))
    register_webhook_event(DEFECT_FIXED, _("Defect fixed"))
    register_webhook_event(HANDOVER_SIGNED, _("Handover signed"))


def defect_data(defect: Defect) -> dict:
    return {
        "id": defect.pk,
        "number": defect.number,
        "project_id": defect.project_id,
        "unit_id": defect.unit_id,
        "room": defect.room,
        "trade": defect.trade,
        "severity": defect.severity,
        "status": defect.status,
        "contractor_id": defect.contractor_id,
        "after_handover": defect.after_handover,
        "found_at": defect.found_at,
        "due_at": defect.due_at,
        "fixed_at": defect.fixed_at,
    }


def defect_created(defect: Defect) -> None:
    webhook_emit(DEFECT_CREATED, key=f"{DEFECT_CREATED}:{defect.pk}", data=defect_data(defect))


def defect_fixed(defect: Defect) -> None:
    # Rework sends a fixed defect back: its next fix is a new event.
    webhook_emit(
        DEFECT_FIXED, key=f"{DEFECT_FIXED}:{defect.pk}:{defect.rework_count}", data=defect_data(defect)
    )


def on_handover_signed(sender, *, handover: Handover, contract=None, **kwargs) -> None:
    webhook_emit(
        HANDOVER_SIGNED,
        key=f"{HANDOVER_SIGNED}:{handover.pk}",
        data={
            "id": handover.pk,
            "project_id": handover.project_id,
            "unit_id": handover.unit_id,
            "batch_id": handover.batch_id,
            "contract_id": contract.pk if contract is not None else None,
            "signed_at": handover.signed_at,
        },
    )
