"""Sections that higher apps add to the customer 360 page, and links they add to the property
browser's project page and to contract rows, without customers importing them.

An app registers a function from its AppConfig.ready() (see surveys/apps.py):

    register_customer_panel(order=20, panel=customer_surveys)

`panel(request, customer)` returns the section's HTML, or "" when the viewer has nothing to see
there. Each panel must cost a fixed number of queries (the 360 page's query count is tested).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString

CustomerPanel = Callable[[object, object], str]
_PANELS: dict[str, tuple[int, CustomerPanel]] = {}


def register_customer_panel(*, order: int, panel: CustomerPanel) -> None:
    """Add a section to the 360 page; `order` places it. Idempotent per function."""
    key = f"{panel.__module__}.{panel.__qualname__}"
    if key in _PANELS and _PANELS[key] != (order, panel):
        raise ImproperlyConfigured(f"Customer panel {key} is registered twice.")
    _PANELS[key] = (order, panel)


def customer_panels(request, customer) -> list[SafeString]:
    """The registered sections' HTML for this viewer and customer, in order (empty ones left out)."""
    sections = []
    for _order, panel in sorted(_PANELS.values(), key=lambda item: item[0]):
        html = panel(request, customer)
        if html:
            # A panel returns render_to_string()'s output, already safe; a plain string would be escaped.
            sections.append(conditional_escape(html))
    return sections


# --- links that higher apps add to the property browser's project page and to each contract row -----
#
# A higher app registers from its AppConfig.ready() (see lifecycle/apps.py):
#
#     register_project_links(fn)    fn(user, project) -> list[PageLink]
#     register_contract_links(fn)   fn(user, contracts) -> {contract id: list[PageLink]}
#
# Both are called on every render of the pages: they build URLs and read the user's role, no queries
# (the pages' query counts are tested).


@dataclass(frozen=True)
class PageLink:
    label: str
    url: str


ProjectLinks = Callable[[object, object], list[PageLink]]
ContractLinks = Callable[[object, list], dict[int, list[PageLink]]]
_PROJECT_LINKS: dict[str, ProjectLinks] = {}
_CONTRACT_LINKS: dict[str, ContractLinks] = {}


def _key(fn) -> str:
    return f"{fn.__module__}.{fn.__qualname__}"


def register_project_links(fn: ProjectLinks) -> None:
    _PROJECT_LINKS[_key(fn)] = fn


def register_contract_links(fn: ContractLinks) -> None:
    _CONTRACT_LINKS[_key(fn)] = fn


def project_links(user, project) -> list[PageLink]:
    return [link for fn in _PROJECT_LINKS.values() for link in fn(user, project)]


def attach_contract_links(user, contracts) -> None:
    """Set `page_links` on each contract (the template draws them under its row)."""
    contracts = list(contracts)
    for contract in contracts:
        contract.page_links = []
    for fn in _CONTRACT_LINKS.values():
        links = fn(user, contracts)
        for contract in contracts:
            contract.page_links.extend(links.get(contract.pk, ()))
