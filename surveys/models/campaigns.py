"""Campaigns, their invitations (one per recipient, with an unguessable link), the answers, opt-outs.

Each invitation repeats its customer's project, city company and segment at selection time, and each
answer repeats its invitation's and question's keys, so that scoping and the results' aggregates
are one indexed table each, whatever the size of the programme.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from properties.models import TimeStampedModel

from ..stats import DETRACTOR_MAX, PROMOTER_MIN
from .choices import AnswerMode, Dimension, QuestionRole, Segment
from .templates import Question, SurveyTemplateVersion


def new_token() -> str:
    """An invitation's link credential: 32 random bytes, URL-safe (43 characters)."""
    return secrets.token_urlsafe(32)


class CampaignQuerySet(models.QuerySet):
    def visible_to(self, user) -> CampaignQuerySet:
        """Campaigns aimed at the user's city companies or projects, and the group-wide ones (whose
        invitations and answers are still filtered to the user's scope)."""
        if not user.is_active or not user.may_see_customers():
            return self.none()
        scope = user.scope
        if scope.is_unrestricted:
            return self
        return self.filter(
            Q(city_company__isnull=True, project__isnull=True)
            | Q(city_company_id__in=scope.city_company_ids)
            | Q(project_id__in=scope.project_ids)
        )


