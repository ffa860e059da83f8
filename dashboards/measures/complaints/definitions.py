"""The complaint desk's measures: what each figure means (its help text is its definition) and the
filtered list of the records behind it (its drill-down), whose row count is the figure's numerator
unless the help text says otherwise."""

from __future__ import annotations

from collections.abc import Callable

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from ..base import DashboardScope, Measure, Period, Unit


def board_url(scope: DashboardScope, **params) -> str:
    """The SLA board (complaints:board) filtered to the scope and `params` (complaints.forms.board)."""
    return reverse("complaints:board") + "?" + urlencode({**scope.query(), **params})


def period_params(prefix: str, period: Period) -> dict[str, str]:
    return {f"{prefix}_from": period.start.isoformat(), f"{prefix}_to": period.last_day.isoformat()}


def _board(prefix: str, **fixed) -> Callable[[DashboardScope, Period], str]:
    def drill(scope: DashboardScope, period: Period) -> str:
        return board_url(scope, status="all", **fixed, **period_params(prefix, period))

    return drill


def _now(**fixed) -> Callable[[DashboardScope, Period], str]:
    def drill(scope: DashboardScope, period: Period) -> str:
        return board_url(scope, **fixed)

    return drill


def _group_cases(scope: DashboardScope, period: Period) -> str:
    query = {**scope.query(), **period_params("opened", period)}
    return reverse("complaints:group-cases") + "?" + urlencode(query)


def _improvements(**fixed) -> Callable[[DashboardScope, Period], str]:
    def drill(scope: DashboardScope, period: Period) -> str:
        query = {**scope.query(), **fixed, "in_projects": "1"}
        if fixed.get("status") == "done":
            query.update(period_params("done", period))
        return reverse("complaints:improvements") + "?" + urlencode(query)

    return drill


RECEIVED = Measure(
    key="complaints.received",
    label=_("Complaints received"),
    unit=Unit.COUNT,
    decimals=0,
    better=None,
    help_text=_(
        "Every record of the complaint desk (complaints, repair requests, enquiries, suggestions, praise) "
        "received in the period, by its time of receipt."
    ),
    drill_url=_board("received"),
)

FIRST_RESPONSE = Measure(
    key="complaints.first_response_compliance",
    label=_("24-hour first response"),
    unit=Unit.PERCENT,
    help_text=_(
        "Of the complaints whose first response fell due in the period, the share answered by the due "
        "time. The due time is the one the desk set (24 hours by default, moved by the time the clock "
        "was paused); a complaint not answered yet counts once its due time has passed, except while its "
        "clock is paused before the due time. The list shows every complaint counted (the denominator)."
    ),
    drill_url=_board("due", first_response="due"),
)

FIRST_RESPONSE_LATE = Measure(
    key="complaints.first_response_late",
    label=_("Late first responses"),
    unit=Unit.COUNT,
    decimals=0,
    better="lower",
    help_text=_(
        "Complaints whose first response fell due in the period and was not made by the due time "
        "(answered late, or not answered and overdue)."
    ),
    drill_url=_board("due", first_response="late"),
)

RESOLUTION_RATE = Measure(
    key="complaints.resolution_rate",
    label=_("Resolution rate"),
    unit=Unit.PERCENT,
    help_text=_(
        "Of the complaints received in the period, the share resolved by now (a reopened complaint is "
        "not resolved until it is resolved again). The list shows the resolved ones (the numerator)."
    ),
    drill_url=_board("received", resolved="1"),
)

RESOLUTION_TIME = Measure(
    key="complaints.resolution_hours",
    label=_("Mean resolution time"),
    unit=Unit.AVERAGE,
    suffix="h",
    better="lower",
    help_text=_(
        "Hours from receipt to resolution, averaged over the complaints resolved in the period (a "
        "reopened complaint counts when resolved again, from its first receipt). The median and the 90th "
        "percentile are in the table “Resolution time” below: they do not add up over projects, so they "
        "are counted over the records each time. The list shows the complaints resolved (the denominator)."
    ),
    drill_url=_board("resolved"),
)

