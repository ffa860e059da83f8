"""A campaign's results for one user under the page's filters, in a fixed number of queries.

Only final answers count, and only those of invitations the user may see. The figures come from the
rollup of the answers by campaign × city company × project × segment × question (ResultTally, one
GROUP BY): a GROUP BY over the answers themselves takes seconds at 100,000 responses. Scope and
filters are WHERE clauses on the rollup's keys, as they would be on Answer's repeated columns:

  1. the previous campaign of the same template (any version), in the user's scope
  2. the questions of both versions
  3. invitations: invited / reached / completed, per campaign
  4. the tallies (surveys.models.ResultTally, kept by the submit transaction): score histograms →
     means, top-2-box, recommend score; option counts → shares; L3 respondents
  5. the follow-ups: open, overdue, closed

The arithmetic is surveys.stats; the previous campaign's questions are matched by L3 role, else by
code, and its dimensions by dimension.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q, Sum
from django.utils import timezone

from surveys import stats
from surveys.models import (
    Answer,
    Campaign,
    Dimension,
    FollowUp,
    Invitation,
    Question,
    QuestionKind,
    QuestionRole,
    ResultTally,
    localized,
)
from surveys.stats import Estimate

CHOICE_KINDS = (QuestionKind.SINGLE, QuestionKind.MULTIPLE)


@dataclass(frozen=True)
class ResultFilters:
    segment: str = ""
    city_company_id: int | None = None
    project_id: int | None = None
    dimension: str = ""

    def on_answers(self) -> Q:
        """The filters as a WHERE on Answer (or any model with the same repeated columns)."""
        condition = Q()
        if self.segment:
            condition &= Q(segment=self.segment)
        if self.city_company_id:
            condition &= Q(city_company_id=self.city_company_id)
        if self.project_id:
            condition &= Q(project_id=self.project_id)
        return condition


def scope_condition(user) -> Q:
    """What the user may see of rows carrying city_company_id and project_id (Invitation.visible_to's
    rule, on Answer's own columns: a city head sees their city's answers, even of a group campaign)."""
    if not user.is_active or not user.may_see_customers():
        return Q(pk__in=[])
    scope = user.scope
    if scope.is_unrestricted:
        return Q()
    return Q(project_id__in=scope.project_ids) | Q(city_company_id__in=scope.city_company_ids)


def final_answers(*, user, campaign_ids, filters: ResultFilters):
    return Answer.objects.filter(
        scope_condition(user), filters.on_answers(), campaign_id__in=list(campaign_ids), is_final=True
    ).order_by()


@dataclass
class OptionShare:
    value: str
    label: str
    share: Estimate


@dataclass
class QuestionResult:
    question: Question
    n: int = 0
    mean: Estimate | None = None
    top_box: Estimate | None = None  # 1–5: the top-2-box share
    recommend: Estimate | None = None  # 0–10: the recommend score
    histogram: dict[int, int] = field(default_factory=dict)
    options: list[OptionShare] = field(default_factory=list)
    previous: QuestionResult | None = None

    @property
    def text(self) -> str:
        return self.question.display_text

    @property
    def headline(self) -> Estimate | None:
        """The figure the table compares: top-2-box for 1–5, the recommend score for 0–10."""
        return self.top_box or self.recommend

    @property
    def change_mean(self) -> float | None:
        return stats.change(self.mean, self.previous.mean) if self.mean and self.previous else None

    @property
    def change_headline(self) -> float | None:
        if not (self.headline and self.previous and self.previous.headline):
            return None
        return stats.change(self.headline, self.previous.headline)


@dataclass
class DimensionResult:
    dimension: str
    label: str
    mean: Estimate
    top_box: Estimate
    previous: DimensionResult | None = None

    @property
    def change_top_box(self) -> float | None:
        return stats.change(self.top_box, self.previous.top_box) if self.previous else None

    @property
    def change_mean(self) -> float | None:
        return stats.change(self.mean, self.previous.mean) if self.previous else None


@dataclass
class Figures:
    """One campaign's figures under the filters (the current one, or the previous for comparison)."""

    invited: int = 0
    reached: int = 0
    completed: int = 0
    response_rate: Estimate = field(default_factory=lambda: Estimate(n=0))
    satisfaction: Estimate = field(default_factory=lambda: Estimate(n=0))
    recommend: Estimate = field(default_factory=lambda: Estimate(n=0, kind="score"))
    l3: Estimate = field(default_factory=lambda: Estimate(n=0))
    questions: list[QuestionResult] = field(default_factory=list)
    dimensions: list[DimensionResult] = field(default_factory=list)


