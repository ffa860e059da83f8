"""The answer form shared by the owner's page and the agent's phone interview: its field names,
reading a POST into answers, and the questions as the template shows them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _

from .models import Question, QuestionKind, QuestionRole, localized
from .questionnaire import answer_values, visible_questions

FIELD_PREFIX = "q-"


def field_name(question: Question) -> str:
    return f"{FIELD_PREFIX}{question.code}"


def posted_answers(questions: list[Question], post) -> dict[str, list[str]]:
    """The answers in a POST, by question code. A question's field is always posted (an empty hidden
    input stands before each group of buttons), so an absent one means "not on this form"."""
    answers: dict[str, list[str]] = {}
    for question in questions:
        name = field_name(question)
        if name in post:
            # At most a few values per field: a crafted POST with thousands is cut, never a slow loop.
            answers[question.code] = [str(value)[:5000] for value in post.getlist(name)[:50]]
    return answers


@dataclass
class Choice:
    value: str
    label: str
    checked: bool


@dataclass
class QuestionItem:
    question: Question
    number: int
    name: str
    text: str
    visible: bool
    choices: list[Choice] = field(default_factory=list)
    text_value: str = ""
    errors: list[str] = field(default_factory=list)
    low_label: str = ""
    high_label: str = ""

    @property
    def kind(self) -> str:
        return self.question.kind

    @property
    def is_scale(self) -> bool:
        return self.question.is_numeric

    @property
    def is_multiple(self) -> bool:
        return self.question.kind == QuestionKind.MULTIPLE

    @property
    def show_values(self) -> str:
        return "|".join(str(value) for value in self.question.show_if_values or [])


def _anchors(question: Question) -> tuple[str, str]:
    if question.kind == QuestionKind.RATING_10:
        return _("0 = not at all likely"), _("10 = extremely likely")
    if question.role == QuestionRole.REPURCHASE:
        return _("1 = certainly not"), _("5 = certainly")
    return _("1 = very dissatisfied"), _("5 = very satisfied")


def question_items(questions: list[Question], answers: dict[str, Any], errors=None) -> list[QuestionItem]:
    """Every question (the hidden ones too, for the page's script) with its answer and errors."""
    errors = errors or {}
    shown = {question.code for question in visible_questions(questions, answers)}
    items = []
    for number, question in enumerate(questions, start=1):
        selected = answer_values(answers.get(question.code))
        item = QuestionItem(
            question=question,
            number=number,
            name=field_name(question),
            text=question.display_text,
            visible=question.code in shown,
            errors=list(errors.get(question.code, [])),
        )
        if question.is_numeric:
            low, high = (1, 5) if question.kind == QuestionKind.RATING_5 else (0, 10)
            item.choices = [
                Choice(str(score), str(score), str(score) in selected) for score in range(low, high + 1)
            ]
            item.low_label, item.high_label = _anchors(question)
        elif question.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE):
            item.choices = [
                Choice(
                    str(option.get("value")),
                    localized(str(option.get("label", "")), str(option.get("label_en", ""))),
                    str(option.get("value")) in selected,
                )
                for option in question.options
                if isinstance(option, dict)
            ]
        else:
            value = answers.get(question.code)
            item.text_value = "\n".join(value) if isinstance(value, list) else (value or "")
        items.append(item)
    return items