PER_THOUSAND_UNITS = Measure(
    key="complaints.per_1000_units",
    label=_("Complaints per 1,000 delivered units"),
    unit=Unit.RATE,
    scale=1000,
    decimals=1,
    better="lower",
    help_text=_(
        "Complaints received in the period per 1,000 units handed over by the period's end (units with an "
        "active sales contract and an actual handover date). The list shows the complaints (the numerator)."
    ),
    drill_url=_board("received"),
)

REPEAT = Measure(
    key="complaints.repeat_share",
    label=_("Repeat complaints"),
    unit=Unit.PERCENT,
    better="lower",
    help_text=_(
        "Of the complaints received in the period, the share about a unit and category that had another "
        "complaint in the 90 days before. The list shows the repeat complaints (the numerator)."
    ),
    drill_url=_board("received", repeat="1"),
)

GROUP_CASES = Measure(
    key="complaints.group_cases",
    label=_("Group cases opened"),
    unit=Unit.COUNT,
    decimals=0,
    better="lower",
    help_text=_(
        "Group cases (群诉: several owners' complaints with one cause, handled together) opened in the period."
    ),
    drill_url=_group_cases,
)

IMPROVEMENTS_DONE = Measure(
    key="complaints.improvements_done",
    label=_("Improvement items done"),
    unit=Unit.COUNT,
    decimals=0,
    better="higher",
    help_text=_("Improvement items (缺陷反馈) of the scope's projects marked done in the period."),
    drill_url=_improvements(status="done"),
)

FLOW_MEASURES = [
    RECEIVED,
    FIRST_RESPONSE,
    FIRST_RESPONSE_LATE,
    RESOLUTION_RATE,
    RESOLUTION_TIME,
    PER_THOUSAND_UNITS,
    REPEAT,
    GROUP_CASES,
    IMPROVEMENTS_DONE,
]

# --- the desk now (snapshot measures) ---------------------------------------------------------------

OPEN = Measure(
    key="complaints.open",
    label=_("Open now"),
    unit=Unit.COUNT,
    decimals=0,
    better=None,
    snapshot=True,
    help_text=_("Complaints open now (received, not closed), whatever the period."),
    drill_url=_now(status="open"),
)

BREACHED = Measure(
    key="complaints.breached",
    label=_("Breached now"),
    unit=Unit.COUNT,
    decimals=0,
    better="lower",
    snapshot=True,
    help_text=_(
        "Open complaints whose current SLA target (first response, plan or resolution) is past its due "
        "time now, with the clock running (a paused clock is not breached)."
    ),
    drill_url=_now(status="open", sla="breached"),
)


ESCALATION_LABELS = {
    1: _("Escalated to level 1 now"),
    2: _("Escalated to level 2 now"),
    3: _("Escalated to level 3 now"),
}


def _escalated(level: int) -> Measure:
    return Measure(
        key=f"complaints.escalated_{level}",
        label=ESCALATION_LABELS[level],
        unit=Unit.COUNT,
        decimals=0,
        better="lower",
        snapshot=True,
        help_text=_(
            "Open complaints whose current SLA target has escalated to this level (1: the project's "
            "supervisors, 2: the city company's customer-service managers, 3: the city company's heads)."
        ),
        drill_url=_now(status="open", escalation_level=str(level)),
    )


ESCALATED = [_escalated(level) for level in (1, 2, 3)]

IMPROVEMENTS_OPEN = Measure(
    key="complaints.improvements_open",
    label=_("Improvement items open"),
    unit=Unit.COUNT,
    decimals=0,
    better="lower",
    snapshot=True,
    help_text=_("Improvement items of the scope's projects not done yet (open or in progress), now."),
    drill_url=_improvements(status="not_done"),
)

NOW_MEASURES = [OPEN, BREACHED, *ESCALATED, IMPROVEMENTS_OPEN]
