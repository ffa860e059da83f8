"""Work orders (派单) issued from a complaint to a department or a contractor, and their progress notes."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Department
from properties.models import TimeStampedModel

from .complaints import Complaint


class WorkOrderQuerySet(models.QuerySet):
    def visible_to(self, user) -> WorkOrderQuerySet:
        """Contractors: their company's work orders in their projects (accounts.scope); everyone else
        the work orders of the complaints they see (Complaint.objects.visible_to), read from the order's
        own copy of the complaint's project: no look at the complaints, so a list walks one index."""
        from accounts.models import Role

        if not user.is_active:
            return self.none()
        if user.role == Role.CONTRACTOR:
            return self.filter(user.scope.firm_work())
        scope = user.scope
        if scope.is_unrestricted:
            return self
        orders = self.filter(project_id__in=scope.project_ids)
        if user.role == Role.DEPARTMENT_STAFF:
            # Their department's complaints: the complaint's department, which dispatch changes.
            return orders.filter(complaint__department=user.department)
        return orders


class WorkOrder(TimeStampedModel):
    """派单: a task with its own deadline, to a department or a contractor."""

    class Status(models.TextChoices):
        ISSUED = "issued", _("Issued")
        ACCEPTED = "accepted", _("Accepted")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    # The work order's deadline runs until it is done (or cancelled): complaints.work_order_deadlines.
    CLOCKED_STATUSES = (Status.ISSUED, Status.ACCEPTED, Status.IN_PROGRESS)

    complaint = models.ForeignKey(
        Complaint, on_delete=models.CASCADE, related_name="work_orders", verbose_name=_("complaint")
    )
    # The complaint's project, copied so that scopes and lists read the work order alone (at 10M
    # complaints the list looked up each walked order's complaint). Always the complaint's: save() and
    # bulk loads set it, and on PostgreSQL triggers keep it (migration 0018). No foreign key of its own:
    # the complaint's already holds the project.
    project = models.ForeignKey(
        "properties.Project",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        null=True,
        editable=False,
        related_name="+",
    )
    number = models.CharField(_("number"), max_length=30, unique=True, null=True, editable=False)
    department = models.CharField(_("department"), max_length=20, choices=Department.choices, blank=True)
    contractor = models.ForeignKey(
        "accounts.Contractor",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="work_orders",
        verbose_name=_("contractor"),
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="work_orders",
        verbose_name=_("assignee"),
    )
    description = models.TextField(_("task"))
    due_at = models.DateTimeField(_("due"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.ISSUED)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    completion_note = models.TextField(_("completion note"), blank=True)
    # Deadline and escalation, driven by core.escalation like complaint SLAs and defects.
    warned = models.BooleanField(_("warned"), default=False, editable=False)
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0, editable=False)
    next_check_at = models.DateTimeField(null=True, blank=True, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = WorkOrderQuerySet.as_manager()

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("work order")
        verbose_name_plural = _("work orders")
        constraints = [
            models.CheckConstraint(
                condition=~Q(department="") | Q(contractor__isnull=False),
                name="work_order_has_an_assignee",
                violation_error_message=_("Choose a department or a contractor."),
            ),
        ]
        indexes = [
            models.Index(fields=["contractor", "status"], name="work_order_contractor"),
            models.Index(fields=["department", "status"], name="work_order_department"),
            # The work-order list (/complaints/work-orders/, keyset on (due_at, id)): the open ones, a few
            # percent of the table, walked in order instead of sorting every open order; all of them; and
            # the open ones by number (?sort=number, keyset on the id: see complaint_open_by_id). The
            # project comes last: for a scope of projects the list first reads a page's keys alone
            # (complaints.views.work_orders), an index-only walk that skips other projects' entries in
            # the index instead of visiting each order's row (PostgreSQL 15 does not use `project_id IN`
            # as an index condition on a column after the ordered ones, but filters the index tuple).
            # They replaced the same three without the project (migration 0019), which they cover.
            models.Index(
                fields=["due_at", "id", "project"],
                name="work_order_open_due_project",
                condition=~Q(status__in=["done", "cancelled"]),
            ),
            models.Index(fields=["due_at", "id", "project"], name="work_order_due_project"),
            models.Index(
                fields=["id", "project"],
                name="work_order_open_id_project",
                condition=~Q(status__in=["done", "cancelled"]),
            ),
            # The deadline sweep's only read: the open work orders whose next step is due.
            models.Index(
                fields=["next_check_at"],
                name="work_order_deadline_due",
                condition=Q(status__in=["issued", "accepted", "in_progress"], next_check_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.number or f"WO {self.pk}"

    def save(self, *args, **kwargs):
        # A new order takes its complaint's project (an order never changes complaint).
        if self.project_id is None and self.complaint_id is not None:
            self.project_id = self.complaint.project_id
        super().save(*args, **kwargs)

    @property
    def is_open(self) -> bool:
        return self.status not in (self.Status.DONE, self.Status.CANCELLED)


class WorkOrderNote(models.Model):
    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.TextField(_("progress note"))
    photo = models.FileField(_("photo"), upload_to="work_orders/%Y/%m/", blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("work order note")
        verbose_name_plural = _("work order notes")

    def __str__(self) -> str:
        return self.note[:50]


class WorkOrderAlert(models.Model):
    """One row per warning or escalation fired for a work order; the unique constraint makes it exactly once.

    A work order has one deadline (no reopening, no new due time): the step is (work order, level).
    """

    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="alerts")
    level = models.PositiveSmallIntegerField(help_text=_("0 = warning, 1–3 = escalation level"))
    fired_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField()

    class Meta:
        ordering = ["-fired_at"]
        verbose_name = _("work order alert")
        verbose_name_plural = _("work order alerts")
        constraints = [
            models.UniqueConstraint(fields=["work_order", "level"], name="work_order_alert_once"),
        ]

    def __str__(self) -> str:
        return f"{self.work_order_id} L{self.level}"
