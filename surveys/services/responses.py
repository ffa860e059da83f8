"""An owner's answers: saved as they go (partial, never counted), then submitted once.

`response_save` is the one write for the public page, its autosave and an agent's phone interview:
it locks the invitation row (two submits of the same link at once: one wins, the other is told the
survey is answered), validates every answer by its question's kind, drops the answers of questions
the skip logic now hides, and on submit checks the required questions, marks the answers final and
sends `surveys.signals.response_completed` inside the transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_changes, audit_snapshot
from customers.consents import customer_consent_record
from customers.models import ConsentChannel, ConsentPurpose

from ..models import (
    Answer,
    AnswerMode,
    Campaign,
    Invitation,
    Question,
    QuestionKind,
    QuestionRole,
    SurveyOptOut,
)
from ..permissions import may_interview
from ..questionnaire import visible_questions
from ..refusals import refuses_surveys
from ..signals import response_completed

TEXT_MAX_LENGTH = 2000
SCORES: dict[str, range] = {QuestionKind.RATING_5: range(1, 6), QuestionKind.RATING_10: range(0, 11)}


class SurveyClosed(ValidationError):
    """The link no longer takes answers; `code` says why: completed, expired, opted_out."""


@dataclass(frozen=True)
class SaveResult:
    invitation: Invitation
    answers: dict[str, Any]  # what is stored now, by question code
    completed: bool


def invitation_refusal(invitation: Invitation, *, now=None, opted_out: bool | None = None) -> str | None:
    """Why the link takes no answers ("completed", "opted_out", "expired"), or None."""
    if invitation.status == Invitation.Status.COMPLETED or invitation.completed_at:
        return "completed"
    if opted_out is None:
        opted_out = refuses_surveys(invitation.customer_id)
    if invitation.status == Invitation.Status.OPTED_OUT or opted_out:
        return "opted_out"
    campaign = invitation.campaign
    now = now or timezone.now()
    if (
        invitation.is_expired(now)
        or (campaign.expires_at is not None and now >= campaign.expires_at)
        or campaign.status == Campaign.Status.CLOSED
    ):
        return "expired"
    return None


REFUSALS = {
    "completed": lambda: _("This survey has already been answered. Thank you!"),
    "opted_out": lambda: _("You asked us not to send you surveys, so this one takes no answers."),
    "expired": lambda: _("This survey is closed: answers were accepted until its end date."),
}


def _refuse(reason: str):
    raise SurveyClosed(REFUSALS[reason](), code=reason)


def stored_answers(invitation: Invitation, questions: list[Question]) -> dict[str, Any]:
    """The invitation's answers by question code: a score, a list of option values or a text."""
    by_id = {question.pk: question for question in questions}
    stored: dict[str, Any] = {}
    for answer in Answer.objects.filter(invitation=invitation).only(
        "question_id", "score", "choices", "text"
    ):
        question = by_id.get(answer.question_id)
        if question is not None:
            stored[question.code] = _answer_value(question, answer)
    return stored


def _answer_value(question: Question, answer: Answer) -> Any:
    if question.is_numeric:
        return answer.score
    if question.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
        return list(answer.choices)
    return answer.text


def _as_list(raw: Any) -> list[str]:
    if raw is None:
        return []
    items = raw if isinstance(raw, list | tuple) else [raw]
    return [str(item).strip() for item in items if item is not None and str(item).strip() != ""]


