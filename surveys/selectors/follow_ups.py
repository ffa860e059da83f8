"""Reads of the closed loop: a respondent's answers as text, which answers are unhappy, the follow-up list."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from ..models import Answer, FollowUp, Invitation, QuestionKind, QuestionRole, localized
from ..models.choices import Dimension


@dataclass(frozen=True)
class AnswerLine:
    question: str
    answer: str
    is_low: bool


def answer_text(answer: Answer) -> str:
    """An answer as a person reads it: "4 / 5", the options' labels, or the text."""
    question = answer.question
    if question.is_numeric:
        return "" if answer.score is None else f"{answer.score} / {question.top_score}"
    if question.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        labels = {
            o.get("value"): localized(o.get("label", ""), o.get("label_en", "")) for o in question.options
        }
        return pgettext("list separator", ", ").join(
            labels.get(value, str(value)) for value in answer.choices
        )
    return answer.text


def is_low(answer: Answer) -> bool:
    """Below the closed loop's threshold: a 0–10 score ≤ SURVEY_FOLLOW_UP_RECOMMEND_MAX, a 1–5 rating
    ≤ SURVEY_FOLLOW_UP_RATING_MAX."""
    if answer.score is None:
        return False
    if answer.question.kind == QuestionKind.RATING_10:
        return answer.score <= settings.SURVEY_FOLLOW_UP_RECOMMEND_MAX
    if answer.question.kind == QuestionKind.RATING_5:
        return answer.score <= settings.SURVEY_FOLLOW_UP_RATING_MAX
    return False


def low_answer_label(answer: Answer) -> str:
    """What the reason calls an answer: its L3 role ("推荐意愿"), else its dimension ("房屋质量")."""
    labels: dict[str, str] = {
        QuestionRole.OVERALL: _("Overall satisfaction"),
        QuestionRole.REPURCHASE: _("Repurchase intent"),
        QuestionRole.RECOMMEND: _("Willingness to recommend"),
    }
    if answer.question.role in labels:
        return labels[answer.question.role]
    return str(Dimension(answer.question.dimension).label)


def final_answers(invitation: Invitation) -> list[Answer]:
    """The submitted answers, in the questionnaire's order (one query)."""
    return list(
        Answer.objects.filter(invitation=invitation, is_final=True)
        .select_related("question")
        .order_by("question__position", "question_id")
    )


def answer_lines(answers: list[Answer]) -> list[AnswerLine]:
    return [AnswerLine(a.question.display_text, answer_text(a), is_low(a)) for a in answers]


def follow_up_list(
    *, user, status: str = "open", project_id: int | None = None, overdue: bool = False
) -> QuerySet:
    """The follow-ups the user may see, filtered, for keyset paging on (due_at, id)."""
    follow_ups = (
        FollowUp.objects.visible_to(user)
        .select_related("customer", "assignee")
        .only(
            "id",
            "reason",
            "status",
            "project_id",
            "due_at",
            "warned",
            "escalation_level",
            "complaint_id",
            "customer__id",
            "customer__name",
            "assignee__id",
            "assignee__username",
            "assignee__display_name",
            "assignee__first_name",
            "assignee__last_name",
        )
    )
    if status:
        follow_ups = follow_ups.filter(status=status)
    if project_id:
        follow_ups = follow_ups.filter(project_id=project_id)
    if overdue:
        follow_ups = follow_ups.filter(status=FollowUp.Status.OPEN, due_at__lte=timezone.now())
    return follow_ups


def follow_up_detail(*, user, pk: int) -> FollowUp:
    """One follow-up in the user's scope with what its page shows (raises DoesNotExist)."""
    return (
        FollowUp.objects.visible_to(user)
        .select_related("invitation__campaign", "customer", "assignee", "closed_by", "complaint")
        .prefetch_related("customer__phones", "alerts")
        .get(pk=pk)
    )