@dataclass
class FollowUpCounts:
    open: int = 0
    overdue: int = 0
    closed: int = 0


@dataclass
class CampaignResults:
    campaign: Campaign
    filters: ResultFilters
    current: Figures
    previous_campaign: Campaign | None
    previous: Figures | None
    follow_ups: FollowUpCounts

    def change(self, name: str) -> float | None:
        if self.previous is None:
            return None
        return stats.change(getattr(self.current, name), getattr(self.previous, name))

    @property
    def changes(self) -> dict[str, float | None]:
        return {name: self.change(name) for name in ("response_rate", "satisfaction", "recommend", "l3")}


def previous_campaign(*, user, campaign: Campaign) -> Campaign | None:
    """The campaign of the same template created just before this one (any version), in scope."""
    return (
        Campaign.objects.visible_to(user)
        .filter(template_version__template_id=campaign.template_version.template_id)
        .filter(Q(created_at__lt=campaign.created_at) | Q(created_at=campaign.created_at, pk__lt=campaign.pk))
        .select_related("template_version")
        .order_by("-created_at", "-pk")
        .first()
    )


def campaign_results(*, user, campaign: Campaign, filters: ResultFilters | None = None) -> CampaignResults:
    """Everything the results page shows; `campaign` must come from Campaign.objects.visible_to(user)
    with its template_version selected."""
    filters = filters or ResultFilters()
    previous = previous_campaign(user=user, campaign=campaign)
    ids = [campaign.pk] + ([previous.pk] if previous else [])
    versions = {campaign.pk: campaign.template_version_id}
    if previous:
        versions[previous.pk] = previous.template_version_id
    questions_of: dict[int, list[Question]] = defaultdict(list)
    for question in Question.objects.filter(template_version_id__in=set(versions.values())).order_by(
        "position", "pk"
    ):
        questions_of[question.template_version_id].append(question)

    invitations = _invitation_counts(user=user, campaign_ids=ids, filters=filters)
    histograms, choices, l3 = _tallies(user=user, campaign_ids=ids, filters=filters)

    figures = {
        pk: _figures(
            questions=questions_of[versions[pk]],
            invitations=invitations.get(pk, (0, 0, 0)),
            histograms=histograms.get(pk, {}),
            choices=choices.get(pk, {}),
            l3=l3.get(pk, (0, 0)),
            filters=filters,
        )
        for pk in ids
    }
    current = figures[campaign.pk]
    previous_figures = figures.get(previous.pk) if previous else None
    if previous_figures:
        _match_previous(current, previous_figures)
    return CampaignResults(
        campaign=campaign,
        filters=filters,
        current=current,
        previous_campaign=previous,
        previous=previous_figures,
        follow_ups=follow_up_counts(user=user, campaign=campaign, filters=filters),
    )


def _invitation_counts(*, user, campaign_ids, filters) -> dict[int, tuple[int, int, int]]:
    rows = (
        Invitation.objects.visible_to(user)
        .filter(filters.on_answers(), campaign_id__in=campaign_ids)
        .order_by()
        .values("campaign_id")
        .annotate(
            invited=Count("pk"),
            # Reached: sent a link, or answered (a phone interview needs no link).
            reached=Count("pk", filter=Q(sent_at__isnull=False) | Q(completed_at__isnull=False)),
            completed=Count("pk", filter=Q(completed_at__isnull=False)),
        )
    )
    return {row["campaign_id"]: (row["invited"], row["reached"], row["completed"]) for row in rows}


