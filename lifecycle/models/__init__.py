"""The 6+2 service steps as daily work: touchpoint plans and tasks, construction news, sales
commitments, red-line disclosures, risk checkpoints, the four-year appointment. One module per
concept; everything re-exported here."""

from .commitments import Commitment, CommitmentAlert
from .news import ConstructionNews, NewsDelivery, NewsPhoto
from .red_line import Acknowledgement, Disclosure, RedLineItem, RedLinePhoto
from .renovation import RenovationItem, RepresentativeLink
from .risk import RiskAction, RiskCheckpoint
from .touchpoints import Channel, Step, Touchpoint, TouchpointAlert, TouchpointPlan, Trigger

__all__ = [
    "Acknowledgement",
    "Channel",
    "Commitment",
    "CommitmentAlert",
    "ConstructionNews",
    "Disclosure",
    "NewsDelivery",
    "NewsPhoto",
    "RedLineItem",
    "RedLinePhoto",
    "RenovationItem",
    "RepresentativeLink",
    "RiskAction",
    "RiskCheckpoint",
    "Step",
    "Touchpoint",
    "TouchpointAlert",
    "TouchpointPlan",
    "Trigger",
]
