"""Questionnaires: copying a frozen version into a new draft, freezing a version, and the rules a
version's questions must follow (checked by the admin before they are saved)."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from ..models import Question, QuestionKind, QuestionRole, SurveyTemplate, SurveyTemplateVersion

CHOICE_KINDS = (QuestionKind.SINGLE, QuestionKind.MULTIPLE)
SCORES: dict[str, range] = {QuestionKind.RATING_5: range(1, 6), QuestionKind.RATING_10: range(0, 11)}
# What each L3 question must be: the loyalty figures compare their top scores.
ROLE_KINDS: dict[str, str] = {
    QuestionRole.OVERALL: QuestionKind.RATING_5,
    QuestionRole.REPURCHASE: QuestionKind.RATING_5,
    QuestionRole.RECOMMEND: QuestionKind.RATING_10,
}
COPIED_FIELDS = (
    "position",
    "code",
    "kind",
    "text",
    "text_en",
    "dimension",
    "role",
    "required",
    "options",
    "show_if_question",
    "show_if_values",
)


def condition_values(question: Question) -> set[str]:
    """The answers a later question's condition on `question` may name."""
    if question.kind in CHOICE_KINDS:
        return {str(option.get("value")) for option in question.options or [] if isinstance(option, dict)}
    return {str(score) for score in SCORES.get(question.kind, ())}


def _option_problems(question: Question) -> list[str]:
    options = question.options
    if question.kind not in CHOICE_KINDS:
        return [_("Only choice questions have options.")] if options else []
    if not isinstance(options, list) or len(options) < 2:
        return [_("A choice question needs at least two options.")]
    values: list[str] = []
    for option in options:
        if not isinstance(option, dict) or not str(option.get("value") or "").strip():
            return [
                _('Each option needs a "value" and a "label": {"value": "a", "label": "…", "label_en": "…"}.')
            ]
        if not str(option.get("label") or "").strip():
            return [
                _('Each option needs a "value" and a "label": {"value": "a", "label": "…", "label_en": "…"}.')
            ]
        values.append(str(option["value"]))
    if len(set(values)) != len(values):
        return [_("Two options have the same value.")]
    return []


def question_problems(question: Question, earlier: Sequence[Question]) -> dict[str, list[str]]:
    """What is wrong with `question`, by field, given the questions before it in its version."""
    problems: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        problems.setdefault(field, []).append(message)

    for message in _option_problems(question):
        add("options", message)
    wanted_kind = ROLE_KINDS.get(question.role)
    if wanted_kind and question.kind != wanted_kind:
        add(
            "kind",
            _("The %(role)s question must be a %(kind)s.")
            % {"role": QuestionRole(question.role).label, "kind": QuestionKind(wanted_kind).label},
        )
    if question.code in {other.code for other in earlier}:
        add("code", _("Another question of this version has this code."))
    values = question.show_if_values
    if not question.show_if_question:
        if values:
            add("show_if_question", _("Name the question these answers belong to."))
        return problems
    condition = next((other for other in earlier if other.code == question.show_if_question), None)
    if condition is None:
        add("show_if_question", _("Name the code of an earlier question of this version."))
        return problems
    if condition.kind == QuestionKind.TEXT:
        add("show_if_question", _("A free-text answer cannot show or hide a question."))
        return problems
    if not isinstance(values, list) or not values:
        add("show_if_values", _("List the answers that show this question."))
        return problems
    allowed = condition_values(condition)
    unknown = [str(value) for value in values if str(value) not in allowed]
    if unknown:
        add(
            "show_if_values",
            _("Not an answer of question %(code)s: %(values)s. Its answers: %(allowed)s.")
            % {
                "code": condition.code,
                "values": ", ".join(unknown),
                "allowed": ", ".join(sorted(allowed, key=lambda value: (len(value), value))),
            },
        )
    return problems


def questions_problems(questions: Sequence[Question]) -> dict[int, dict[str, list[str]]]:
    """Each question's problems (by its index in `questions`), read in position order."""
    order = sorted(range(len(questions)), key=lambda index: (questions[index].position, index))
    problems: dict[int, dict[str, list[str]]] = {}
    roles: set[str] = set()
    for rank, index in enumerate(order):
        question = questions[index]
        found = question_problems(question, [questions[i] for i in order[:rank]])
        if question.role and question.role in roles:
            found.setdefault("role", []).append(_("Another question of this version has this role."))
        roles.add(question.role)
        if found:
            problems[index] = found
    return problems


def template_version_freeze(*, version: SurveyTemplateVersion) -> None:
    """Freeze a version once it is sent: its questions then stay as the answers saw them. Idempotent."""
    SurveyTemplateVersion.objects.filter(pk=version.pk, is_frozen=False).update(is_frozen=True)
    version.is_frozen = True


@transaction.atomic
def template_version_copy(*, version: SurveyTemplateVersion, by=None) -> SurveyTemplateVersion:
    """A new draft version (the next number) with a copy of `version`'s questions, to edit."""
    # The template's row lock numbers two copies made at once one after the other.
    SurveyTemplate.objects.select_for_update().filter(pk=version.template_id).get()
    number = (version.template.versions.aggregate(last=Max("number"))["last"] or 0) + 1
    draft = SurveyTemplateVersion.objects.create(
        template_id=version.template_id, number=number, is_frozen=False, created_by=by
    )
    Question.objects.bulk_create(
        Question(template_version=draft, **{field: getattr(question, field) for field in COPIED_FIELDS})
        for question in version.questions.order_by("position", "id")
    )
    return draft


def template_version_check(*, version: SurveyTemplateVersion) -> None:
    """Raise a ValidationError listing every problem of a saved version's questions."""
    questions = list(version.questions.order_by("position", "id"))
    problems = questions_problems(questions)
    if problems:
        raise ValidationError(
            [
                f"{questions[index].code}: {' '.join(message for messages in found.values() for message in messages)}"
                for index, found in sorted(problems.items())
            ]
        )
