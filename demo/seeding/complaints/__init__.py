"""The complaints part of `manage.py seed_demo`: a year of complaints in every status, and a live SLA demo.

Historical complaints are written with bulk_create, each row consistent with what the services
would have written (due times from the SLA policy, the clock pointed at the pending target,
warnings and escalations already fired recorded as SlaAlert rows, a timeline of events), so that
the first sweep of a fresh demo does not fire a year's worth of alerts at once. The live demo
complaint goes through complaint_create like any other.

- intake: one complaint and its story (steps, SLA clock, alerts due), built in memory;
- follow_up: the rows written from the stories (events, work orders, return visits, alerts);
- history: the year of them, the group case and the improvement items;
- sla_demo: the 3-minute policy and the complaint the worker escalates live.
"""

from .history import seed_complaints
from .sla_demo import SLA_DEMO_POLICY, seed_sla_demo

__all__ = ["SLA_DEMO_POLICY", "seed_complaints", "seed_sla_demo"]
