"""Group cases (群诉), complaints handled together, and improvement items (缺陷反馈) drawn from them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Department
from properties.models import TimeStampedModel

from .categories import Category
from .choices import RootCause
from .complaints import Complaint


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
    """群诉: several owners' complaints with one cause, handled together as one case: an owner (a
    supervisor or city company head), a handling plan, messages to every member's owner at once, a
    crisis flag the city company's heads hear of at once, and a written report before it closes.
    The status path is complaints.services.rules.CASE_TRANSITIONS."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        HANDLING = "handling", _("Handling (plan agreed)")
        RESOLVED = "resolved", _("Resolved")
        CLOSED = "closed", _("Closed")

        @classmethod
        def joinable(cls) -> set[str]:
            """A complaint joins a case that is still being worked on."""
            return {cls.OPEN, cls.HANDLING}

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
    # Who answers for the case: a customer-service supervisor or a city company head in its scope.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("case owner"),
    )
    notes = models.TextField(_("notes"), blank=True)
    plan = models.TextField(_("handling plan"), blank=True)
    plan_agreed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("plan agreed by"),
    )
    plan_agreed_at = models.DateTimeField(_("plan agreed at"), null=True, blank=True)
    # 危机: the case may reach the press or the street; the city company's heads hear of it at once.
    is_crisis = models.BooleanField(_("crisis"), default=False)
    crisis_reason = models.CharField(_("why it is a crisis"), max_length=300, blank=True)
    crisis_flagged_at = models.DateTimeField(_("crisis flagged at"), null=True, blank=True)
    resolution = models.TextField(_("resolution"), blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = GroupCaseQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("group case")
        verbose_name_plural = _("group cases")
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["open", "handling", "resolved", "closed"]),
                name="group_case_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.number or self.title

    @property
    def has_report(self) -> bool:
        # A missing reverse one-to-one raises instead of answering None.
        return hasattr(self, "report")


class GroupCaseEvent(models.Model):
    """The case's timeline: who did what to the case as a whole, when."""

    class Kind(models.TextChoices):
        CREATED = "created", _("Case created")
        JOINED = "joined", _("Complaint joined")
        OWNER_ASSIGNED = "owner_assigned", _("Case owner assigned")
        PLAN_AGREED = "plan_agreed", _("Handling plan agreed")
        MESSAGE_SENT = "message_sent", _("Message to the owners")
        CRISIS_FLAGGED = "crisis_flagged", _("Flagged as a crisis")
        CRISIS_CLEARED = "crisis_cleared", _("Crisis over")
        RESOLVED = "resolved", _("Resolved")
        REPORT = "report", _("Written report")
        CLOSED = "closed", _("Closed")
        REOPENED = "reopened", _("Reopened")

    case = models.ForeignKey(
        GroupCase, on_delete=models.CASCADE, related_name="events", verbose_name=_("group case")
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
        verbose_name = _("group case event")
        verbose_name_plural = _("group case events")
        indexes = [models.Index(fields=["case", "created_at"], name="group_case_event_time")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} @ {self.created_at:%Y-%m-%d %H:%M}"


class GroupCaseMessage(models.Model):
    """One message written to every member's owner at once (群诉统一答复). `key` comes with the form
    (or the API call) that sends it: a double click or a retry names the same message, which is sent once."""

    case = models.ForeignKey(
        GroupCase, on_delete=models.CASCADE, related_name="messages", verbose_name=_("group case")
    )
    key = models.UUIDField(_("idempotency key"))
    subject = models.CharField(_("subject"), max_length=200)
    text = models.TextField(_("text"))
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("sent by")
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    queued = models.PositiveIntegerField(_("messages queued"), default=0)
    # The numbers of the member complaints whose owner has no known address (or no customer record).
    unreachable = models.JSONField(_("no address known for"), default=list, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("group case message")
        verbose_name_plural = _("group case messages")
        constraints = [models.UniqueConstraint(fields=["case", "key"], name="group_case_message_once")]

    def __str__(self) -> str:
        return self.subject


class GroupCaseReport(TimeStampedModel):
    """群诉报告: cause, handling, lessons, as for a major complaint. Required before the case closes."""

    case = models.OneToOneField(
        GroupCase, on_delete=models.CASCADE, related_name="report", verbose_name=_("group case")
    )
    cause = models.TextField(_("cause"))
    handling = models.TextField(_("handling"))
    lessons = models.TextField(_("lessons"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("group case report")
        verbose_name_plural = _("group case reports")

    def __str__(self) -> str:
        return f"{self.case}"


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
