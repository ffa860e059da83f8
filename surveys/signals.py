"""Surveys' signals, and its receivers of the desks' events (connected in SurveysConfig.ready()).

`response_completed` is sent by the submit service INSIDE the submit transaction with `invitation=`.
"""

from __future__ import annotations

from django.dispatch import Signal

from .services.transactional import complaint_survey_schedule, handover_survey_schedule

response_completed = Signal()


def on_complaint_closed(sender, *, complaint, **kwargs) -> None:
    """complaints.signals.complaint_closed: schedule the after-complaint survey (once per complaint)."""
    complaint_survey_schedule(complaint)


def on_handover_signed(sender, *, handover, contract=None, **kwargs) -> None:
    """delivery.signals.handover_signed: schedule the after-handover survey (once per handover)."""
    handover_survey_schedule(handover, contract)