def answer_clean(question: Question, raw: Any) -> Any:
    """The stored form of one raw answer (None when left empty); ValidationError when it is invalid."""
    if question.kind == QuestionKind.TEXT:
        texts = [str(item) for item in (raw if isinstance(raw, list | tuple) else [raw]) if item is not None]
        text = "\n".join(texts).strip()
        if len(text) > TEXT_MAX_LENGTH:
            raise ValidationError(
                _("Please keep to %(limit)d characters (you wrote %(count)d).")
                % {"limit": TEXT_MAX_LENGTH, "count": len(text)}
            )
        if "\x00" in text:
            raise ValidationError(_("The text contains a character we cannot store."))
        return text or None
    values = _as_list(raw)
    if not values:
        return None
    if question.is_numeric:
        scores = SCORES[question.kind]
        if len(values) > 1:
            raise ValidationError(_("Choose one score."))
        try:
            score = int(values[0])
        except ValueError:
            score = None
        if score is None or score not in scores:
            raise ValidationError(
                _("Choose a score from %(low)d to %(high)d.") % {"low": scores[0], "high": scores[-1]}
            )
        return score
    allowed = [str(option.get("value")) for option in question.options if isinstance(option, dict)]
    if question.kind == QuestionKind.SINGLE and len(values) > 1:
        raise ValidationError(_("Choose one answer."))
    if any(value not in allowed for value in values):
        raise ValidationError(_("Choose among the answers shown."))
    # Kept in the options' order, each once.
    return [value for value in allowed if value in values]


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def _may_enter(interviewer, invitation: Invitation) -> bool:
    return (
        may_interview(interviewer)
        and Invitation.objects.visible_to(interviewer).filter(pk=invitation.pk).exists()
    )


def _lock(invitation: Invitation) -> Invitation:
    try:
        locked = (
            Invitation.objects.select_for_update(of=("self",))
            .select_related("campaign")
            .get(pk=invitation.pk)
        )
    except Invitation.DoesNotExist:
        raise SurveyClosed(_("This survey link is not valid."), code="unknown") from None
    audit_snapshot(locked)
    return locked


@transaction.atomic
def response_save(
    invitation: Invitation,
    data: Mapping[str, Any],
    *,
    submit: bool,
    interviewer=None,
    now=None,
) -> SaveResult:
    """Save the answers in `data` (question code → raw value(s); codes absent keep their stored
    answer, an empty value clears it); with `submit`, finish the survey.

    Raises SurveyClosed when the link takes no answers, ValidationError({code: [messages]}) when an
    answer is invalid or, on submit, a required question shown is unanswered (nothing is saved then).
    """
    now = now or timezone.now()
    if interviewer is not None and not _may_enter(interviewer, invitation):
        raise PermissionDenied(_("Your role may not enter answers for this owner."))
    invitation = _lock(invitation)
    reason = invitation_refusal(invitation, now=now)
    if reason:
        _refuse(reason)
    questions = list(invitation.campaign.template_version.questions.order_by("position", "id"))
    by_code = {question.code: question for question in questions}

    errors: dict[str, list[str]] = {}
    answers = stored_answers(invitation, questions)
    answers_before = dict(answers)
    for code, raw in data.items():
        question = by_code.get(code)
        if question is None:
            continue  # not a question of this survey (another form field): ignored
        try:
            answers[code] = answer_clean(question, raw)
        except ValidationError as error:
            errors[code] = error.messages
    answers = {code: value for code, value in answers.items() if not _is_empty(value)}
    shown = visible_questions(questions, answers)
    shown_codes = {question.code for question in shown}
    answers = {code: value for code, value in answers.items() if code in shown_codes}
    errors = {code: messages for code, messages in errors.items() if code in shown_codes}
    if submit:
        for question in shown:
            if question.required and question.code not in answers and question.code not in errors:
                errors[question.code] = [_("Please answer this question.")]
    if errors:
        raise ValidationError(errors)

    _answers_write(invitation, questions, answers, final=submit, now=now)
    fields = []
    if invitation.opened_at is None:
        invitation.opened_at = now
        fields.append("opened_at")
    if interviewer is not None:
        invitation.mode, invitation.interviewer = AnswerMode.INTERVIEWER, interviewer
        fields += ["mode", "interviewer"]
    if submit:
        invitation.status, invitation.completed_at = Invitation.Status.COMPLETED, now
        invitation.recommend_score = final_recommend_score(questions, answers)
        fields += ["status", "completed_at", "recommend_score"]
    elif invitation.status != Invitation.Status.STARTED:
        invitation.status = Invitation.Status.STARTED
        fields.append("status")
    if fields:
        invitation.save(update_fields=fields)
    audit_changes(
        invitation,
        by=interviewer,
        extra={
            f"answer:{code}": (answers_before.get(code), answers.get(code))
            for code in {*answers_before, *answers}
        },
    )
    if submit:
        response_completed.send(sender=Invitation, invitation=invitation)
    return SaveResult(invitation=invitation, answers=answers, completed=submit)


