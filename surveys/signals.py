"""Signals of surveys. `response_completed(invitation=…)` is sent by the submit service INSIDE the
submit transaction: receivers' writes commit or roll back with the answers (the results' tallies,
the closed loop's follow-ups)."""

from django.dispatch import Signal

response_completed = Signal()
