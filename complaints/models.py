"""Complaints and service requests (投诉、报修、咨询、建议、表扬) and their SLA clocks.

The path 接待 → 分派 → 方案 → 派单 → 关闭 is a state machine whose every transition is a
service in complaints/services.py. Deadlines live on the row (`*_due_at`); the SLA sweep
(complaints/sla.py) reads `sla_next_check_at`, the next moment anything should fire for
the complaint's current target, through a partial index over open complaints.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Department
from crm.workcalendar import TimeBasis
from properties.models import TimeStampedModel


class ComplaintType(models.TextChoices):
    COMPLAINT = "complaint", _("Complaint (投诉)")
    REPAIR = "repair", _("Repair request (报修)")
    ENQUIRY = "enquiry", _("Enquiry (咨询)")
    SUGGESTION = "suggestion", _("Suggestion (建议)")
    PRAISE = "praise", _("Praise (表扬)")


class Channel(models.TextChoices):
    HOTLINE = "hotline", _("Hotline (客服热线)")
    FRONT_DESK = "front_desk", _("Front desk (前台来访)")
    WEB_FORM = "web_form", _("Web form (网上表单)")
    PUBLIC_FORUM = "forum", _("Public forum (投诉论坛)")
    EMAIL = "email", _("Email")
    WECHAT = "wechat", _("WeChat / Weibo")
    LETTER = "letter", _("Letter (信函)")
    PROPERTY_REFERRAL = "property", _("Property-management referral (物业转介)")
    MEDIA = "media", _("Media (媒体)")


class Severity(models.TextChoices):
    NORMAL = "normal", _("Normal")
    MAJOR = "major", _("Major (重大投诉)")
    GROUP = "group", _("Group (群诉)")


class Status(models.TextChoices):
    RECEIVED = "received", _("Received (已接待)")
    DISPATCHED = "dispatched", _("Dispatched (已分派)")
    PLAN_AGREED = "plan_agreed", _("Plan agreed (方案已确认)")
    IN_PROGRESS = "in_progress", _("In progress (处理中)")
    RESOLVED = "resolved", _("Resolved (已解决)")
    CLOSED = "closed", _("Closed (已关闭)")
    REOPENED = "reopened", _("Reopened (重新打开)")

    @classmethod
    def open_values(cls) -> list[str]:
        return [cls.RECEIVED, cls.DISPATCHED, cls.PLAN_AGREED, cls.IN_PROGRESS, cls.RESOLVED, cls.REOPENED]


class SlaTarget(models.TextChoices):
    """The promise the clock is currently measuring."""

    FIRST_RESPONSE = "first_response", _("First response (首次响应)")
    PLAN = "plan", _("Plan agreed (方案确认)")
    RESOLUTION = "resolution", _("Resolution (处理完成)")


class RootCause(models.TextChoices):
    DESIGN = "design", _("Design (设计)")
    CONSTRUCTION = "construction", _("Construction (施工)")
    MATERIALS = "materials", _("Materials (材料)")
    SALES_PROMISE = "sales_promise", _("Sales promise (销售承诺)")
    PROPERTY_SERVICE = "property_service", _("Property service (物业服务)")
    PLANNING = "planning", _("Planning change (规划变更)")
    DELIVERY = "delivery", _("Delivery delay (交付延期)")
    CUSTOMER = "customer", _("Customer misunderstanding (客户误解)")
    OTHER = "other", _("Other")


class Category(models.Model):
    """A node of the complaint category tree (e.g. 房屋质量 → 渗漏), edited by administrators."""

    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent"),
    )
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=50)
    default_department = models.CharField(
        _("default department"), max_length=20, choices=Department.choices, blank=True
    )
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="category_name_unique_in_parent")
        ]

    def __str__(self) -> str:
        return f"{self.parent.name} / {self.name}" if self.parent_id else self.name


class SlaPolicy(models.Model):
    """Targets for a type × category × severity. The most specific active policy wins.

    An empty type/severity or a null category matches any. A category policy also covers the
    category's children.
    """

    name = models.CharField(_("name"), max_length=100)
    complaint_type = models.CharField(_("type"), max_length=20, choices=ComplaintType.choices, blank=True)
    category = models.ForeignKey(
        Category,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sla_policies",
        verbose_name=_("category"),
    )
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices, blank=True)
    first_response_minutes = models.PositiveIntegerField(
        _("first response within (minutes)"), default=24 * 60, validators=[MinValueValidator(1)]
    )
    plan_minutes = models.PositiveIntegerField(
        _("plan agreed within (minutes)"), default=3 * 24 * 60, validators=[MinValueValidator(1)]
    )
    resolution_minutes = models.PositiveIntegerField(
        _("resolved within (minutes)"), default=15 * 24 * 60, validators=[MinValueValidator(1)]
    )
    time_basis = models.CharField(
        _("time basis"),
        max_length=10,
        choices=TimeBasis.choices,
        default=TimeBasis.CLOCK,
        help_text=_("Clock hours, or working time on the statutory calendar with business hours."),
    )
    warning_percent = models.PositiveSmallIntegerField(
        # xgettext:no-python-format (the "%" is a literal percent sign)
        _("warn at (% of the time)"),
        default=75,
        validators=[MinValueValidator(1), MaxValueValidator(99)],
    )
    escalation_2_after_minutes = models.PositiveIntegerField(
        _("level 2 escalation after breach (minutes)"), default=4 * 60
    )
    escalation_3_after_minutes = models.PositiveIntegerField(
        _("level 3 escalation after breach (minutes)"), default=24 * 60
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        constraints = [
            models.CheckConstraint(
                condition=Q(first_response_minutes__lte=models.F("resolution_minutes"))
                & Q(plan_minutes__lte=models.F("resolution_minutes")),
                name="sla_targets_in_order",
                violation_error_message=_("First response and plan must be due before resolution."),
            ),
            models.CheckConstraint(
                condition=Q(escalation_2_after_minutes__lte=models.F("escalation_3_after_minutes")),
                name="sla_escalations_in_order",
                violation_error_message=_("Level 2 must come before level 3."),
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def specificity(self) -> int:
        return (
            (4 if self.category_id else 0) + (2 if self.complaint_type else 0) + (1 if self.severity else 0)
        )

    def target_minutes(self, target: str) -> int:
        return {
            SlaTarget.FIRST_RESPONSE: self.first_response_minutes,
            SlaTarget.PLAN: self.plan_minutes,
            SlaTarget.RESOLUTION: self.resolution_minutes,
        }[target]


class GroupCaseQuerySet(models.QuerySet):
    def visible_to(self, user) -> GroupCaseQuerySet:
        """The group cases of the user's projects (all of them for the group); department staff those
        holding a complaint of their department; contractors none."""
        from accounts.models import Role

        scope = user.scope
        if not user.is_active or user.role == Role.CONTRACTOR:
            return self.none()
        if scope.is_unrestricted:
            return self
        cases = self.filter(project_id__in=scope.project_ids)
        if user.role == Role.DEPARTMENT_STAFF:
            cases = cases.filter(
                models.Exists(
                    Complaint.objects.filter(group_case_id=models.OuterRef("pk"), department=user.department)
                )
            )
        return cases


class GroupCase(TimeStampedModel):
    """群诉: several owners' complaints with one cause, handled together."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    number = models.CharField(_("number"), max_length=30, unique=True, null=True, editable=False)
    title = models.CharField(_("title"), max_length=200)
    project = models.ForeignKey(
        "properties.Project", on_delete=models.PROTECT, related_name="group_cases", verbose_name=_("project")
    )
    building = models.ForeignKey(
        "properties.Building",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="group_cases",
        verbose_name=_("building"),
    )
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="group_cases", verbose_name=_("category")
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("handler"),
    )
    notes = models.TextField(_("notes"), blank=True)

    objects = GroupCaseQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("group case")
        verbose_name_plural = _("group cases")

    def __str__(self) -> str:
        return self.number or self.title


