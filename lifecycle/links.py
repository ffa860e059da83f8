"""The lifecycle's links on customers' pages (registered with customers.panels in ready()): a project's
registers on the property browser's project page, a contract's commitments register under each
contract row (the 360 page, the unit page). No queries: URLs and the viewer's role only."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from customers.panels import PageLink

from .permissions import may_view_registers


def project_register_links(user, project) -> list[PageLink]:
    if not may_view_registers(user):
        return []
    return [
        PageLink(_("Risk pre-control"), reverse("lifecycle:project_risk", args=[project.pk])),
        PageLink(_("Sales commitments"), reverse("lifecycle:project_commitments", args=[project.pk])),
        PageLink(_("Four-year appointment"), reverse("lifecycle:project_renovation", args=[project.pk])),
    ]


def contract_register_links(user, contracts) -> dict[int, list[PageLink]]:
    if not may_view_registers(user):
        return {}
    label = _("Sales commitments register")
    return {
        contract.pk: [PageLink(label, reverse("lifecycle:contract_commitments", args=[contract.pk]))]
        for contract in contracts
    }
