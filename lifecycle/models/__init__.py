"""The 6+2 service steps as daily work: touchpoint plans and tasks, construction news, sales
commitments, red-line disclosures, risk checkpoints, the four-year appointment. One module per
concept; everything re-exported here."""

from .touchpoints import Channel, Step, Touchpoint, TouchpointAlert, TouchpointPlan, Trigger

__all__ = ["Channel", "Step", "Touchpoint", "TouchpointAlert", "TouchpointPlan", "Trigger"]
