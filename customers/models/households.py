"""Households (住户关系): who belongs to a unit, and supervisors' links that bring a person into a scope."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from properties.models import TimeStampedModel, Unit


class HouseholdQuerySet(models.QuerySet):
    def visible_to(self, user) -> HouseholdQuerySet:
        if not user.may_see_customers():
            return self.none()
        scope = user.scope
        if scope.is_unrestricted:
            return self
        return self.filter(project_id__in=scope.project_ids)


class HouseholdRole(models.TextChoices):
    OWNER = "owner", _("Owner (业主)")
    CO_OWNER = "co_owner", _("Co-owner (共有人)")
    FAMILY = "family", _("Family member (家庭成员)")
    TENANT = "tenant", _("Tenant (租户)")


class HouseholdMember(TimeStampedModel):
    """Who belongs to a unit's household, and as what. One primary owner per unit."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="household", verbose_name=_("unit"))
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="households", verbose_name=_("customer")
    )
    role = models.CharField(_("role"), max_length=12, choices=HouseholdRole.choices)
    since = models.DateField(_("since"), null=True, blank=True)
    # The unit's project, copied by save() (bulk writers set it themselves): "customers holding a unit
    # in my projects", part of every customer scope check, is then one index range, not a join.
    project = models.ForeignKey(
        "properties.Project",
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
        db_index=False,  # household_project_customer starts with it
        verbose_name=_("project"),
    )

    objects = HouseholdQuerySet.as_manager()

    class Meta:
        ordering = ["unit", "role", "id"]
        verbose_name = _("household member")
        verbose_name_plural = _("household members")
        indexes = [
            # CustomerQuerySet.visible_to: the customers holding a unit in the user's projects, read
            # from the index alone.
            models.Index(fields=["project", "customer"], name="household_project_customer"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["unit", "customer"], name="household_member_once_per_unit"),
            models.UniqueConstraint(
                fields=["unit"],
                condition=Q(role="owner"),
                name="household_one_primary_owner",
                violation_error_message=_("This unit already has a primary owner."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} · {self.customer} ({self.get_role_display()})"

    def save(self, *args, **kwargs) -> None:
        self.project_id = self.unit.project_id
        if kwargs.get("update_fields") is not None and "unit" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "project"}
        super().save(*args, **kwargs)


class HouseholdLink(models.Model):
    """A supervisor's confirmation that a person already recorded elsewhere in the group (found by ID
    number) joins a household of their scope (关联客户). Such a link brings the customer into that scope,
    so it is never made by an import or an agent: only by customers.services.household_member_link,
    which writes this row with the reason."""

    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"))
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        related_name="household_links",
        verbose_name=_("customer"),
    )
    role = models.CharField(_("role"), max_length=12, choices=HouseholdRole.choices)
    reason = models.CharField(_("reason"), max_length=200)
    widened_scope = models.BooleanField(
        _("brought into scope"),
        default=False,
        help_text=_("The customer was outside the supervisor's scope before this link."),
    )
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("linked by")
    )
    linked_at = models.DateTimeField(_("linked at"), default=timezone.now)

    class Meta:
        ordering = ["-linked_at", "-id"]
        verbose_name = _("household link")
        verbose_name_plural = _("household links")

    def __str__(self) -> str:
        return f"{self.customer_id} → {self.unit_id} ({self.linked_by_id})"
