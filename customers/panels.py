"""Sections that higher apps add to the customer 360 page, without customers importing them.

An app registers a function from its AppConfig.ready() (see surveys/apps.py):

    register_customer_panel(order=20, panel=customer_surveys)

`panel(request, customer)` returns the section's HTML, or "" when the viewer has nothing to see
there. Each panel must cost a fixed number of queries (the 360 page's query count is tested).
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ImproperlyConfigured
from django.utils.safestring import SafeString, mark_safe

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
            sections.append(mark_safe(html))  # rendered by the panel's own (autoescaped) template
    return sections
