"""Keeping surveys.models.ResultTally in step with the final answers.

`response_tally(invitation=…)` adds one completed response's answers; it runs in the submit
transaction (a receiver of signals.response_completed), so the counts commit with the answers or
not at all. Increments are upserts (`n = n + excluded.n`) taken in key order, so two submits racing
on the same rows wait for each other instead of losing a count or deadlocking.
`tallies_rebuild(campaign_ids=…)` recomputes a campaign's tallies from its answers (bulk loads such
as the bench, or a repair).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import Case, Count, IntegerField, Max, When

from .models import Answer, Invitation, QuestionKind, QuestionRole, ResultTally
from .stats import is_l3

L3_ROLES = (QuestionRole.OVERALL, QuestionRole.REPURCHASE, QuestionRole.RECOMMEND)
CHOICE_KINDS = (QuestionKind.SINGLE, QuestionKind.MULTIPLE)
# (campaign, city company, project key, segment, question key, measure)
Key = tuple[int, int, int, str, int, str]


def _answer_measures(kind: str, score, choices) -> list[str]:
    if kind in QuestionKind.numeric() and score is not None:
        return [f"score:{score}"]
    if kind in CHOICE_KINDS:
        return ["answered"] + [f"choice:{value}"[:60] for value in sorted({str(v) for v in choices or []})]
    return []


def _respondent_measures(roles: dict[str, int | None]) -> list[str]:
    if any(roles.get(role) is None for role in L3_ROLES):
        return []
    loyal = is_l3(roles[QuestionRole.OVERALL], roles[QuestionRole.REPURCHASE], roles[QuestionRole.RECOMMEND])
    return ["l3:all", "l3:loyal"] if loyal else ["l3:all"]


def response_tally(*, invitation: Invitation) -> None:
    """Count one completed response (its final answers) into the tallies. Call it once per response,
    inside the transaction that made its answers final."""
    counts: Counter[Key] = Counter()
    roles: dict[str, int | None] = {}
    place = None
    for kind, role, score, choices, campaign_id, city_id, project_id, segment, question_id in (
        Answer.objects.filter(invitation=invitation, is_final=True).values_list(
            "question__kind", "role", "score", "choices", "campaign_id", "city_company_id", "project_id",
            "segment", "question_id",
        )
    ):  # fmt: skip
        place = (campaign_id, city_id, project_id or 0, segment)
        for measure in _answer_measures(kind, score, choices):
            counts[(*place, question_id, measure)] += 1
        if role:
            roles[role] = score
    if place is not None:
        for measure in _respondent_measures(roles):
            counts[(*place, 0, measure)] += 1
    _add(counts)


def _add(counts: Counter[Key]) -> None:
    if not counts:
        return
    table = ResultTally._meta.db_table
    sql = (
        f"INSERT INTO {table} (campaign_id, city_company_id, project_key, segment, question_key, measure, n) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s) "
        "ON CONFLICT (campaign_id, city_company_id, project_key, segment, question_key, measure) "
        f"DO UPDATE SET n = {table}.n + excluded.n"  # nosec B608  # the model's table; values are parameters
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, [(*key, n) for key, n in sorted(counts.items())])


def on_response_completed(sender, *, invitation, **kwargs) -> None:
    response_tally(invitation=invitation)


def tallies_rebuild(*, campaign_ids: Iterable[int]) -> int:
    """Recompute the campaigns' tallies from their final answers (three GROUP BYs); rows written."""
    ids = list(campaign_ids)
    answers = Answer.objects.filter(campaign_id__in=ids, is_final=True).order_by()
    place = ("campaign_id", "city_company_id", "project_id", "segment")
    counts: Counter[Key] = Counter()
    for campaign_id, city_id, project_id, segment, question_id, score, n in (
        answers.filter(score__isnull=False, question__kind__in=QuestionKind.numeric())
        .values_list(*place, "question_id", "score")
        .annotate(n=Count("pk"))
    ):
        counts[(campaign_id, city_id, project_id or 0, segment, question_id, f"score:{score}")] += n
    for campaign_id, city_id, project_id, segment, question_id, choices, n in (
        answers.filter(question__kind__in=CHOICE_KINDS)
        .values_list(*place, "question_id", "choices")
        .annotate(n=Count("pk"))
    ):
        for measure in _answer_measures(QuestionKind.MULTIPLE, None, choices):
            counts[(campaign_id, city_id, project_id or 0, segment, question_id, measure)] += n
    for row in (
        answers.filter(role__in=L3_ROLES, score__isnull=False)
        .values(*place, "invitation_id")
        .annotate(
            **{
                role: Max(Case(When(role=role, then="score"), output_field=IntegerField()))
                for role in L3_ROLES
            }
        )
        .values_list(*place, *L3_ROLES)
    ):
        key = (row[0], row[1], row[2] or 0, row[3], 0)
        for measure in _respondent_measures(dict(zip(L3_ROLES, row[4:], strict=True))):
            counts[(*key, measure)] += 1
    with transaction.atomic():
        ResultTally.objects.filter(campaign_id__in=ids).delete()
        ResultTally.objects.bulk_create(
            (
                ResultTally(
                    campaign_id=c,
                    city_company_id=city,
                    project_key=p,
                    segment=s,
                    question_key=q,
                    measure=m,
                    n=n,
                )
                for (c, city, p, s, q, m), n in counts.items()
            ),
            batch_size=5000,
        )
    return len(counts)