IS_OPEN = Q(status__in=Status.open_values())


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
            # A contractor sees the complaints behind the work orders they see, nothing else.
            return self.filter(
                models.Exists(WorkOrder.objects.visible_to(user).filter(complaint_id=models.OuterRef("pk")))
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
        GroupCase,
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
            models.Index(
                current_due_expression(),
                models.F("id"),
                name="complaint_board_current_due",
                condition=IS_OPEN,
            ),
            # The board's counters (complaints.selectors.sla_counters: on time / warning / breached /
            # paused over every open complaint in scope): an index-only scan instead of visiting the
            # heap page of each open complaint, which are scattered over five years of rows.
            models.Index(
                fields=["project"],
                include=[
                    "id",  # COUNT("id") reads it
                    "department",
                    "sla_target",
                    "sla_warned",
                    "paused_at",
                    "first_response_due_at",
                    "plan_due_at",
                    "resolution_due_at",
                ],
                name="complaint_open_sla_counters",
                condition=IS_OPEN,
            ),
            models.Index(fields=["customer", "-received_at"], name="complaint_customer_recent"),
            models.Index(fields=["handler", "status"], name="complaint_handler_status"),
            models.Index(fields=["project", "category", "status"], name="complaint_project_category"),
            models.Index(fields=["resolution_due_at"], name="complaint_resolution_due"),
            models.Index(fields=["plan_due_at"], name="complaint_plan_due"),
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
    emailed_at = models.DateTimeField(null=True, blank=True)

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
    # `filename` is the <uuid>.<ext> that crm.uploads gave it; the client's name is only original_name.
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


class WorkOrderQuerySet(models.QuerySet):
    def visible_to(self, user) -> WorkOrderQuerySet:
        """Contractors: their company's work orders in their projects (accounts.scope); everyone else
        the work orders of the complaints they see."""
        from accounts.models import Role

        if not user.is_active:
            return self.none()
        if user.role == Role.CONTRACTOR:
            return self.filter(user.scope.firm_work(project="complaint__project"))
        return self.filter(complaint__in=Complaint.objects.visible_to(user))


class WorkOrder(TimeStampedModel):
    """派单: a task with its own deadline, to a department or a contractor."""

    class Status(models.TextChoices):
        ISSUED = "issued", _("Issued")
        ACCEPTED = "accepted", _("Accepted")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    complaint = models.ForeignKey(
        Complaint, on_delete=models.CASCADE, related_name="work_orders", verbose_name=_("complaint")
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
            # percent of the table, walked in order instead of sorting every open order; and all of them.
            models.Index(
                fields=["due_at", "id"],
                name="work_order_open_by_due",
                condition=~Q(status__in=["done", "cancelled"]),
            ),
            models.Index(fields=["due_at", "id"], name="work_order_by_due"),
        ]

    def __str__(self) -> str:
        return self.number or f"WO {self.pk}"

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


class ImprovementItemQuerySet(models.QuerySet):
    def visible_to(self, user) -> ImprovementItemQuerySet:
        """The items of the user's projects and their own; department staff only their department's;
        contractors none."""
        from accounts.models import Role

        if not user.is_active or user.role == Role.CONTRACTOR:
            return self.none()
        scope = user.scope
        if scope.is_unrestricted:
            return self
        items = self.filter(Q(project_id__in=scope.project_ids) | Q(created_by=user))
        if user.role == Role.DEPARTMENT_STAFF:
            items = items.filter(department=user.department)
        return items


class ImprovementItem(TimeStampedModel):
    """缺陷反馈: an improvement extracted from complaints, fed back to a department, tracked to done."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    department = models.CharField(_("department"), max_length=20, choices=Department.choices)
    root_cause = models.CharField(_("root cause"), max_length=20, choices=RootCause.choices, blank=True)
    project = models.ForeignKey(
        "properties.Project",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="improvement_items",
        verbose_name=_("project"),
    )
    complaints = models.ManyToManyField(
        Complaint, related_name="improvement_items", verbose_name=_("complaints")
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
    due_on = models.DateField(_("due"), null=True, blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    objects = ImprovementItemQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("improvement item")
        verbose_name_plural = _("improvement items")

    def __str__(self) -> str:
        return self.title


class PublicPhoneCode(models.Model):
    """A one-time code sent by SMS to the phone typed on the public form: entered with the complaint,
    it proves the phone is the reporter's, and only then is the complaint put on that phone's
    customer record. Stored as a keyed hash; 10 minutes, 5 tries, used once."""

    phone = models.CharField(_("mobile phone"), max_length=20)
    code_hash = models.CharField(_("code (keyed hash)"), max_length=64)
    created_at = models.DateTimeField(_("sent at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    attempts = models.PositiveSmallIntegerField(_("wrong attempts"), default=0)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    ip_address = models.GenericIPAddressField(_("requested from"), null=True, blank=True)

    class Meta:
        verbose_name = _("public phone code")
        verbose_name_plural = _("public phone codes")
        indexes = [models.Index(fields=["phone", "-created_at"], name="public_code_phone_recent")]

    def __str__(self) -> str:
        return f"{self.phone[:3]}****{self.phone[-4:]} @ {self.created_at:%Y-%m-%d %H:%M}"