def _tallies(*, user, campaign_ids, filters: ResultFilters):
    """One GROUP BY over the rollup (surveys.models.ResultTally), the answers' counts in the user's
    scope under the filters: campaign → question → {score: n}; campaign → question → {option: n, and
    "__answers__": n}; campaign → (L3 respondents, respondents who answered all three)."""
    scope = Q()
    if not user.is_active or not user.may_see_customers():
        scope = Q(pk__in=[])
    elif not user.scope.is_unrestricted:
        scope = Q(project_key__in=user.scope.project_ids) | Q(city_company_id__in=user.scope.city_company_ids)
    where = Q()
    if filters.segment:
        where &= Q(segment=filters.segment)
    if filters.city_company_id:
        where &= Q(city_company_id=filters.city_company_id)
    if filters.project_id:
        where &= Q(project_key=filters.project_id)
    histograms: dict = defaultdict(lambda: defaultdict(dict))
    choices: dict = defaultdict(lambda: defaultdict(lambda: defaultdict(int)))
    l3: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    rows = (
        ResultTally.objects.filter(scope, where, campaign_id__in=campaign_ids)
        .order_by()
        .values_list("campaign_id", "question_key", "measure")
        .annotate(total=Sum("n"))
    )
    for campaign_id, question_id, measure, total in rows:
        kind, _colon, value = measure.partition(":")
        if kind == "score":
            histograms[campaign_id][question_id][int(value)] = total
        elif kind == "choice":
            choices[campaign_id][question_id][value] += total
        elif kind == "answered":
            choices[campaign_id][question_id]["__answers__"] += total
        elif measure == "l3:loyal":
            l3[campaign_id][0] += total
        elif measure == "l3:all":
            l3[campaign_id][1] += total
    return histograms, choices, {pk: tuple(counts) for pk, counts in l3.items()}


def _figures(*, questions, invitations, histograms, choices, l3, filters: ResultFilters) -> Figures:
    invited, reached, completed = invitations
    figures = Figures(
        invited=invited,
        reached=reached,
        completed=completed,
        response_rate=stats.wilson(completed, reached),
        l3=stats.l3_share(*l3),
    )
    pooled: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    overall = None
    for question in questions:
        result = _question_result(question, histograms.get(question.pk, {}), choices.get(question.pk))
        if question.kind == QuestionKind.RATING_5:
            for score, n in result.histogram.items():
                pooled[question.dimension][score] += n
        if question.role == QuestionRole.OVERALL:
            overall = result
        if question.role == QuestionRole.RECOMMEND and result.recommend is not None:
            figures.recommend = result.recommend
        if not filters.dimension or question.dimension == filters.dimension:
            figures.questions.append(result)
    labels = dict(Dimension.choices)
    for dimension in Dimension.values:
        if dimension in pooled and (not filters.dimension or dimension == filters.dimension):
            figures.dimensions.append(
                DimensionResult(
                    dimension=dimension,
                    label=str(labels[dimension]),
                    mean=stats.histogram_mean(pooled[dimension]),
                    top_box=stats.top_2_box(pooled[dimension]),
                )
            )
    # Satisfaction: the overall question's top-2-box; under a dimension filter, that dimension's.
    if filters.dimension:
        chosen = figures.dimensions[0].top_box if figures.dimensions else Estimate(n=0)
    elif overall is not None and overall.top_box is not None:
        chosen = overall.top_box
    else:
        everything: dict[int, int] = defaultdict(int)
        for histogram in pooled.values():
            for score, n in histogram.items():
                everything[score] += n
        chosen = stats.top_2_box(everything)
    figures.satisfaction = chosen
    return figures


