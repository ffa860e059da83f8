"""The list of survey responses across campaigns: the records behind the dashboards' satisfaction,
L3 loyalty and recommend score.

A response is a completed invitation with a project (the figures count by project). Each row carries
its three L3 scores (`overall`, `repurchase`, `recommend`: the highest final answer of that role, as the
figures read them), and the score classes filter on those with the figures' own definitions
(`surveys.stats`): top-2-box, L3 loyal, promoter / passive / detractor. The recommend score is the
invitation's own column (written by the submit), so that a class of it is one partial index read
(`models.NPS_CLASSES`) rather than a subquery per response.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import F, IntegerField, OuterRef, Q, QuerySet, Subquery

from core.localdays import on_days

from ..models import NPS_CLASSES, Answer, Invitation, QuestionRole
from ..stats import PROMOTER_MIN, TOP_2_BOX_5

# Which questions a response answered: the figures' denominators.
ANSWERED = ("overall", "three", "recommend")
_ROLES = {"overall": QuestionRole.OVERALL, "repurchase": QuestionRole.REPURCHASE}


@dataclass(frozen=True)
class ResponseFilters:
    completed_from: datetime.date | None = None
    completed_to: datetime.date | None = None
    city_id: int | None = None
    project_id: int | None = None
    segment: str = ""
    campaign_id: int | None = None
    answered: str = ""  # one of ANSWERED
    top2: bool | None = None  # the overall satisfaction in the top two boxes (4–5) or not
    l3: bool | None = None  # at the top of all three, or not (of those who answered all three)
    nps: str = ""  # a key of models.NPS_CLASSES


def _score(role: str) -> Subquery:
    """The response's final score for the role (the highest, should a questionnaire ask it twice)."""
    answers = Answer.objects.filter(
        invitation=OuterRef("pk"), role=role, is_final=True, score__isnull=False
    ).order_by("-score")
    return Subquery(answers.values("score")[:1], output_field=IntegerField())


def _all_three() -> Q:
    return Q(overall__isnull=False, repurchase__isnull=False, recommend__isnull=False)


def _loyal() -> Q:
    return Q(overall=5, repurchase=5, recommend__gte=PROMOTER_MIN)


def _class_conditions(filters: ResponseFilters) -> Q:
    condition = Q()
    if filters.answered == "overall":
        condition &= Q(overall__isnull=False)
    elif filters.answered == "three":
        condition &= _all_three()
    elif filters.answered == "recommend":
        condition &= Q(recommend__isnull=False)
    if filters.top2 is True:
        condition &= Q(overall__in=TOP_2_BOX_5)
    elif filters.top2 is False:
        condition &= Q(overall__isnull=False) & ~Q(overall__in=TOP_2_BOX_5)
    if filters.l3 is True:
        condition &= _loyal()
    elif filters.l3 is False:
        condition &= _all_three() & ~_loyal()
    if filters.nps:
        condition &= NPS_CLASSES[filters.nps]
    return condition


def response_list(*, user, filters: ResponseFilters) -> QuerySet[Invitation]:
    """The completed responses the user may see, with their campaign, customer and three scores;
    keyset-paged on the id (newest first)."""
    responses = (
        Invitation.objects.visible_to(user)
        .completed()
        .filter(project__isnull=False)
        .select_related("campaign", "customer", "unit")
        .only(
            "id",
            "campaign__id",
            "campaign__name",
            "customer__id",
            "customer__name",
            "unit__id",
            "unit__code",
            "project_id",
            "city_company_id",
            "segment",
            "mode",
            "completed_at",
        )
        .annotate(**{name: _score(role) for name, role in _ROLES.items()}, recommend=F("recommend_score"))
    )
    if filters.completed_from or filters.completed_to:
        responses = responses.filter(on_days("completed_at", filters.completed_from, filters.completed_to))
    if filters.project_id:
        responses = responses.filter(project_id=filters.project_id)
    if filters.city_id:
        responses = responses.filter(project__city_company_id=filters.city_id)
    if filters.segment:
        responses = responses.filter(segment=filters.segment)
    if filters.campaign_id:
        responses = responses.filter(campaign_id=filters.campaign_id)
    return responses.filter(_class_conditions(filters))  # type: ignore[return-value]  # the custom QuerySet: the stubs lose its model
