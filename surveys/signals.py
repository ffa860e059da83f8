"""The surveys app's own signals (receivers are connected in SurveysConfig.ready())."""

from __future__ import annotations

import django.dispatch

# Sent by the submit service INSIDE its transaction, with `invitation=`: the owner's answers are final.
response_completed = django.dispatch.Signal()
