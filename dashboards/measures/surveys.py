"""The surveys' measures over the responses completed in the period: satisfaction (top-2-box of the
overall question), L3 loyalty and the recommend score (NPS), and satisfaction by segment × dimension.

The definitions are the survey results' (`surveys.stats`, `surveys.tallies`): top-2-box = a 1–5 answer of
4 or 5; promoters answer 9–10 and detractors 0–6 to the recommend question, the score being
(promoters − detractors) / answers × 100, kept here as that numerator and denominator so that it adds up
over projects; L3 = a respondent at the top of all three L3 questions among those who answered all three.
The results page reads a per-campaign rollup (ResultTally) that has no time; a dashboard counts by the
day a response was completed, so it reads the day tallies (surveys.models.DayTally: per day, project and
segment, written in the submit transaction with the answers, so exact by construction: "live", and the
same rows whether counted anew or not): one grouped query for the figures, one for the breakdown, over
a few rows per project and day instead of the answers (1.6 M at the bench).
"""

from __future__ import annotations

from django.db.models import Sum
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from surveys.day_tallies import DIMENSION_COLUMNS
from surveys.models import DayTally, Dimension, Invitation, Segment

from .base import (
    Breakdown,
    BreakdownRow,
    DashboardScope,
    Measure,
    Period,
    Ratio,
    Source,
    SourceResult,
    Unit,
    register_source,
)
from .sql import in_periods, period_bucket


def _responses_drill(answered: str):
    """The responses list of the period and scope that answered the figure's question(s): its
    denominator (the list's score filters give the numerator)."""

    def drill_url(scope: DashboardScope, period: Period) -> str:
        query = {
            **scope.query(),
            "completed_from": period.start.isoformat(),
            "completed_to": period.last_day.isoformat(),
            "answered": answered,
        }
        return reverse("surveys:responses") + "?" + urlencode(query)

    return drill_url


SATISFACTION = Measure(
    key="surveys.satisfaction",
    label=_("Satisfaction (top-2-box)"),
    unit=Unit.PERCENT,
    better="higher",
    help_text=_(
        "Of the responses completed in the period that rated the overall satisfaction (1–5), the share "
        "answering 4 or 5. The list behind it holds those responses (the denominator); its satisfied "
        "filter shows the numerator."
    ),
    drill_url=_responses_drill("overall"),
)
L3 = Measure(
    key="surveys.l3",
    label=_("L3 loyalty"),
    unit=Unit.PERCENT,
    better="higher",
    help_text=_(
        "Of the responses completed in the period that answered the overall, repurchase and recommend "
        "questions, the share at the top of all three (5, 5 and 9–10). The list behind it holds those "
        "responses (the denominator); its L3 filter shows the numerator."
    ),
    drill_url=_responses_drill("three"),
)
RECOMMEND = Measure(
    key="surveys.recommend",
    label=_("Recommend score (NPS)"),
    unit=Unit.RATE,
    scale=100,
    better="higher",
    help_text=_(
        "Promoters (9–10) minus detractors (0–6) per 100 answers to the recommend question, over the "
        "responses completed in the period. The list behind it holds those answers (the denominator); "
        "its recommend filter splits them into promoters, passives and detractors."
    ),
    drill_url=_responses_drill("recommend"),
)
MEASURES = [SATISFACTION, L3, RECOMMEND]


def _tallies(project_ids, periods: list[Period]):
    tallies = DayTally.objects.filter(in_periods("day", periods, dates=True))
    if project_ids is not None:
        tallies = tallies.filter(project_key__in=project_ids)
    return tallies


def compute(project_ids, periods: list[Period], fresh: bool) -> SourceResult:
    """`fresh` changes nothing: the day tallies are written with the answers (see the module's doc)."""
    rows = (
        _tallies(project_ids, periods)
        .exclude(project_key=0)
        .annotate(bucket=period_bucket("day", periods, dates=True))
        .values_list("bucket", "project_key")
        .annotate(
            Sum("overall_rated"),
            Sum("overall_top"),
            Sum("recommend_rated"),
            Sum("promoters"),
            Sum("detractors"),
            Sum("l3_rated"),
            Sum("l3_loyal"),
        )
        .order_by()
    )
    satisfaction, l3, recommend = {}, {}, {}
    for bucket, project, rated, satisfied, recommenders, promoters, detractors, answered_three, loyal in rows:
        if bucket is None:
            continue
        key = (bucket, project)
        if rated:
            satisfaction[key] = Ratio(satisfied, rated)
        if recommenders:
            recommend[key] = Ratio(promoters - detractors, recommenders)
        if answered_three:
            l3[key] = Ratio(loyal, answered_three)
    return {SATISFACTION.key: satisfaction, L3.key: l3, RECOMMEND.key: recommend}


def breakdowns(project_ids, period: Period, fresh: bool) -> list[Breakdown]:
    """Satisfaction (top-2-box, %) by segment × dimension over the 1–5 answers of the responses completed
    in the period: one grouped query over the day tallies."""
    sums = {}
    for dimension, (rated, top) in DIMENSION_COLUMNS.items():
        sums[f"n_{dimension}"] = Sum(rated)
        sums[f"top_{dimension}"] = Sum(top)
    cells = {}
    for row in _tallies(project_ids, [period]).values("segment").annotate(**sums).order_by():
        for dimension in DIMENSION_COLUMNS:
            if row[f"n_{dimension}"]:
                cells[(row["segment"], dimension)] = (row[f"top_{dimension}"], row[f"n_{dimension}"])
    dimensions = [value for value in Dimension.values if any(d == value for _s, d in cells)]
    segments = [value for value in ["", *Segment.values] if any(s == value for s, _d in cells)]
    segment_labels = {**dict(Segment.choices), "": _("No segment")}
    dimension_labels = dict(Dimension.choices)

    def share(segment: str, dimension: str) -> float | None:
        top, n = cells.get((segment, dimension), (0, 0))
        return round(100 * top / n, 1) if n else None

    return [
        Breakdown(
            key="surveys.satisfaction_by_segment",
            title=str(_("Satisfaction (top-2-box, %) by segment and dimension")),
            columns=(str(_("Segment")), *(str(dimension_labels[d]) for d in dimensions)),
            rows=tuple(
                BreakdownRow(
                    label=str(segment_labels[segment]), values=tuple(share(segment, d) for d in dimensions)
                )
                for segment in segments
            ),
        )
    ]


def is_recording() -> bool:
    """Nothing to show before the first survey response is completed."""
    return Invitation.objects.filter(completed_at__isnull=False).exists()


def register() -> None:
    register_source(
        Source(
            key="surveys",
            panel_label=_("Satisfaction surveys"),
            order=40,
            measures=MEASURES,
            compute=compute,
            is_recording=is_recording,
            breakdowns=breakdowns,
        )
    )