def _question_result(question: Question, histogram: dict[int, int], chosen) -> QuestionResult:
    result = QuestionResult(question=question, histogram=dict(sorted(histogram.items())))
    if question.kind in QuestionKind.numeric():
        result.n = sum(histogram.values())
        result.mean = stats.histogram_mean(histogram)
        if question.kind == QuestionKind.RATING_5:
            result.top_box = stats.top_2_box(histogram)
        else:
            result.recommend = stats.nps(histogram)
    elif question.kind in CHOICE_KINDS:
        chosen = chosen or {}
        result.n = chosen.get("__answers__", 0)
        for option in question.options or []:
            value = str(option.get("value", ""))
            label = localized(option.get("label", value), option.get("label_en", ""))
            result.options.append(OptionShare(value, label, stats.wilson(chosen.get(value, 0), result.n)))
    return result


def _match_previous(current: Figures, previous: Figures) -> None:
    """Each question against the previous campaign's question of the same L3 role (else the same code
    and kind); each dimension against the same dimension."""
    by_role = {r.question.role: r for r in previous.questions if r.question.role}
    by_code = {(r.question.code, r.question.kind): r for r in previous.questions}
    for result in current.questions:
        question = result.question
        if question.role:
            result.previous = by_role.get(question.role)
        else:
            result.previous = by_code.get((question.code, question.kind))
    by_dimension = {d.dimension: d for d in previous.dimensions}
    for dimension in current.dimensions:
        dimension.previous = by_dimension.get(dimension.dimension)


def follow_up_counts(*, user, campaign: Campaign, filters: ResultFilters, now=None) -> FollowUpCounts:
    """Open, overdue (open and past due) and closed follow-ups of the campaign, in scope: one query."""
    now = now or timezone.now()
    condition = Q(invitation__campaign_id=campaign.pk)
    if filters.segment:
        condition &= Q(invitation__segment=filters.segment)
    if filters.city_company_id:
        condition &= Q(city_company_id=filters.city_company_id)
    if filters.project_id:
        condition &= Q(project_id=filters.project_id)
    is_open = Q(status=FollowUp.Status.OPEN)
    counts = (
        FollowUp.objects.visible_to(user)
        .filter(condition)
        .aggregate(
            open=Count("pk", filter=is_open),
            overdue=Count("pk", filter=is_open & Q(due_at__lt=now)),
            closed=Count("pk", filter=~is_open),
        )
    )
    return FollowUpCounts(
        open=counts["open"] or 0, overdue=counts["overdue"] or 0, closed=counts["closed"] or 0
    )


def verbatims(*, user, campaign: Campaign, question: Question, filters: ResultFilters | None = None):
    """The free-text answers to one question, for keyset paging newest first (by id)."""
    filters = filters or ResultFilters()
    return (
        final_answers(user=user, campaign_ids=[campaign.pk], filters=filters)
        .filter(question=question)
        .exclude(text="")
        .select_related("invitation__customer")
        .only(
            "id",
            "text",
            "answered_at",
            "segment",
            "project_id",
            "city_company_id",
            "invitation__id",
            "invitation__mode",
            "invitation__customer__id",
            "invitation__customer__name",
        )
    )


def chart_data(results: CampaignResults) -> dict:
    """What static/surveys/results.js draws (passed with json_script): top-2-box by dimension, this
    campaign against the previous one, and the distribution of the recommend answers."""
    dimensions = results.current.dimensions

    def percent(estimate: Estimate | None) -> float | None:
        return None if estimate is None or estimate.value is None else round(100 * estimate.value, 1)

    recommend = next(
        (r for r in results.current.questions if r.question.role == QuestionRole.RECOMMEND), None
    )
    histogram = recommend.histogram if recommend else {}
    return {
        "dimensions": {
            "labels": [d.label for d in dimensions],
            "current": [percent(d.top_box) for d in dimensions],
            "previous": [percent(d.previous.top_box) if d.previous else None for d in dimensions],
        },
        "recommend": {
            "labels": [str(s) for s in range(11)],
            "counts": [histogram.get(s, 0) for s in range(11)],
        },
        "has_previous": results.previous is not None,
    }
