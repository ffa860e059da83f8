"""What each app holds about a person, for the person's rights (PIPL), without customers importing the
apps above it: their part of a data-subject export, their anonymiser, and what holds a record back from
the retention job. Like customers.panels, a higher app registers from its AppConfig.ready():

    register_subject_export_part("complaints", complaints_of)      fn(customer, user) -> JSON-able data
    register_anonymiser("complaints", complaints_anonymise)         fn(customer, now) -> rows rewritten
    register_retention_hold("complaints", customers_with_live_complaints)
                                                                    fn(cutoff) -> queryset of customer ids

A part returns the person's rows of that app (`user` is who exports: for parts that read through it)
as plain data (dicts of str/int/bool/None, ISO dates), in
the clear: the export is the person's own copy. An anonymiser replaces the free texts and personal data
of its rows with placeholders and keeps ids, dates, categories, scores and counts, so no figure moves.
A retention hold names the customers with an open record of that app, or one touched since `cutoff`:
they are not anonymised by the retention job.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet

# What free text and personal data become: the same words everywhere, so a reader knows at once.
PLACEHOLDER = "[已匿名]"

ExportPart = Callable[[Any, Any], Any]
Anonymiser = Callable[[Any, datetime.datetime], int]
RetentionHold = Callable[[datetime.datetime], QuerySet]

_EXPORT_PARTS: dict[str, ExportPart] = {}
_ANONYMISERS: dict[str, Anonymiser] = {}
_RETENTION_HOLDS: dict[str, RetentionHold] = {}


def _register(registry: dict, name: str, fn) -> None:
    if registry.get(name, fn) is not fn:
        raise ImproperlyConfigured(f"{name!r} is registered twice.")
    registry[name] = fn


def register_subject_export_part(name: str, fn: ExportPart) -> None:
    _register(_EXPORT_PARTS, name, fn)


def register_anonymiser(name: str, fn: Anonymiser) -> None:
    _register(_ANONYMISERS, name, fn)


def register_retention_hold(name: str, fn: RetentionHold) -> None:
    _register(_RETENTION_HOLDS, name, fn)


def subject_export_parts() -> dict[str, ExportPart]:
    return dict(_EXPORT_PARTS)


def anonymisers() -> dict[str, Anonymiser]:
    return dict(_ANONYMISERS)


def retention_holds() -> dict[str, RetentionHold]:
    return dict(_RETENTION_HOLDS)


def iso(value) -> str | None:
    """A date or an aware datetime as ISO text (local time for a datetime), None as None."""
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        from django.utils import timezone

        return timezone.localtime(value).isoformat()
    return value.isoformat()