def final_recommend_score(questions: list[Question], answers: dict[str, Any]) -> int | None:
    """The response's recommend score as the figures count it: the highest answer to a recommend question."""
    scores = [
        answers[question.code]
        for question in questions
        if question.role == QuestionRole.RECOMMEND and question.is_numeric and question.code in answers
    ]
    return max(scores, default=None)


def recommend_scores_fill(invitations: QuerySet[Invitation] | None = None) -> int:
    """Write the completed invitations' recommend score from their final answers (a bulk load that
    bypassed the submit, such as the bench's COPY); invitations updated."""
    recommend = (
        Answer.objects.filter(
            invitation=OuterRef("pk"), role=QuestionRole.RECOMMEND, is_final=True, score__isnull=False
        )
        .order_by()
        .values("invitation")
        .annotate(top=Max("score"))
        .values("top")
    )
    invitations = Invitation.objects.all() if invitations is None else invitations
    return invitations.filter(completed_at__isnull=False).update(recommend_score=Subquery(recommend))


def _answers_write(
    invitation: Invitation, questions: list[Question], answers: dict, *, final: bool, now
) -> None:
    """Make the invitation's answer rows exactly `answers` (one row per question)."""
    ids = {question.code: question.pk for question in questions}
    Answer.objects.filter(invitation=invitation).exclude(
        question_id__in=[ids[code] for code in answers]
    ).delete()
    existing = {answer.question_id: answer for answer in Answer.objects.filter(invitation=invitation)}
    to_create: list[Answer] = []
    to_update: list[Answer] = []
    for question in questions:
        if question.code not in answers:
            continue
        value = answers[question.code]
        answer = existing.get(question.pk) or Answer(
            invitation=invitation,
            question=question,
            campaign_id=invitation.campaign_id,
            city_company_id=invitation.city_company_id,
            project_id=invitation.project_id,
            segment=invitation.segment,
            dimension=question.dimension,
            role=question.role,
        )
        changed = answer.pk is None or _answer_value(question, answer) != value or answer.is_final != final
        answer.score = value if question.is_numeric else None
        answer.choices = value if question.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE) else []
        answer.text = value if question.kind == QuestionKind.TEXT else ""
        answer.is_final = final
        if answer.pk is None:
            answer.answered_at = now
            to_create.append(answer)
        elif changed:
            answer.answered_at = now
            to_update.append(answer)
    Answer.objects.bulk_create(to_create)
    Answer.objects.bulk_update(to_update, ["score", "choices", "text", "is_final", "answered_at"])


@transaction.atomic
def survey_opt_out(
    invitation: Invitation, *, source: str = "link", recorded_by=None, now=None
) -> SurveyOptOut:
    """The owner asks for no more surveys: recorded once per invitation; an unanswered invitation
    is closed as opted out (a completed one keeps its answers)."""
    invitation = _lock(invitation)
    existing = SurveyOptOut.objects.filter(invitation=invitation).first()
    if existing is not None:
        return existing
    opt_out = SurveyOptOut.objects.create(
        customer_id=invitation.customer_id,
        invitation=invitation,
        source=source,
        recorded_by=recorded_by,
        created_at=now or timezone.now(),
    )
    if invitation.status != Invitation.Status.COMPLETED:
        invitation.status = Invitation.Status.OPTED_OUT
        invitation.save(update_fields=["status"])
        audit_changes(invitation, by=recorded_by)
    # The customer's survey consent is withdrawn too: one answer that every part of the CRM reads.
    customer_consent_record(
        customer=invitation.customer,
        purpose=ConsentPurpose.SURVEYS,
        granted=False,
        channel=ConsentChannel.STAFF if recorded_by is not None else ConsentChannel.PUBLIC,
        now=opt_out.created_at,
    )
    return opt_out


def invitation_open(invitation: Invitation, *, now=None) -> None:
    """Note when the owner first opened their link. Idempotent; a conditional update, no lock."""
    if invitation.opened_at is None:
        now = now or timezone.now()
        Invitation.objects.filter(pk=invitation.pk, opened_at__isnull=True).update(opened_at=now)
        invitation.opened_at = now
