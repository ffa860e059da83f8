"""The events an integration may subscribe to: each app registers its own from ready()."""

from __future__ import annotations

_EVENTS: dict[str, str] = {}


def register_webhook_event(name: str, label) -> None:
    """`name` like "complaint.closed"; `label` what administrators read when subscribing."""
    _EVENTS[name] = label


def webhook_events() -> dict[str, str]:
    """Every registered event's label by name, in name order."""
    return dict(sorted(_EVENTS.items()))
