"""A complaint with its SLA clock, timeline, fired alerts, attachments, return visits and major report."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Department
from properties.models import TimeStampedModel

from .categories import Category, SlaPolicy
from .choices import Channel, ComplaintType, RootCause, Severity, SlaTarget, Status

IS_OPEN = Q(status__in=Status.open_values())
# What the board's counters and the dashboards' backlog (escalated by level) read of each open
# complaint: both indexes over the open ones cover them (complaint_open_sla_counters, _open_by_id).
OPEN_COUNTED_COLUMNS = (
    "department",
    "sla_target",
    "sla_warned",
    "paused_at",
    "first_response_due_at",
    "plan_due_at",
    "resolution_due_at",
    "escalation_level",
)


def current_due_expression() -> models.Case:
    """The due time of the target the clock measures now; the board orders by it (and indexes it)."""
    return models.Case(
        models.When(sla_target="first_response", then=models.F("first_response_due_at")),
        models.When(sla_target="plan", then=models.F("plan_due_at")),
        models.When(sla_target="resolution", then=models.F("resolution_due_at")),
        default=None,
    )


class ComplaintQuerySet(models.QuerySet):
    def visible_to(self, user) -> ComplaintQuerySet:
        from accounts.models import Role

        if not user.is_active:
            return self.none()
        if user.role == Role.CONTRACTOR:
            # A contractor sees the complaints behind the work orders they see, nothing else. The work
            # order model is reached through its relation: complaints.models.work_orders imports this one.
            work_orders = self.model._meta.get_field("work_orders").related_model.objects
            return self.filter(
                models.Exists(work_orders.visible_to(user).filter(complaint_id=models.OuterRef("pk")))
            )
        scope = user.scope
        if scope.is_unrestricted:
            return self
        if user.role == Role.DEPARTMENT_STAFF:
            return self.filter(project_id__in=scope.project_ids, department=user.department)
        return self.filter(project_id__in=scope.project_ids)

    def open(self) -> ComplaintQuerySet:
        return self.filter(status__in=Status.open_values())

    def due_for_sla_check(self, now) -> ComplaintQuerySet:
        return self.filter(sla_next_check_at__lte=now)


class Complaint(TimeStampedModel):
    number = models.CharField(_("number"), max_length=30, unique=True, null=True, editable=False)
    complaint_type = models.CharField(_("type"), max_length=20, choices=ComplaintType.choices)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="complaints", verbose_name=_("category")
    )
    severity = models.CharField(
        _("severity"), max_length=10, choices=Severity.choices, default=Severity.NORMAL
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.RECEIVED)
    # Empty for a public complaint whose phone was not confirmed by a code: an agent matches it.
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints",
        verbose_name=_("customer"),
    )
    # The public form's contact as the reporter gave it (unverified unless a code confirmed the phone).
    reporter_name = models.CharField(_("contact name as given"), max_length=50, blank=True)
    reporter_phone = models.CharField(_("contact phone as given"), max_length=20, blank=True)
    unit = models.ForeignKey(
        "properties.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints",
        verbose_name=_("unit"),
    )
    project = models.ForeignKey(
        "properties.Project",
        on_delete=models.PROTECT,
        related_name="complaints",
        verbose_name=_("responsible project"),
    )
    title = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("description"))
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("received by"),
    )
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    department = models.CharField(
        _("responsible department"), max_length=20, choices=Department.choices, blank=True
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="handled_complaints",
        verbose_name=_("handler"),
    )
    group_case = models.ForeignKey(
        "complaints.GroupCase",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="complaints",
        verbose_name=_("group case"),
    )
    plan = models.TextField(_("agreed plan (方案)"), blank=True)
    resolution = models.TextField(_("resolution"), blank=True)
    root_cause = models.CharField(_("root cause"), max_length=20, choices=RootCause.choices, blank=True)
    satisfaction = models.PositiveSmallIntegerField(
        _("satisfaction (1–5)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    closed_unreachable = models.BooleanField(_("closed: owner unreachable"), default=False)
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)

    # SLA: the policy, the promised moments, and when each promise was kept.
    sla_policy = models.ForeignKey(
        SlaPolicy,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("SLA policy"),
    )
    first_response_due_at = models.DateTimeField(_("first response due"), null=True, blank=True)
    plan_due_at = models.DateTimeField(_("plan due"), null=True, blank=True)
    resolution_due_at = models.DateTimeField(_("resolution due"), null=True, blank=True)
    first_responded_at = models.DateTimeField(_("first responded at"), null=True, blank=True)
    plan_agreed_at = models.DateTimeField(_("plan agreed at"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # The clock stops while the complaint waits on the owner.
    paused_at = models.DateTimeField(_("paused at"), null=True, blank=True)
    pause_reason = models.CharField(_("pause reason"), max_length=200, blank=True)
    # The target being measured now, how far it has escalated, and when the sweep looks next.
    sla_started_at = models.DateTimeField(_("SLA clock started at"), null=True, blank=True)
    sla_target = models.CharField(
        _("current SLA target"), max_length=20, choices=SlaTarget.choices, blank=True
    )
    sla_warned = models.BooleanField(_("warning sent"), default=False)
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    sla_next_check_at = models.DateTimeField(null=True, blank=True, editable=False)

    version = models.PositiveIntegerField(default=1, editable=False)

    objects = ComplaintQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        indexes = [
            # The sweep's only read: what is due now, among open complaints with a clock running.
            models.Index(
                fields=["sla_next_check_at"],
                name="complaint_sla_sweep",
                condition=Q(sla_next_check_at__isnull=False),
            ),
            # The SLA board: open complaints of a project by nearest due time.
            models.Index(
                fields=["project", "first_response_due_at"],
                name="complaint_open_by_due",
                condition=IS_OPEN,
            ),
            # The SLA board (/complaints/, complaints.selectors.sla_board): open complaints in keyset
            # order (current_due, id). The expression is with_current_due()'s, so the page is an ordered
            # index scan + LIMIT instead of sorting every open complaint (bench at 1M: 320 → 3 ms).
            # Its included columns serve the board's counters (complaints/open_counts.py): the running
            # complaints whose due time is still ahead, an index-only range from now on (an index-only
            # scan needs the expression's own columns too, PostgreSQL does not read the key back).
            models.Index(
                current_due_expression(),
                models.F("id"),
                name="complaint_board_current_due",
                condition=IS_OPEN,
                include=[
                    "project",
                    "sla_warned",
                    "paused_at",
                    "sla_target",
                    "first_response_due_at",
                    "plan_due_at",
                    "resolution_due_at",
                ],
            ),
            # The overseers' home queue "waiting for dispatch" (complaints.work_queues.undispatched_complaints):
            # received, nobody given yet, nearest due first. On the board's index it walked every breached
            # complaint in scope first (city head at 1M: 40 ms); these are the few of the last days.
            models.Index(
                current_due_expression(),
                models.F("id"),
                name="complaint_undispatched_by_due",
                condition=Q(status="received", handler__isnull=True),
            ),
            # The board's counters (complaints.selectors.sla_counters: on time / warning / breached /
            # paused over every open complaint in scope): an index-only scan instead of visiting the
            # heap page of each open complaint, which are scattered over five years of rows.
            models.Index(
                fields=["project"],
                include=["id", *OPEN_COUNTED_COLUMNS],  # COUNT("id") reads the id
                name="complaint_open_sla_counters",
                condition=IS_OPEN,
            ),
            # The board sorted by number (?sort=number, keyset on the id): the open complaints' ids, so
            # the oldest open complaint is the index's first entry, not past every closed one before it.
            # It covers what the counters' index covers: PostgreSQL takes the ids' order for the heap's
            # (correlation 1) and so prices a walk of it with a visit to each open complaint's row as
            # nearly sequential, while the open rows lie one to a page over ten years (10M: the
            # dashboards' backlog 5.4 s cold, 166,000 pages read). Covered, that walk reads the index
            # alone whenever it is chosen for a count.
            models.Index(
                fields=["id"],
                include=["project", *OPEN_COUNTED_COLUMNS],
                name="complaint_open_by_id",
                condition=IS_OPEN,
            ),
            models.Index(fields=["customer", "-received_at"], name="complaint_customer_recent"),
            models.Index(fields=["handler", "status"], name="complaint_handler_status"),
            models.Index(fields=["project", "category", "status"], name="complaint_project_category"),
            models.Index(fields=["resolution_due_at"], name="complaint_resolution_due"),
            models.Index(fields=["plan_due_at"], name="complaint_plan_due"),
            # The managers' dashboards (dashboards.measures.complaints), each an index-only range scan of
            # the trend's periods, grouped per (period, project): complaints received (with what the
            # resolution rate, the top categories and root causes read of them) ...
            models.Index(
                fields=["received_at"],
                include=["project", "status", "resolved_at", "category", "root_cause"],
                name="complaint_received_figures",
            ),
            # ... first responses by the time they fell due (24-hour compliance) ...
            models.Index(
                fields=["first_response_due_at"],
                include=["project", "first_responded_at", "paused_at"],
                name="complaint_first_response_due",
            ),
            # ... resolutions by the time they were made (mean and median resolution time) ...
            models.Index(
                fields=["resolved_at"],
                include=["project", "received_at", "status"],
                name="complaint_resolved_figures",
                condition=Q(resolved_at__isnull=False),
            ),
            # ... and repeat complaints: an earlier complaint of the same unit and category within 90
            # days is one probe of this index (also the SLA board's ?repeat=1 filter).
            models.Index(
                fields=["unit", "category", "received_at"],
                name="complaint_unit_category_time",
                condition=Q(unit__isnull=False),
            ),
            # The dashboards' summary refresh: which complaints changed since it last ran (every save
            # through the services writes updated_at), so their days are counted again.
            models.Index(fields=["updated_at"], name="complaint_updated"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(escalation_level__gte=0) & Q(escalation_level__lte=3),
                name="complaint_escalation_0_to_3",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number or '—'} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in Status.open_values()

    @property
    def is_paused(self) -> bool:
        return self.paused_at is not None

    @property
    def current_due_at(self):
        return self.due_at_for(self.sla_target) if self.sla_target else None

    def due_at_for(self, target: str):
        return {
            SlaTarget.FIRST_RESPONSE: self.first_response_due_at,
            SlaTarget.PLAN: self.plan_due_at,
            SlaTarget.RESOLUTION: self.resolution_due_at,
        }.get(target)


class ComplaintEvent(models.Model):
    """The complaint's timeline: who did what, when, with what note."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Received")
        DISPATCHED = "dispatched", _("Dispatched")
        RESPONDED = "responded", _("Owner contacted")
        PLAN_AGREED = "plan_agreed", _("Plan agreed")
        WORK_ORDER = "work_order", _("Work order")
        RESOLVED = "resolved", _("Resolved")
        RETURN_VISIT = "return_visit", _("Return visit")
        CLOSED = "closed", _("Closed")
        REOPENED = "reopened", _("Reopened")
        PAUSED = "paused", _("Clock paused")
        RESUMED = "resumed", _("Clock resumed")
        SLA_WARNING = "sla_warning", _("SLA warning")
        ESCALATED = "escalated", _("Escalated")
        GROUPED = "grouped", _("Linked to group case")
        NOTE = "note", _("Note")
        REPORT = "report", _("Major complaint report")
        CUSTOMER_LINKED = "customer_linked", _("Linked to the customer")
        RECLASSIFIED = "reclassified", _("Type, category or severity changed")
        WORK_ORDER_WARNING = "work_order_warning", _("Work order due soon")
        WORK_ORDER_ESCALATED = "work_order_escalated", _("Work order escalated")
        GROUP_MESSAGE = "group_message", _("Group case message to the owners")

    complaint = models.ForeignKey(
        Complaint, on_delete=models.CASCADE, related_name="events", verbose_name=_("complaint")
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("complaint event")
        verbose_name_plural = _("complaint events")
        indexes = [models.Index(fields=["complaint", "created_at"], name="event_complaint_time")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} @ {self.created_at:%Y-%m-%d %H:%M}"


class SlaAlert(models.Model):
    """One row per warning or escalation step fired. The unique constraint is the exactly-once guarantee:
    two sweeps racing, or a batch rerun after a crash, cannot insert the same step twice."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="sla_alerts")
    target = models.CharField(max_length=20, choices=SlaTarget.choices)
    round = models.PositiveSmallIntegerField(default=0, help_text=_("Reopen count when fired"))
    level = models.PositiveSmallIntegerField(help_text=_("0 = warning, 1–3 = escalation level"))
    fired_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField()

    class Meta:
        ordering = ["-fired_at"]
        verbose_name = _("SLA alert")
        verbose_name_plural = _("SLA alerts")
        constraints = [
            models.UniqueConstraint(fields=["complaint", "target", "round", "level"], name="sla_alert_once"),
        ]
        indexes = [models.Index(fields=["fired_at"], name="sla_alert_fired")]

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.target} L{self.level}"


def attachment_path(instance, filename: str) -> str:
    # `filename` is the <uuid>.<ext> that core.uploads gave it; the client's name is only original_name.
    return f"complaints/{instance.complaint_id}/{filename}"


class Attachment(models.Model):
    complaint = models.ForeignKey(
        Complaint, on_delete=models.CASCADE, related_name="attachments", verbose_name=_("complaint")
    )
    file = models.FileField(_("file"), upload_to=attachment_path)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["uploaded_at"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.original_name


class ReturnVisit(models.Model):
    """回访 after resolution: up to three attempts to reach the owner."""

    complaint = models.ForeignKey(
        Complaint, on_delete=models.CASCADE, related_name="return_visits", verbose_name=_("complaint")
    )
    attempt = models.PositiveSmallIntegerField(_("attempt"))
    reached = models.BooleanField(_("owner reached"))
    satisfaction = models.PositiveSmallIntegerField(
        _("satisfaction (1–5)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    comment = models.TextField(_("comment"), blank=True)
    visited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    visited_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["complaint", "attempt"]
        verbose_name = _("return visit")
        verbose_name_plural = _("return visits")
        constraints = [
            models.UniqueConstraint(fields=["complaint", "attempt"], name="return_visit_attempt_once"),
            models.CheckConstraint(
                condition=Q(reached=False) | Q(satisfaction__isnull=False),
                name="reached_visit_has_satisfaction",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.complaint_id} #{self.attempt}"


class MajorComplaintReport(TimeStampedModel):
    """重大投诉 written report: cause, handling, lessons. Required before a major complaint closes."""

    complaint = models.OneToOneField(
        Complaint, on_delete=models.CASCADE, related_name="major_report", verbose_name=_("complaint")
    )
    cause = models.TextField(_("cause"))
    handling = models.TextField(_("handling"))
    lessons = models.TextField(_("lessons"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("major complaint report")
        verbose_name_plural = _("major complaint reports")

    def __str__(self) -> str:
        return f"{self.complaint}"
