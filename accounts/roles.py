"""The staff roles, and one Django auth Group per Role carrying the model permissions the admin checks.

The groups are synced after every `migrate` (accounts.apps) so that a new model's
permissions reach the roles without a data migration. The group's name is the role's
value ("cs_agent"): stable across languages, unlike its translated label.
"""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    GROUP_ADMIN = "group_admin", _("Group administrator")
    CITY_HEAD = "city_head", _("City company head")
    CS_SUPERVISOR = "cs_supervisor", _("Customer-service supervisor")
    CS_AGENT = "cs_agent", _("Customer-service agent")
    DELIVERY_ENGINEER = "delivery_engineer", _("Delivery engineer")
    DEPARTMENT_STAFF = "department_staff", _("Department staff")
    CONTRACTOR = "contractor", _("Contractor")
    READONLY_MANAGER = "readonly_manager", _("Read-only manager")
    # Reads the personal-data access log of the whole group (PIPL), and nothing else: no customers,
    # no desks, no figures. Their scope is empty; the log's page and admin check the role.
    AUDITOR = "auditor", _("Privacy auditor")


VIEW = ("view",)
EDIT = ("view", "add", "change")
ALL = ("view", "add", "change", "delete")

PROPERTY_MODELS = ("citycompany", "project", "phase", "building", "unit")
CUSTOMER_MODELS = ("customer", "customerphone", "householdmember", "contract")
# Complaints are changed in the app (complaints.services); the admin reads them. Only the group
# admin edits the category tree and SLA policies.
COMPLAINT_MODELS = ("complaint", "workorder", "groupcase", "improvementitem", "slaalert", "workorderalert")
COMPLAINT_SETUP = ("category", "slapolicy")
COMPLAINTS_VIEW = dict.fromkeys(COMPLAINT_MODELS + COMPLAINT_SETUP, VIEW)
# Handover work happens in the app (delivery.services); the admin edits the checklist, the
# rectification deadlines and the floor plans, and reads the rest.
DELIVERY_MODELS = (
    "handoverbatch",
    "readinessitem",
    "handover",
    "appointmentslot",
    "appointment",
    "inspection",
    "defect",
    "rectificationorder",
    "defectalert",
)
DELIVERY_SETUP = ("checklisttemplate", "checklistitem", "rectificationpolicy", "floorplan")
DELIVERY_VIEW = dict.fromkeys(DELIVERY_MODELS + DELIVERY_SETUP, VIEW)
# The group admin writes the questionnaires (surveys.admin; a version is deleted only while a draft)
# and reads the opt-outs.
SURVEYS_SETUP = {
    "surveytemplate": EDIT,
    "surveytemplateversion": ALL,
    "question": ALL,
    "surveyoptout": VIEW,
}

# app label → model → actions. Deleting customers and contracts is left to the group admin:
# they are history (on_delete=PROTECT), and the reveal log is never edited by anyone.
ROLE_PERMISSIONS: dict[str, dict[str, dict[str, tuple[str, ...]]]] = {
    Role.GROUP_ADMIN: {
        # "change" on API tokens is the right to revoke anyone's (accounts.admin); nobody adds them there.
        "accounts": {
            "user": ALL,
            "contractor": EDIT,
            "personaldataaccess": VIEW,
            "apitoken": ("view", "change"),
        },
        "properties": dict.fromkeys(PROPERTY_MODELS, ALL),
        # Consents and anonymisations are written by their services only (customers.consents, .anonymise).
        "customers": {
            **dict.fromkeys(CUSTOMER_MODELS, ALL),
            "customerconsent": VIEW,
            "customeranonymisation": VIEW,
        },
        "complaints": {**COMPLAINTS_VIEW, **dict.fromkeys(COMPLAINT_SETUP, EDIT)},
        "delivery": {**DELIVERY_VIEW, **dict.fromkeys(DELIVERY_SETUP, ALL)},
        "notifications": {"notification": VIEW},
        "surveys": SURVEYS_SETUP,
        # The outbox is read-only; "change" is the right to resend failed messages (core.admin). The
        # same for webhook deliveries (replay); the integrations' endpoints are the group admin's to set.
        "core": {
            "outboxmessage": ("view", "change"),
            "webhookendpoint": ALL,
            "webhookdelivery": ("view", "change"),
        },
    },
    Role.CITY_HEAD: {
        "accounts": {"user": VIEW, "personaldataaccess": VIEW},
        "properties": dict.fromkeys(PROPERTY_MODELS, EDIT),
        "customers": dict.fromkeys(CUSTOMER_MODELS, EDIT),
        "complaints": COMPLAINTS_VIEW,
        "delivery": {**DELIVERY_VIEW, "floorplan": ALL},
    },
    Role.CS_SUPERVISOR: {
        "accounts": {"personaldataaccess": VIEW},
        "properties": dict.fromkeys(PROPERTY_MODELS, VIEW),
        "customers": dict.fromkeys(CUSTOMER_MODELS, EDIT),
        "complaints": COMPLAINTS_VIEW,
    },
    Role.CS_AGENT: {
        "properties": dict.fromkeys(PROPERTY_MODELS, VIEW),
        "customers": dict.fromkeys(CUSTOMER_MODELS, EDIT),
        "complaints": COMPLAINTS_VIEW,
    },
    Role.DELIVERY_ENGINEER: {
        "properties": dict.fromkeys(PROPERTY_MODELS, VIEW),
        "customers": dict.fromkeys(CUSTOMER_MODELS, VIEW),
        "delivery": {**DELIVERY_VIEW, "floorplan": ALL},
    },
    Role.DEPARTMENT_STAFF: {"properties": dict.fromkeys(PROPERTY_MODELS, VIEW)},
    Role.CONTRACTOR: {"properties": {"project": VIEW, "building": VIEW, "unit": VIEW}},
    Role.READONLY_MANAGER: {
        "properties": dict.fromkeys(PROPERTY_MODELS, VIEW),
        "customers": dict.fromkeys(CUSTOMER_MODELS, VIEW),
        "complaints": COMPLAINTS_VIEW,
    },
    Role.AUDITOR: {"accounts": {"personaldataaccess": VIEW}},
}


def role_permissions(role: str, using: str = "default"):
    """The Permission rows a role's group should hold."""
    wanted = Q(pk__in=[])
    for app_label, app_models in ROLE_PERMISSIONS.get(role, {}).items():
        for model, actions in app_models.items():
            wanted |= Q(
                content_type__app_label=app_label,
                content_type__model=model,
                codename__in=[f"{action}_{model}" for action in actions],
            )
    return Permission.objects.db_manager(using).filter(wanted)


def role_group(role: str) -> Group:
    """The role's group, created with its permissions when missing."""
    group, created = Group.objects.get_or_create(name=Role(role).value)
    if created:
        group.permissions.set(role_permissions(role))
    return group


def role_groups_sync(*, using: str = "default") -> None:
    """Make every role's group hold exactly the permissions of ROLE_PERMISSIONS. Idempotent."""
    for role in Role:
        group, _ = Group.objects.db_manager(using).get_or_create(name=role.value)
        group.permissions.set(role_permissions(role, using))
