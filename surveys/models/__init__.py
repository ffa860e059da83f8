"""Surveys: questionnaires (templates, versions, questions), campaigns and invitations, answers,
opt-outs, and the follow-ups of unhappy answers."""

from .campaigns import NPS_CLASSES, Answer, Campaign, Invitation, SurveyOptOut, new_token
from .choices import AnswerMode, Dimension, QuestionKind, QuestionRole, Segment, Trigger
from .follow_ups import FollowUp, FollowUpAlert
from .tallies import DayTally, ResultTally
from .templates import Question, SurveyTemplate, SurveyTemplateVersion, localized

__all__ = [
    "Answer",
    "AnswerMode",
    "Campaign",
    "DayTally",
    "Dimension",
    "FollowUp",
    "FollowUpAlert",
    "Invitation",
    "NPS_CLASSES",
    "Question",
    "QuestionKind",
    "QuestionRole",
    "ResultTally",
    "Segment",
    "SurveyOptOut",
    "SurveyTemplate",
    "SurveyTemplateVersion",
    "Trigger",
    "localized",
    "new_token",
]
