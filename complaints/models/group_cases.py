"""Group cases (群诉), complaints handled together, and improvement items (缺陷反馈) drawn from them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
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
