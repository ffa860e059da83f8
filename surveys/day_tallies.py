"""Keeping surveys.models.DayTally in step with the final answers: the dashboards' survey figures.

`response_day_tally(invitation=…)` adds one completed response to the row of its day (the local date of
`completed_at` in TIME_ZONE, the dashboards' days), project and segment; it runs in the submit
transaction (a receiver of signals.response_completed), so the row commits with the answers or not at
all, and a completed response's final answers never change afterwards: the table is exact by
construction. Increments are upserts (`n = n + excluded.n`), so two submits of the same day wait for
each other instead of losing a count. `day_tallies_rebuild()` recounts the whole table from the answers
(a backfill after the table was added, bulk loads such as the bench, or a repair), in batches, with
a progress bar on demand.

The definitions are the survey results' (surveys.stats): top-2-box = a 1–5 answer of 4 or 5; promoters
answer 9–10 and detractors 0–6 to the recommend question; L3 = the three L3 questions all answered, at
their top (overall 5, repurchase 5, recommend 9–10).
"""

from __future__ import annotations

import datetime
import sys
from collections import Counter
from collections.abc import Iterable
from itertools import groupby

from django.db import connection, transaction
from django.utils import timezone
from tqdm import tqdm

from .models import Answer, DayTally, Dimension, Invitation, QuestionKind, QuestionRole
from .stats import DETRACTOR_MAX, PROMOTER_MIN, TOP_2_BOX_5

L3_ROLES = (QuestionRole.OVERALL, QuestionRole.REPURCHASE, QuestionRole.RECOMMEND)
SCORE_COLUMNS = (
    "overall_rated",
    "overall_top",
    "recommend_rated",
    "promoters",
    "detractors",
    "l3_rated",
    "l3_loyal",
)
# Per dimension: (its 1–5 answers, those of 4 or 5).
DIMENSION_COLUMNS = {dimension: (f"{dimension}_rated", f"{dimension}_top") for dimension in Dimension.values}
COUNT_COLUMNS = SCORE_COLUMNS + tuple(column for pair in DIMENSION_COLUMNS.values() for column in pair)
# The answer fields a response's counts are made of (in this order).
ANSWER_FIELDS = ("question__kind", "role", "score", "project_id", "segment", "dimension")
REBUILD_BATCH = 5000  # responses per read

Key = tuple[datetime.date, int, str]  # (day, project key, segment)


def tally_day(completed_at: datetime.datetime) -> datetime.date:
    """The dashboards' day of a moment: its date in TIME_ZONE (the periods' local midnights)."""
    return timezone.localtime(completed_at, timezone.get_default_timezone()).date()


def response_counts(completed_at: datetime.datetime, answers: Iterable[tuple]) -> tuple[Key, Counter] | None:
    """One response's row key and counts from its final answers (ANSWER_FIELDS tuples); None without
    any scored answer."""
    counts: Counter[str] = Counter()
    roles: dict[str, int] = {}
    key = None
    for kind, role, score, project_id, segment, dimension in answers:
        if score is None:
            continue
        key = (tally_day(completed_at), project_id or 0, segment)
        if role in L3_ROLES:
            roles[role] = max(score, roles.get(role, score))
        if kind == QuestionKind.RATING_5 and dimension in DIMENSION_COLUMNS:
            rated, top = DIMENSION_COLUMNS[dimension]
            counts[rated] += 1
            counts[top] += score in TOP_2_BOX_5
    if key is None:
        return None
    if key[1]:  # the loyalty figures count the responses at a project only
        overall = roles.get(QuestionRole.OVERALL)
        repurchase = roles.get(QuestionRole.REPURCHASE)
        recommend = roles.get(QuestionRole.RECOMMEND)
        if overall is not None:
            counts["overall_rated"] += 1
            counts["overall_top"] += overall in TOP_2_BOX_5
        if recommend is not None:
            counts["recommend_rated"] += 1
            counts["promoters"] += recommend >= PROMOTER_MIN
            counts["detractors"] += recommend <= DETRACTOR_MAX
        if overall is not None and repurchase is not None and recommend is not None:
            counts["l3_rated"] += 1
            counts["l3_loyal"] += overall == 5 and repurchase == 5 and recommend >= PROMOTER_MIN
    return key, counts


def response_day_tally(*, invitation: Invitation) -> None:
    """Count one completed response into its day's row. Call it once per response, inside the
    transaction that made its answers final."""
    answers = Answer.objects.filter(invitation=invitation, is_final=True, score__isnull=False).values_list(
        *ANSWER_FIELDS
    )
    made = response_counts(invitation.completed_at, answers)
    if made is not None and any(made[1].values()):
        _add({made[0]: made[1]})


def on_response_completed(sender, *, invitation, **kwargs) -> None:
    response_day_tally(invitation=invitation)


def _add(rows: dict[Key, Counter]) -> None:
    table = DayTally._meta.db_table
    columns = ", ".join(COUNT_COLUMNS)
    placeholders = ", ".join(["%s"] * (3 + len(COUNT_COLUMNS)))
    updates = ", ".join(f"{column} = {table}.{column} + excluded.{column}" for column in COUNT_COLUMNS)
    sql = (
        f"INSERT INTO {table} (day, project_key, segment, {columns}) VALUES ({placeholders}) "
        f"ON CONFLICT (day, project_key, segment) DO UPDATE SET {updates}"  # nosec B608  # names only
    )
    with connection.cursor() as cursor:
        cursor.executemany(
            sql,
            [(*key, *(counts[column] for column in COUNT_COLUMNS)) for key, counts in sorted(rows.items())],
        )


def day_tallies_rebuild(*, progress: bool = False) -> int:
    """Recount the whole table from the final answers of the completed responses, REBUILD_BATCH
    responses at a time (a tqdm bar with `progress`); rows written."""
    completed = Invitation.objects.filter(completed_at__isnull=False).order_by()
    rows: dict[Key, Counter] = {}
    bar = tqdm(
        total=completed.count(),
        desc="survey day tallies",
        unit="response",
        disable=not progress,
        file=sys.stderr,
    )
    last_id = 0
    while True:
        batch = dict(
            completed.filter(pk__gt=last_id).order_by("pk").values_list("pk", "completed_at")[:REBUILD_BATCH]
        )
        if not batch:
            break
        last_id = max(batch)
        answers = (
            Answer.objects.filter(invitation_id__in=list(batch), is_final=True, score__isnull=False)
            .order_by("invitation_id")
            .values_list("invitation_id", *ANSWER_FIELDS)
        )
        for invitation_id, group in groupby(answers, key=lambda row: row[0]):
            made = response_counts(batch[invitation_id], (row[1:] for row in group))
            if made is not None:
                rows.setdefault(made[0], Counter()).update(made[1])
        bar.update(len(batch))
    bar.close()
    with transaction.atomic():
        DayTally.objects.all().delete()
        DayTally.objects.bulk_create(
            (
                DayTally(day=day, project_key=project_key, segment=segment, **counts)
                for (day, project_key, segment), counts in sorted(rows.items())
                if any(counts.values())
            ),
            batch_size=2000,
        )
    return DayTally.objects.count()
