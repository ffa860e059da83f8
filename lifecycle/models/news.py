"""施工进度: construction progress news of a project (or one of its phases), with photos, written by
the project team and sent to its buyers (lifecycle.services.news).

A news item is a draft until it is sent; sending freezes it. Each recipient is a `NewsDelivery`
row, unique per (news, customer): the send job's batches claim these rows, so a rerun sends nobody
twice, and the owner timeline reads the sent ones."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from properties.models import TimeStampedModel

from ._scope import ProjectScopedQuerySet


class ConstructionNews(TimeStampedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")

    project = models.ForeignKey(
        "properties.Project",
        on_delete=models.PROTECT,
        related_name="construction_news",
        verbose_name=_("project"),
    )
    phase = models.ForeignKey(
        "properties.Phase",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="construction_news",
        verbose_name=_("phase"),
        help_text=_("Empty: the whole project's buyers."),
    )
    title = models.CharField(_("title"), max_length=120)
    text = models.TextField(_("text"))
    progress_on = models.DateField(_("progress as of"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("written by")
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sent by"),
    )
    # The send job's progress: send_total is set once the recipients are chosen.
    send_started_at = models.DateTimeField(_("sending started"), null=True, blank=True, editable=False)
    send_finished_at = models.DateTimeField(_("sent at"), null=True, blank=True, editable=False)
    send_total = models.PositiveIntegerField(default=0, editable=False)
    send_done = models.PositiveIntegerField(default=0, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = ProjectScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("construction news")
        verbose_name_plural = _("construction news")
        indexes = [models.Index(fields=["project", "-id"], name="construction_news_project")]

    def __str__(self) -> str:
        return self.title

    @property
    def audience(self) -> str:
        return f"{self.project.name}{self.phase.name}" if self.phase_id else self.project.name


class NewsPhotoQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(news__in=ConstructionNews.objects.visible_to(user).values("pk"))


class NewsPhoto(models.Model):
    news = models.ForeignKey(
        ConstructionNews, on_delete=models.CASCADE, related_name="photos", verbose_name=_("news")
    )
    image = models.FileField(_("photo"), upload_to="construction_news/%Y/%m/")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    objects = NewsPhotoQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name = _("construction news photo")
        verbose_name_plural = _("construction news photos")

    def __str__(self) -> str:
        return self.image.name


class NewsDeliveryQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(news__in=ConstructionNews.objects.visible_to(user).values("pk"))


class NewsDelivery(models.Model):
    """One buyer's copy of a news item: scheduled, then sent (or unreachable: no address)."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        SENT = "sent", _("Sent")
        UNREACHABLE = "unreachable", _("Unreachable")

    news = models.ForeignKey(
        ConstructionNews, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("news")
    )
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        related_name="construction_news_deliveries",
        verbose_name=_("customer"),
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.SCHEDULED)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    objects = NewsDeliveryQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name = _("construction news delivery")
        verbose_name_plural = _("construction news deliveries")
        constraints = [
            models.UniqueConstraint(fields=["news", "customer"], name="construction_news_once_per_customer"),
        ]
        indexes = [
            # The send job's next batch.
            models.Index(
                fields=["news", "id"], name="news_delivery_to_send", condition=models.Q(status="scheduled")
            ),
            # The owner timeline: a customer's news, newest first.
            models.Index(fields=["customer", "-sent_at"], name="news_delivery_timeline"),
        ]

    def __str__(self) -> str:
        return f"{self.news_id} → {self.customer_id}"
