"""Checks that higher apps add to a handover batch's opening, without delivery importing them.

An app registers a function from its AppConfig.ready() (see lifecycle/apps.py):

    register_batch_check(red_line_guard)

`check(batch)` returns a list of `BatchCheck`s: a blocker refuses `batch_open` (its message is the
refusal), a warning is only shown on the batch page beside the readiness checklist. Each check must
cost a fixed number of queries (the batch page's query count is tested).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured


@dataclass(frozen=True)
class BatchCheck:
    message: str
    blocker: bool = False
    link: str = ""  # where the staff can settle it, if anywhere


BatchCheckFn = Callable[[object], list[BatchCheck]]
_CHECKS: dict[str, BatchCheckFn] = {}


def register_batch_check(check: BatchCheckFn) -> None:
    """Add a check to every batch's opening; idempotent per function."""
    key = f"{check.__module__}.{check.__qualname__}"
    if key in _CHECKS and _CHECKS[key] is not check:
        raise ImproperlyConfigured(f"Batch check {key} is registered twice.")
    _CHECKS[key] = check


def batch_checks(batch) -> list[BatchCheck]:
    """What the registered checks say about `batch`, blockers first."""
    found = [result for check in _CHECKS.values() for result in check(batch)]
    return sorted(found, key=lambda result: not result.blocker)
