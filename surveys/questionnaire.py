"""Skip logic: which questions of a version an owner sees, given their answers so far.

A question with `show_if_question` is shown only when that (earlier) question is shown and its
answer is one of `show_if_values`; a chain of conditions therefore hides everything below a hidden
link. Answers are compared as text, so a condition on a rating may list scores as 4 or "4".
The page's script (static/surveys/answer.js) applies the same rule as the owner clicks.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any


def answer_values(value: Any) -> set[str]:
    """An answer as the set of texts a condition compares with: a score, a choice's values, a text."""
    if value is None or value == "" or value == []:
        return set()
    if isinstance(value, list | tuple | set):
        return {str(item) for item in value if item is not None and item != ""}
    return {str(value)}


def visible_questions(questions: Iterable, answers: Mapping[str, Any]) -> list:
    """The questions shown, in position order, given `answers` (question code → score, list of
    option values or text). A condition on a question that is hidden, unanswered or absent hides."""
    ordered: Sequence = sorted(questions, key=lambda question: (question.position, question.pk or 0))
    shown: list = []
    shown_codes: set[str] = set()
    for question in ordered:
        condition = question.show_if_question
        if condition:
            wanted = {str(value) for value in question.show_if_values or []}
            if condition not in shown_codes or not (answer_values(answers.get(condition)) & wanted):
                continue
        shown.append(question)
        shown_codes.add(question.code)
    return shown


def visible_answers(questions: Iterable, answers: Mapping[str, Any]) -> dict[str, Any]:
    """`answers` without those to hidden questions (an answer left behind by a changed mind)."""
    codes = {question.code for question in visible_questions(questions, answers)}
    return {code: value for code, value in answers.items() if code in codes}
