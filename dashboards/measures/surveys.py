"""The surveys' measures over the responses completed in the period: satisfaction (top-2-box of the
overall question), L3 loyalty and the recommend score (NPS), and satisfaction by segment × dimension.

The definitions are the survey results' (`surveys.stats`, `surveys.tallies`): top-2-box = a 1–5 answer of
4 or 5; promoters answer 9–10 and detractors 0–6 to the recommend question, the score being
(promoters − detractors) / answers × 100, kept here as that numerator and denominator so that it adds up
over projects; L3 = a respondent at the top of all three L3 questions among those who answered all three.
The results page reads a per-campaign rollup (ResultTally) that has no time; a dashboard counts by the
day a response was completed, so it reads the final answers of those responses: one grouped query per
response, summed per (period, project) in the same statement.
"""

from __future__ import annotations

from django.db import connections, router
from django.db.models import Case, Count, IntegerField, Max, Q, When
from django.utils.translation import gettext_lazy as _

from surveys.models import Answer, Dimension, Invitation, QuestionKind, QuestionRole, Segment
from surveys.stats import DETRACTOR_MAX, PROMOTER_MIN, TOP_2_BOX_5
from surveys.tallies import L3_ROLES

from .base import (
    Breakdown,
    BreakdownRow,
    Measure,
    Period,
    Ratio,
    Source,
    SourceResult,
    Unit,
    register_source,
)
from .sql import in_periods, period_bucket

SATISFACTION = Measure(
    key="surveys.satisfaction",
    label=_("Satisfaction (top-2-box)"),
    unit=Unit.PERCENT,
    better="higher",
    help_text=_(
        "Of the responses completed in the period that rated the overall satisfaction (1–5), the share "
        "answering 4 or 5."
    ),
)
L3 = Measure(
    key="surveys.l3",
    label=_("L3 loyalty"),
    unit=Unit.PERCENT,
    better="higher",
    help_text=_(
        "Of the responses completed in the period that answered the overall, repurchase and recommend "
        "questions, the share at the top of all three (5, 5 and 9–10)."
    ),
)
RECOMMEND = Measure(
    key="surveys.recommend",
    label=_("Recommend score (NPS)"),
    unit=Unit.RATE,
    scale=100,
    better="higher",
    help_text=_(
        "Promoters (9–10) minus detractors (0–6) per 100 answers to the recommend question, over the "
        "responses completed in the period."
    ),
)
MEASURES = [SATISFACTION, L3, RECOMMEND]


def _responses(project_ids, periods: list[Period]):
    """Per completed response with L3 answers: its bucket, project and its three scores (one row each)."""
    answers = Answer.objects.filter(
        in_periods("invitation__completed_at", periods),
        is_final=True,
        role__in=L3_ROLES,
        score__isnull=False,
        project__isnull=False,
    )
    if project_ids is not None:
        answers = answers.filter(project_id__in=project_ids)

    def score_of(role: str) -> Max:
        return Max(Case(When(role=role, then="score"), output_field=IntegerField()))

    return (
        answers.values("invitation_id")
        .annotate(
            bucket=Max(period_bucket("invitation__completed_at", periods)),
            project=Max("project_id"),
            overall=score_of(QuestionRole.OVERALL),
            repurchase=score_of(QuestionRole.REPURCHASE),
            recommend=score_of(QuestionRole.RECOMMEND),
        )
        .order_by()
    )


def compute(project_ids, periods: list[Period], fresh: bool) -> SourceResult:
    inner = _responses(project_ids, periods)
    sql, params = inner.query.sql_with_params()
    top = ", ".join(str(score) for score in TOP_2_BOX_5)
    statement = (
        "SELECT r.bucket, r.project, "
        "COUNT(r.overall), "
        f"SUM(CASE WHEN r.overall IN ({top}) THEN 1 ELSE 0 END), "
        "COUNT(r.recommend), "
        f"SUM(CASE WHEN r.recommend >= {PROMOTER_MIN} THEN 1 WHEN r.recommend <= {DETRACTOR_MAX} THEN -1 "
        "ELSE 0 END), "
        "SUM(CASE WHEN r.overall IS NOT NULL AND r.repurchase IS NOT NULL AND r.recommend IS NOT NULL "
        "THEN 1 ELSE 0 END), "
        f"SUM(CASE WHEN r.overall = 5 AND r.repurchase = 5 AND r.recommend >= {PROMOTER_MIN} THEN 1 ELSE 0 END) "
        f"FROM ({sql}) r WHERE r.bucket IS NOT NULL GROUP BY r.bucket, r.project"
    )
    with connections[router.db_for_read(Answer)].cursor() as cursor:
        cursor.execute(statement, params)
        rows = cursor.fetchall()
    satisfaction, l3, recommend = {}, {}, {}
    for bucket, project, rated, satisfied, recommenders, net, answered_three, loyal in rows:
        key = (bucket, project)
        if rated:
            satisfaction[key] = Ratio(satisfied, rated)
        if recommenders:
            recommend[key] = Ratio(net, recommenders)
        if answered_three:
            l3[key] = Ratio(loyal, answered_three)
    return {SATISFACTION.key: satisfaction, L3.key: l3, RECOMMEND.key: recommend}


def breakdowns(project_ids, period: Period, fresh: bool) -> list[Breakdown]:
    """Satisfaction (top-2-box, %) by segment × dimension over the 1–5 answers of the responses completed
    in the period: one grouped query."""
    answers = Answer.objects.filter(
        in_periods("invitation__completed_at", [period]),
        is_final=True,
        question__kind=QuestionKind.RATING_5,
        score__isnull=False,
    )
    if project_ids is not None:
        answers = answers.filter(project_id__in=project_ids)
    counts = (
        answers.values("segment", "dimension")
        .annotate(n=Count("pk"), top=Count("pk", filter=Q(score__in=TOP_2_BOX_5)))
        .order_by()
    )
    cells = {(row["segment"], row["dimension"]): (row["top"], row["n"]) for row in counts}
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
