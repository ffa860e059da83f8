"""The 6+2 touchpoints: a plan per step (when, who, how, what to say) and the tasks generated from it.

A plan's trigger says which contract date it hangs on (lifecycle.services.generation); a touchpoint is
one task for one unit's buyer, unique per (plan, unit, buyer, occurrence) — or (plan, customer, occurrence)
when it has no unit — so that generating again creates nothing twice. It carries the shared clock
fields (core.escalation, lifecycle.deadlines) like a work order.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts.models import Role
from properties.models import TimeStampedModel


class Step(models.TextChoices):
    """服务6+2步法 (DOMAIN.md)."""

    WARM_HANDSHAKE = "1", _("1 Warm handshake (温馨牵手)")
    TYING_THE_KNOT = "2", _("2 Tying the knot (喜结连理)")
    CLOSE_CONTACT = "3", _("3 Close contact (亲密接触)")
    WELCOME_HOME = "4", _("4 Welcome home (恭迎乔迁)")
    CARING = "5", _("5 Caring (嘘寒问暖)")
    RESPONSIBILITY = "6", _("6 Taking responsibility (承担责任)")
    WALKING_TOGETHER = "+1", _("+1 Walking together (一路同行)")
    FOUR_YEARS = "+2", _("+2 Four-year appointment (四年之约)")


class Trigger(models.TextChoices):
    SIGNED = "signed", _("Days after the contract is signed")
    BEFORE_HANDOVER = "before_handover", _("Days before the contractual handover")
    HANDED_OVER = "handed_over", _("Days after the actual handover")
    MONTHS_AFTER_HANDOVER = "months_after_handover", _("Months after the actual handover")
    QUARTERLY = "quarterly", _("Every quarter during construction")
    YEARS_AFTER_HANDOVER = "years_after_handover", _("Years after the actual handover")
    SCHEDULED = "scheduled", _("Scheduled by the team (per phase)")


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone")
    SMS = "sms", _("SMS")
    WECHAT = "wechat", _("WeChat")
    VISIT = "visit", _("Visit")
    LETTER = "letter", _("Letter")


class TouchpointPlan(TimeStampedModel):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    step = models.CharField(_("6+2 step"), max_length=2, choices=Step.choices)
    name_zh = models.CharField(_("name (Chinese)"), max_length=80)
    name_en = models.CharField(_("name (English)"), max_length=80)
    trigger = models.CharField(_("trigger"), max_length=24, choices=Trigger.choices)
    offset = models.PositiveSmallIntegerField(
        _("offset"), default=0, help_text=_("Days, months or years, as the trigger says.")
    )
    working_days = models.BooleanField(
        _("count working days"),
        default=False,
        help_text=_("Day offsets count working days (the Chinese working-day calendar)."),
    )
    role = models.CharField(_("done by"), max_length=20, choices=Role.choices, default=Role.CS_AGENT)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.PHONE)
    script_zh = models.TextField(_("script (Chinese)"), blank=True)
    script_en = models.TextField(_("script (English)"), blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("touchpoint plan")
        verbose_name_plural = _("touchpoint plans")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "").startswith("en") else self.name_zh

    @property
    def script(self) -> str:
        return self.script_en if (get_language() or "").startswith("en") else self.script_zh


class TouchpointQuerySet(models.QuerySet):
    def visible_to(self, user) -> TouchpointQuerySet:
        if not user.is_active or not user.may_see_customers():
            return self.none()
        scope = user.scope
        if scope.is_unrestricted:
            return self
        return self.filter(
            Q(project_id__in=scope.project_ids) | Q(city_company_id__in=scope.city_company_ids)
        )

    def pending(self) -> TouchpointQuerySet:
        return self.filter(status__in=Touchpoint.PENDING)


class Touchpoint(TimeStampedModel):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")
        REACHED = "reached", _("Reached")
        NO_ANSWER = "no_answer", _("No answer (retry)")
        DECLINED = "declined", _("Declined")

    # Still to do: a "no answer" is tried again the next working day.
    PENDING = (Status.OPEN, Status.NO_ANSWER)

    plan = models.ForeignKey(TouchpointPlan, on_delete=models.PROTECT, related_name="touchpoints")
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="touchpoints", verbose_name=_("customer")
    )
    unit = models.ForeignKey(
        "properties.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("unit"),
    )
    contract = models.ForeignKey(
        "customers.Contract", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    project = models.ForeignKey("properties.Project", on_delete=models.PROTECT, related_name="+")
    city_company = models.ForeignKey("properties.CityCompany", on_delete=models.PROTECT, related_name="+")
    # Which time this plan applies: 0 for a one-off, the quarter (YYYYQ) or the scheduled day (YYYYMMDD).
    occurrence = models.PositiveIntegerField(default=0)
    role = models.CharField(_("done by"), max_length=20, choices=Role.choices)
    due_on = models.DateField(_("due"))
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("assignee"),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    outcome_note = models.TextField(_("outcome"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Deadline and escalation (core.escalation): due at the close of business on due_on.
    due_at = models.DateTimeField(editable=False)
    warned = models.BooleanField(default=False, editable=False)
    escalation_level = models.PositiveSmallIntegerField(default=0, editable=False)
    next_check_at = models.DateTimeField(null=True, blank=True, editable=False)
    version = models.PositiveIntegerField(default=1, editable=False)

    objects = TouchpointQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "id"]
        verbose_name = _("touchpoint")
        verbose_name_plural = _("touchpoints")
        constraints = [
            models.UniqueConstraint(
                # With the buyer: a unit resold after a cancelled contract gets its new owner's calls.
                fields=["plan", "unit", "customer", "occurrence"],
                condition=Q(unit__isnull=False),
                name="touchpoint_once_per_unit",
            ),
            models.UniqueConstraint(
                fields=["plan", "customer", "occurrence"],
                condition=Q(unit__isnull=True),
                name="touchpoint_once_per_customer",
            ),
        ]
        indexes = [
            # My touchpoints: assigned to me, by due date.
            models.Index(
                fields=["assignee", "due_on", "id"],
                name="touchpoint_mine",
                condition=Q(status__in=["open", "no_answer"]),
            ),
            # The unassigned ones of a project for a role.
            models.Index(
                fields=["project", "role", "due_on", "id"],
                name="touchpoint_unassigned",
                condition=Q(status__in=["open", "no_answer"], assignee__isnull=True),
            ),
            models.Index(
                fields=["next_check_at"],
                name="touchpoint_clock_due",
                condition=Q(status__in=["open", "no_answer"], next_check_at__isnull=False),
            ),
            # Rates per step and project over a period; generation's date moves by contract.
            models.Index(fields=["due_on", "project"], name="touchpoint_due_project"),
            models.Index(fields=["contract"], name="touchpoint_contract"),
        ]

    def __str__(self) -> str:
        return f"TP {self.pk}"

    @property
    def is_pending(self) -> bool:
        return self.status in self.PENDING


class TouchpointAlert(models.Model):
    """One row per warning or escalation step fired for a touchpoint: the exactly-once guarantee."""

    touchpoint = models.ForeignKey(Touchpoint, on_delete=models.CASCADE, related_name="alerts")
    level = models.PositiveSmallIntegerField(help_text=_("0 = warning, 1–3 = escalation level"))
    fired_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-fired_at"]
        constraints = [models.UniqueConstraint(fields=["touchpoint", "level"], name="touchpoint_alert_once")]

    def __str__(self) -> str:
        return f"{self.touchpoint_id} L{self.level}"
