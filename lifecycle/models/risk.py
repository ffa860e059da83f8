"""风险预控: the five checkpoints a project passes before handover, with findings and follow-up actions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from properties.models import TimeStampedModel

from ._scope import ProjectScopedQuerySet


class RiskCheckpoint(TimeStampedModel):
    class Kind(models.TextChoices):
        DRAWING_REVIEW = "drawing_review", _("Joint drawing review (图纸会审)")
        SALES_MATERIAL = "sales_material", _("Sales-material sign-off (销售资料会签)")
        SHOW_FLAT = "show_flat", _("Show-flat check (样板房检查)")
        POST_STRUCTURE = "post_structure", _("Post-structure sweep (结构封顶后排查)")
        PRE_HANDOVER = "pre_handover", _("Pre-handover risk check (交付前风险排查)")

    project = models.ForeignKey(
        "properties.Project",
        on_delete=models.PROTECT,
        related_name="risk_checkpoints",
        verbose_name=_("project"),
    )
    kind = models.CharField(_("checkpoint"), max_length=20, choices=Kind.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner"),
    )
    planned_on = models.DateField(_("planned date"), null=True, blank=True)
    done_on = models.DateField(_("done date"), null=True, blank=True)
    findings = models.TextField(_("findings"), blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = ProjectScopedQuerySet.as_manager()

    class Meta:
        ordering = ["project", "planned_on", "id"]
        verbose_name = _("risk checkpoint")
        verbose_name_plural = _("risk checkpoints")
        constraints = [models.UniqueConstraint(fields=["project", "kind"], name="risk_checkpoint_once")]

    def __str__(self) -> str:
        return self.get_kind_display()


class RiskActionQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(checkpoint__in=RiskCheckpoint.objects.visible_to(user).values("pk"))


class RiskAction(TimeStampedModel):
    """A follow-up of a checkpoint's findings."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")

    checkpoint = models.ForeignKey(
        RiskCheckpoint, on_delete=models.CASCADE, related_name="actions", verbose_name=_("checkpoint")
    )
    text = models.CharField(_("action"), max_length=300)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("owner"),
    )
    due_on = models.DateField(_("due date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    note = models.TextField(_("note"), blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = RiskActionQuerySet.as_manager()

    class Meta:
        ordering = ["checkpoint", "id"]
        verbose_name = _("risk follow-up action")
        verbose_name_plural = _("risk follow-up actions")
