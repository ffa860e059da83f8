"""Questionnaires: a template, its numbered versions, each version's questions.

A version is frozen once an invitation uses it (`SurveyTemplateVersion.is_frozen`): editing a frozen
version copies it into a new draft version, so a sent survey always shows and scores the questions
it was sent with.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from properties.models import TimeStampedModel

from .choices import Dimension, QuestionKind, QuestionRole, Trigger


def localized(zh: str, en: str) -> str:
    """The English text when the page is in English and one exists; the Chinese text otherwise."""
    language = (get_language() or "zh-hans").lower()
    return en if language.startswith("en") and en else zh


class SurveyTemplate(TimeStampedModel):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=100, blank=True)
    intro = models.TextField(_("introduction"), blank=True)
    intro_en = models.TextField(_("introduction (English)"), blank=True)
    trigger = models.CharField(_("sent"), max_length=20, choices=Trigger.choices, default=Trigger.CAMPAIGN)
    delay_hours = models.PositiveIntegerField(
        _("delay after the event (hours)"),
        default=24,
        help_text=_("Transactional templates: how long after the event the invitation goes out."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["code"]
        verbose_name = _("survey template")
        verbose_name_plural = _("survey templates")
        constraints = [
            # One active template per event: the event's survey is never sent twice by two templates.
            models.UniqueConstraint(
                fields=["trigger"],
                condition=~Q(trigger="campaign") & Q(is_active=True),
                name="survey_template_one_active_per_event",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return localized(self.name, self.name_en)

    def latest_version(self) -> SurveyTemplateVersion | None:
        return self.versions.order_by("-number").first()


class SurveyTemplateVersion(models.Model):
    template = models.ForeignKey(
        SurveyTemplate, on_delete=models.PROTECT, related_name="versions", verbose_name=_("template")
    )
    number = models.PositiveIntegerField(_("version"))
    is_frozen = models.BooleanField(
        _("frozen"), default=False, help_text=_("Sent at least once: its questions can no longer change.")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["template", "-number"]
        verbose_name = _("survey template version")
        verbose_name_plural = _("survey template versions")
        constraints = [models.UniqueConstraint(fields=["template", "number"], name="survey_version_number")]

    def __str__(self) -> str:
        return f"{self.template} v{self.number}"


class Question(models.Model):
    """One question of a version. `show_if_*`: shown only when an earlier question's answer is one of
    `show_if_values` (skip logic); options are [{"value": "a", "label": "…", "label_en": "…"}]."""

    template_version = models.ForeignKey(
        SurveyTemplateVersion, on_delete=models.CASCADE, related_name="questions", verbose_name=_("version")
    )
    position = models.PositiveSmallIntegerField(_("position"))
    code = models.SlugField(_("code"), max_length=40)
    kind = models.CharField(_("kind"), max_length=10, choices=QuestionKind.choices)
    text = models.CharField(_("question"), max_length=300)
    text_en = models.CharField(_("question (English)"), max_length=300, blank=True)
    dimension = models.CharField(_("dimension"), max_length=20, choices=Dimension.choices)
    role = models.CharField(_("L3 role"), max_length=12, choices=QuestionRole.choices, blank=True, default="")
    required = models.BooleanField(_("required"), default=True)
    options = models.JSONField(_("options"), default=list, blank=True)
    show_if_question = models.SlugField(_("show only if question"), max_length=40, blank=True)
    show_if_values = models.JSONField(_("has one of the answers"), default=list, blank=True)

    class Meta:
        ordering = ["template_version", "position", "id"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        constraints = [
            models.UniqueConstraint(fields=["template_version", "code"], name="survey_question_code"),
            models.UniqueConstraint(
                fields=["template_version", "role"],
                condition=~Q(role=""),
                name="survey_question_one_per_role",
            ),
        ]

    def __str__(self) -> str:
        return self.display_text

    @property
    def display_text(self) -> str:
        return localized(self.text, self.text_en)

    @property
    def is_numeric(self) -> bool:
        return self.kind in QuestionKind.numeric()

    @property
    def top_score(self) -> int | None:
        return {QuestionKind.RATING_5: 5, QuestionKind.RATING_10: 10}.get(self.kind)
