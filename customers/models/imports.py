"""The Excel import's jobs: one row per upload, from the check to the import."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ImportJob(models.Model):
    """One Excel import (/customers/import/), run by Celery in two jobs: the check (dry run), then,
    once the user confirms, the import. The uploaded file waits in the default storage, imports/<token>.xlsx
    (never served) between the two and is deleted as soon as the job ends, or expires."""

    class Status(models.TextChoices):
        CHECK_QUEUED = "check_queued", _("Waiting to be checked")
        CHECKING = "checking", _("Checking")
        CHECKED = "checked", _("Checked: no errors, waiting for your confirmation")
        IMPORT_QUEUED = "import_queued", _("Waiting to be imported")
        IMPORTING = "importing", _("Importing")
        DONE = "done", _("Imported")
        REJECTED = "rejected", _("Errors found: nothing written")
        FAILED = "failed", _("Failed: nothing written")
        CANCELLED = "cancelled", _("Cancelled")
        EXPIRED = "expired", _("Expired: not confirmed in time")

        @classmethod
        def running(cls) -> tuple[str, ...]:
            return (cls.CHECK_QUEUED, cls.CHECKING, cls.IMPORT_QUEUED, cls.IMPORTING)

        @classmethod
        def holding_file(cls) -> tuple[str, ...]:
            return (*cls.running(), cls.CHECKED)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("uploaded by")
    )
    file_name = models.CharField(_("file name"), max_length=255)
    token = models.CharField(max_length=32, unique=True, editable=False)  # names the stored file
    language = models.CharField(max_length=16, default="zh-hans", editable=False)  # of the report
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.CHECK_QUEUED)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    report = models.JSONField(_("report"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("import job")
        verbose_name_plural = _("import jobs")
        indexes = [models.Index(fields=["status", "updated_at"], name="import_job_status")]

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
