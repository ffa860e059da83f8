"""Staff accounts, their roles and data scope, and the log of personal-data reveals."""

from __future__ import annotations

import datetime
from functools import cached_property

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .roles import Role
from .scope import Scope


class PersonalField(models.TextChoices):
    PHONE = "phone", _("phone number")
    ID_NUMBER = "id_number", _("ID number")


class LoggedAccess(models.TextChoices):
    """What an access-log row records: a revealed field, or everything held (a data-subject export)."""

    PHONE = PersonalField.PHONE.value, PersonalField.PHONE.label
    ID_NUMBER = PersonalField.ID_NUMBER.value, PersonalField.ID_NUMBER.label
    SUBJECT_EXPORT = "subject_export", _("everything held (data-subject export)")


class RevealReason(models.TextChoices):
    """Why a clear phone or ID number is needed: one of these, plus a written detail (PIPL purpose)."""

    CALLBACK = "callback", _("Callback (回访)")
    COMPLAINT = "complaint", _("Complaint handling (投诉处理)")
    HANDOVER = "handover", _("Handover appointment (交付预约)")
    IDENTITY = "identity", _("Identity check (身份核验)")
    OTHER = "other", _("Other (其他)")


# What each role may do. One table, read by views, API and admin alike.
ROLES_SEEING_CUSTOMERS = {
    Role.GROUP_ADMIN,
    Role.CITY_HEAD,
    Role.CS_SUPERVISOR,
    Role.CS_AGENT,
    Role.DELIVERY_ENGINEER,
    Role.READONLY_MANAGER,
}
ROLES_EDITING_CUSTOMERS = {Role.GROUP_ADMIN, Role.CITY_HEAD, Role.CS_SUPERVISOR, Role.CS_AGENT}
# Folding a duplicate record into another moves its homes, contracts and complaints: supervisors up.
ROLES_MERGING_CUSTOMERS = {Role.GROUP_ADMIN, Role.CITY_HEAD, Role.CS_SUPERVISOR}
ROLES_EDITING_PROPERTY = {Role.GROUP_ADMIN, Role.CITY_HEAD}
ROLES_REVEALING = {
    PersonalField.PHONE: {
        Role.GROUP_ADMIN,
        Role.CITY_HEAD,
        Role.CS_SUPERVISOR,
        Role.CS_AGENT,
        Role.DELIVERY_ENGINEER,
    },
    PersonalField.ID_NUMBER: {Role.GROUP_ADMIN, Role.CITY_HEAD, Role.CS_SUPERVISOR},
}
# Everything held about a person, clear, as a file: those who may reveal every field.
ROLES_REVEALING[LoggedAccess.SUBJECT_EXPORT] = ROLES_REVEALING[PersonalField.ID_NUMBER]
# The whole access log, every city company's: the auditor, and the group administrator. Others who
# hold the admin's view permission (city heads, supervisors) read the rows of the customers they see.
ROLES_READING_ACCESS_LOG = {Role.GROUP_ADMIN, Role.AUDITOR}


class Department(models.TextChoices):
    """Responsible departments that receive work orders (派单)."""

    ENGINEERING = "engineering", _("Engineering (工程)")
    MAINTENANCE = "maintenance", _("Maintenance (维保)")
    PROPERTY_MANAGEMENT = "property", _("Property management (物业)")
    SALES = "sales", _("Sales (销售)")
    DESIGN = "design", _("Design (设计)")
    CUSTOMER_SERVICE = "customer_service", _("Customer service (客服)")


class ContractorQuerySet(models.QuerySet):
    def working_on(self, project_id: int) -> ContractorQuerySet:
        """The active companies engaged on the project: the only ones its work may go to."""
        return self.filter(is_active=True, projects=project_id)


