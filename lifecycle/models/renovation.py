"""+2 四年之约: the public-area renovation items of a project four years after handover, and the
read-only link its owners' representatives follow (the token is the credential; no personal data)."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from properties.models import TimeStampedModel

from ._scope import ProjectScopedQuerySet


class RenovationItem(TimeStampedModel):
    class Category(models.TextChoices):
        EQUIPMENT = "equipment", _("Old equipment (设备老化)")
        PAINT = "paint", _("Fading paint (外立面/油漆褪色)")
        BROADBAND = "broadband", _("Broadband (宽带)")
        LANDSCAPING = "landscaping", _("Landscaping (园林)")
        SECURITY = "security", _("Security (安防)")
        OTHER = "other", _("Other")

    class Source(models.TextChoices):
        OWNER = "owner", _("Owners' input")
        COMPLAINT = "complaint", _("Complaint")
        SURVEY = "survey", _("Survey answer")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")

    project = models.ForeignKey(
        "properties.Project",
        on_delete=models.PROTECT,
        related_name="renovation_items",
        verbose_name=_("project"),
    )
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    source = models.CharField(_("raised from"), max_length=10, choices=Source.choices, default=Source.OWNER)
    complaint = models.ForeignKey(
        "complaints.Complaint",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("complaint"),
    )
    survey_answer = models.ForeignKey(
        "surveys.Answer",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("survey answer"),
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.OPEN)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner"),
    )
    due_on = models.DateField(_("due date"), null=True, blank=True)
    note = models.TextField(_("progress note"), blank=True)
    done_on = models.DateField(_("done on"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = ProjectScopedQuerySet.as_manager()

    class Meta:
        ordering = ["project", "-id"]
        verbose_name = _("renovation item")
        verbose_name_plural = _("renovation items")

    def __str__(self) -> str:
        return self.title


def new_token() -> str:
    return secrets.token_urlsafe(24)


class RepresentativeLink(models.Model):
    """An unguessable read-only link to a project's renovation items for its owners' representatives."""

    project = models.ForeignKey(
        "properties.Project",
        on_delete=models.PROTECT,
        related_name="renovation_links",
        verbose_name=_("project"),
    )
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    label = models.CharField(_("label"), max_length=100, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    objects = ProjectScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("owners' representatives link")
        verbose_name_plural = _("owners' representatives links")

    def __str__(self) -> str:
        return self.label or str(self.project)
