"""Defects on the audit trail (core.audit): what people record, correct and move along the
rectification path. The deadline sweep's columns (due, warned, escalation level, next check) are left
out: the sweep writes no entry and costs no query more per defect."""

from core.audit import register_audited_model

from .models import Defect

DEFECT_AUDITED_FIELDS = (
    "unit",
    "room",
    "location",
    "trade",
    "severity",
    "description",
    "contractor",
    "order",
    "status",
    "complaint",
    "rework_count",
    "verified_by",
)


def register() -> None:
    register_audited_model(Defect, fields=DEFECT_AUDITED_FIELDS)
