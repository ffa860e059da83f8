"""Excel exports too big to write during a request: one row per export, run by a Celery job."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ExportJob(models.Model):
    """One export of a list page (core.exports) with the filters it was asked with. The workbook is
    written to the default storage, exports/<token>.xlsx, downloadable by its creator only, and deleted after
    EXPORT_KEEP_HOURS (core.tasks.expire_exports)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to start")
        RUNNING = "running", _("Writing the workbook")
        DONE = "done", _("Ready to download")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Expired: export again")

        @classmethod
        def running(cls) -> tuple[str, ...]:
            return (cls.QUEUED, cls.RUNNING)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("created by")
    )
    exporter = models.CharField(_("export"), max_length=64)  # a name in core.exports.EXPORTERS
    # The page's filters as lists of strings (a QueryDict); emptied when the job ends, since a
    # customer search text may be a phone number.
    params = models.JSONField(default=dict, blank=True)
    file_name = models.CharField(_("file name"), max_length=255)
    token = models.CharField(max_length=32, unique=True, editable=False)  # names the stored file
    language = models.CharField(max_length=16, default="zh-hans", editable=False)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    truncated = models.BooleanField(default=False)  # stopped at EXPORT_MAX_ROWS
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("export job")
        verbose_name_plural = _("export jobs")
        indexes = [models.Index(fields=["status", "updated_at"], name="export_job_status")]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.status})"

    @property
    def is_running(self) -> bool:
        return self.status in self.Status.running()

    @property
    def percent(self) -> int:
        if not self.progress_total:
            return 0
        return min(100, 100 * self.progress_done // self.progress_total)