class Campaign(TimeStampedModel):
    class Kind(models.TextChoices):
        PERIODIC = "periodic", _("Periodic")
        TRANSACTIONAL = "transactional", _("Transactional (sent after an event)")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SENDING = "sending", _("Sending")
        OPEN = "open", _("Open for answers")
        CLOSED = "closed", _("Closed")

    name = models.CharField(_("name"), max_length=100)
    template_version = models.ForeignKey(
        SurveyTemplateVersion,
        on_delete=models.PROTECT,
        related_name="campaigns",
        verbose_name=_("questionnaire"),
    )
    kind = models.CharField(_("kind"), max_length=14, choices=Kind.choices, default=Kind.PERIODIC)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    # Target: segments (empty: all four), and optionally one city company, project or building.
    segments = models.JSONField(_("segments"), default=list, blank=True)
    # The club's value classes of the customer (customers.CustomerValue, nightly): ABC classes and RFM
    # segments; empty: any, including customers not valued yet. A customer must match both lists.
    value_classes = models.JSONField(_("value classes (ABC)"), default=list, blank=True)
    rfm_segments = models.JSONField(_("RFM segments"), default=list, blank=True)
    city_company = models.ForeignKey(
        "properties.CityCompany",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("city company"),
    )
    project = models.ForeignKey(
        "properties.Project",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("project"),
    )
    building = models.ForeignKey(
        "properties.Building",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("building"),
    )
    # Sampling: a share (percent) or a number per segment, reproducible with the seed.
    sample_percent = models.PositiveSmallIntegerField(_("sample (% per segment)"), null=True, blank=True)
    sample_per_segment = models.PositiveIntegerField(_("sample (number per segment)"), null=True, blank=True)
    sample_seed = models.PositiveIntegerField(_("sampling seed"), default=1)
    exclude_surveyed_days = models.PositiveIntegerField(
        _("exclude owners surveyed in the last (days)"), default=90
    )
    # Reminders to non-respondents and the link's expiry.
    remind_after_days = models.PositiveSmallIntegerField(_("remind after (days)"), default=3)
    max_reminders = models.PositiveSmallIntegerField(_("at most (reminders)"), default=2)
    expires_at = models.DateTimeField(_("answers accepted until"), null=True, blank=True)
    # The send job's progress, shown on the campaign page.
    send_total = models.PositiveIntegerField(default=0, editable=False)
    send_done = models.PositiveIntegerField(default=0, editable=False)
    send_started_at = models.DateTimeField(null=True, blank=True, editable=False)
    send_finished_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("survey campaign")
        verbose_name_plural = _("survey campaigns")
        constraints = [
            models.CheckConstraint(
                condition=Q(sample_percent__isnull=True) | Q(sample_percent__gte=1, sample_percent__lte=100),
                name="survey_campaign_sample_percent_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name


# The recommend score's classes (surveys.stats): the responses list's filter, each with its own index.
NPS_CLASSES = {
    "promoter": Q(recommend_score__gte=PROMOTER_MIN),
    "passive": Q(recommend_score__gt=DETRACTOR_MAX, recommend_score__lt=PROMOTER_MIN),
    "detractor": Q(recommend_score__lte=DETRACTOR_MAX),
}


class InvitationQuerySet(models.QuerySet):
    def visible_to(self, user) -> InvitationQuerySet:
        """Invitations of customers in the user's projects (a city head: their city company's)."""
        if not user.is_active or not user.may_see_customers():
            return self.none()
        scope = user.scope
        if scope.is_unrestricted:
            return self
        # A city head's: one range of the responses' (city company, id) indexes, newest first.
        return self.filter(scope.place())

    def completed(self) -> InvitationQuerySet:
        return self.filter(completed_at__isnull=False)


class Invitation(models.Model):
    """One recipient of a campaign: their link, where their sending and answering stand."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        SENT = "sent", _("Sent")
        UNREACHABLE = "unreachable", _("No way to reach the owner")
        STARTED = "started", _("Started")
        COMPLETED = "completed", _("Completed")
        OPTED_OUT = "opted_out", _("Opted out")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="invitations")
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        related_name="survey_invitations",
        verbose_name=_("customer"),
    )
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    # The customer's place and segment when selected: scoping and the results' filters.
    city_company = models.ForeignKey("properties.CityCompany", on_delete=models.PROTECT, related_name="+")
    project = models.ForeignKey(
        "properties.Project", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    unit = models.ForeignKey(
        "properties.Unit", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    segment = models.CharField(_("segment"), max_length=12, choices=Segment.choices, blank=True)
    # Exactly once per event or recipient: "campaign:<id>:customer:<id>", "complaint:<id>", "handover:<id>".
    trigger_key = models.CharField(max_length=80, unique=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.SCHEDULED)
    send_after = models.DateTimeField(_("send after"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    reminders_sent = models.PositiveSmallIntegerField(_("reminders sent"), default=0)
    last_sent_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    mode = models.CharField(
        _("answered by"), max_length=12, choices=AnswerMode.choices, default=AnswerMode.SELF
    )
    interviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("interviewer"),
    )
    # What the transactional survey asks about (shown to the owner without personal data).
    subject = models.CharField(_("about"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    # The final answer to the recommend question (0–10; the highest, should it be asked twice), set by the
    # submit (services.responses): the responses list filters promoters / passives / detractors on it.
    recommend_score = models.SmallIntegerField(_("recommend score"), null=True, blank=True, editable=False)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("survey invitation")
        verbose_name_plural = _("survey invitations")
        indexes = [
            models.Index(fields=["campaign", "status"], name="survey_invitation_campaign"),
            models.Index(fields=["customer", "created_at"], name="survey_invitation_customer"),
            # The sender's read: scheduled invitations whose time has come.
            models.Index(
                fields=["send_after"], name="survey_invitation_due", condition=Q(status="scheduled")
            ),
            # The reminder's read: sent or started, not answered.
            models.Index(
                fields=["last_sent_at"],
                name="survey_invitation_unanswered",
                condition=Q(status__in=["sent", "started"]),
            ),
            # The responses list of one score class, newest first (its page and its bounded count, which
            # reads the scope's columns from the index).
            *(
                models.Index(
                    fields=["-id"],
                    include=["project", "city_company"],
                    name=f"survey_response_{name}",
                    condition=Q(completed_at__isnull=False, project__isnull=False) & score_class,
                )
                for name, score_class in NPS_CLASSES.items()
            ),
            # The same lists of a city head (visible_to: their city company's rows), newest first: a page
            # reads a page of index entries wherever the city's rows lie among the others.
            models.Index(
                fields=["city_company", "-id"],
                name="survey_response_city",
                condition=Q(completed_at__isnull=False, project__isnull=False),
            ),
            *(
                models.Index(
                    fields=["city_company", "-id"],
                    name=f"survey_response_city_{name}",
                    condition=Q(completed_at__isnull=False, project__isnull=False) & score_class,
                )
                for name, score_class in NPS_CLASSES.items()
            ),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}/{self.pk}"

    def is_expired(self, now=None) -> bool:
        return self.expires_at is not None and (now or timezone.now()) >= self.expires_at


class Answer(models.Model):
    """One answer to one question: `score` for ratings, `choices` for choice questions, `text` for text."""

    invitation = models.ForeignKey(Invitation, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    score = models.SmallIntegerField(_("score"), null=True, blank=True)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    text = models.TextField(_("text"), blank=True)
    # Repeated from the invitation and the question: the results are aggregates over this table alone.
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    city_company = models.ForeignKey("properties.CityCompany", on_delete=models.PROTECT, related_name="+")
    project = models.ForeignKey(
        "properties.Project", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    segment = models.CharField(max_length=12, choices=Segment.choices, blank=True)
    dimension = models.CharField(max_length=20, choices=Dimension.choices)
    role = models.CharField(max_length=12, choices=QuestionRole.choices, blank=True)
    # False until the owner submits: partial answers are kept but never counted.
    is_final = models.BooleanField(default=False)
    answered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["invitation", "question__position"]
        verbose_name = _("survey answer")
        verbose_name_plural = _("survey answers")
        constraints = [models.UniqueConstraint(fields=["invitation", "question"], name="survey_answer_once")]
        indexes = [
            models.Index(
                fields=["campaign", "question", "score"],
                name="survey_answer_results",
                condition=Q(is_final=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.invitation_id}/{self.question_id}"


class SurveyOptOut(models.Model):
    """The customer asked for no more surveys (from a link, a page or an agent). Not unique per
    customer: a merge of two opted-out records keeps both rows."""

    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.CASCADE,
        related_name="survey_opt_outs",
        verbose_name=_("customer"),
    )
    invitation = models.ForeignKey(
        Invitation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    source = models.CharField(_("source"), max_length=20, default="link")
    created_at = models.DateTimeField(_("opted out at"), default=timezone.now)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("survey opt-out")
        verbose_name_plural = _("survey opt-outs")
        indexes = [models.Index(fields=["customer"], name="survey_opt_out_customer")]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.created_at:%Y-%m-%d}"