class Contractor(models.Model):
    """An external company (施工单位/维保单位) whose users see only their own work.

    `projects` is the company's engagement: the projects it works on, kept in the admin. Work
    orders, defects and rectification orders go only to a company engaged on their project. It is a
    fact of its own, not derived from the company's user accounts: a company is engaged before (and
    whether or not) anyone there has a login, and which projects each of its users sees is that user's
    own assignment (User.projects): the company's work ∩ the user's projects (accounts.scope).
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    trade = models.CharField(_("trade"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    projects = models.ManyToManyField(
        "properties.Project",
        blank=True,
        related_name="contractors",
        verbose_name=_("projects worked on"),
        help_text=_(
            "Work orders, defects and rectification orders go only to a company engaged on the project."
        ),
    )

    objects = ContractorQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("contractor")
        verbose_name_plural = _("contractors")

    def __str__(self) -> str:
        return self.name


class StaffQuerySet(models.QuerySet):
    def working_on(self, project) -> StaffQuerySet:
        """Active staff whose scope covers the project: the queryset form of Scope.for_user (the group
        administrators, those assigned to the project, those of its city company)."""
        return self.filter(
            Q(role=Role.GROUP_ADMIN) | Q(projects=project.pk) | Q(city_companies=project.city_company_id),
            is_active=True,
        ).distinct()


class StaffUserManager(UserManager.from_queryset(StaffQuerySet)):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        extra_fields.setdefault("role", Role.GROUP_ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    role = models.CharField(_("role"), max_length=32, choices=Role.choices, default=Role.CS_AGENT)
    display_name = models.CharField(_("display name"), max_length=50, blank=True)
    phone = models.CharField(_("work phone"), max_length=20, blank=True)
    city_companies = models.ManyToManyField(
        "properties.CityCompany", blank=True, related_name="staff", verbose_name=_("assigned city companies")
    )
    projects = models.ManyToManyField(
        "properties.Project", blank=True, related_name="staff", verbose_name=_("assigned projects")
    )
    department = models.CharField(_("department"), max_length=20, choices=Department.choices, blank=True)
    contractor = models.ForeignKey(
        Contractor,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("contractor"),
    )
    employment_ends_on = models.DateField(
        _("employment end date"),
        null=True,
        blank=True,
        help_text=_("The account is disabled automatically after this date."),
    )
    deactivated_at = models.DateTimeField(_("deactivated at"), null=True, blank=True)
    # Kept by accounts.two_factor with the user's confirmed TOTP device: the login asks for a code, and
    # a session that has not given one is ended (read from the user row the request loads anyway).
    two_factor_enabled = models.BooleanField(_("two-factor login"), default=False, editable=False)

    objects = StaffUserManager()

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")
        indexes = [
            models.Index(
                fields=["employment_ends_on"],
                name="user_active_with_end_date",
                condition=models.Q(is_active=True, employment_ends_on__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    @cached_property
    def scope(self) -> Scope:
        return Scope.for_user(self)

    def has_left(self, today: datetime.date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.employment_ends_on is not None and self.employment_ends_on < today

    def may_see_customers(self) -> bool:
        return self.is_active and self.role in ROLES_SEEING_CUSTOMERS

    def may_edit_customers(self) -> bool:
        return self.is_active and self.role in ROLES_EDITING_CUSTOMERS

    def may_merge_customers(self) -> bool:
        return self.is_active and self.role in ROLES_MERGING_CUSTOMERS

    def may_edit_property(self) -> bool:
        return self.is_active and self.role in ROLES_EDITING_PROPERTY

    def may_reveal(self, field: str) -> bool:
        return self.is_active and self.role in ROLES_REVEALING.get(field, set())

    def may_read_access_log(self) -> bool:
        return self.is_active and self.role in ROLES_READING_ACCESS_LOG


class PersonalDataAccess(models.Model):
    """One row per reveal of a masked value: who saw whose what, when and why (PIPL)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="personal_data_accesses",
        verbose_name=_("staff member"),
    )
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        related_name="personal_data_accesses",
        verbose_name=_("customer"),
    )
    field = models.CharField(_("field"), max_length=20, choices=LoggedAccess.choices)
    # Empty on the rows logged before reasons were chosen from a list.
    reason_code = models.CharField(_("purpose"), max_length=20, choices=RevealReason.choices, blank=True)
    reason = models.CharField(_("reason"), max_length=200)
    channel = models.CharField(_("channel"), max_length=10, default="web")
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    accessed_at = models.DateTimeField(_("accessed at"), default=timezone.now, db_index=True)
    # This reveal made a burst (REVEAL_BURST_ALERT) and its supervisors were told: one alert per window.
    burst_alert_sent = models.BooleanField(_("burst alert sent"), default=False, editable=False)

    class Meta:
        ordering = ["-accessed_at"]
        verbose_name = _("personal data access")
        verbose_name_plural = _("personal data access log")
        indexes = [
            models.Index(fields=["customer", "-accessed_at"], name="pda_customer_recent"),
            # The reveal limit and the burst alert count one user's recent reveals.
            models.Index(fields=["user", "accessed_at"], name="pda_user_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.customer_id} {self.field} @ {self.accessed_at:%Y-%m-%d %H:%M}"


class ApiTokenQuerySet(models.QuerySet):
    def usable(self, now: datetime.datetime | None = None) -> ApiTokenQuerySet:
        """Neither revoked nor expired."""
        return self.filter(revoked_at__isnull=True, expires_at__gt=now or timezone.now())


class ApiToken(models.Model):
    """A named key a staff member gives a program to call the API as them (header `Token <key>`).

    Only the SHA-256 digest of the key is stored (the key is shown once, when made): a copy of the
    database lets no one call the API. It works until `expires_at`, or until its owner or an
    administrator revokes it (accounts.api_tokens); `last_used_at` is written at most once a minute.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("staff member"),
    )
    name = models.CharField(_("name"), max_length=100)
    digest = models.CharField(_("key digest"), max_length=64, unique=True, editable=False)
    # The key's first characters, to tell one's tokens apart on the page.
    prefix = models.CharField(_("key starts with"), max_length=8, editable=False)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    expires_at = models.DateTimeField(_("expires at"))
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True, editable=False)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("revoked by"),
    )

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        indexes = [models.Index(fields=["user", "-id"], name="apitoken_user_newest")]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def is_expired(self, now: datetime.datetime | None = None) -> bool:
        return self.expires_at <= (now or timezone.now())

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and not self.is_expired()
