"""Reading a record's trail: its entries newest first, keyset-paged, each change shown as label: old → new.

One page costs a fixed number of queries whatever it holds: the entries with their actors (one
query), then one query per related model whose ids the page's changes name (a handler, a category),
never one per entry.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import formats, timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext_lazy as _

from .recording import NONE
from .registry import AuditedModel

ACTIONS = {
    LogEntry.Action.CREATE: _("created"),
    LogEntry.Action.UPDATE: _("changed"),
    LogEntry.Action.DELETE: _("deleted"),
}


SHOWN_LENGTH = 200  # a long text (a plan, a description) is cut on the page; the entry keeps all of it


@dataclass(frozen=True)
class ChangeLine:
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class HistoryRow:
    id: int
    at: datetime.datetime
    who: str
    action: str
    changes: list[ChangeLine]


def history_queryset(config: AuditedModel, pk: int) -> models.QuerySet:
    """One record's entries (django-auditlog indexes object_id); the paginator orders them by id."""
    content_type = ContentType.objects.get_for_model(config.model)
    return (
        LogEntry.objects.filter(content_type=content_type, object_id=pk)
        .select_related("actor")
        .only(
            "id",
            "timestamp",
            "action",
            "changes",
            "actor__id",
            "actor__display_name",
            "actor__username",
            "actor__first_name",
            "actor__last_name",
        )
    )


def history_rows(config: AuditedModel, entries: list[LogEntry]) -> list[HistoryRow]:
    related = _related_labels(config, entries)
    rows = []
    for entry in entries:
        changes = [
            _line(config, name, pair, related)
            for name, pair in (entry.changes or {}).items()
            if isinstance(pair, list | tuple) and len(pair) == 2
        ]
        rows.append(
            HistoryRow(
                id=entry.pk,
                at=entry.timestamp,
                who=str(entry.actor) if entry.actor_id else str(_("— (no staff member: system or owner)")),
                action=str(ACTIONS.get(entry.action, "")),
                changes=changes,
            )
        )
    return rows


def _field(config: AuditedModel, name: str) -> models.Field | None:
    if name not in config.fields:
        return None
    return config.model._meta.get_field(name)


def _related_labels(config: AuditedModel, entries: list[LogEntry]) -> dict[tuple[str, str], str]:
    """The label of every related row the page names, one query per related model."""
    wanted: dict[str, set[str]] = defaultdict(set)
    for entry in entries:
        for name, pair in (entry.changes or {}).items():
            field = _field(config, name)
            if field is not None and field.is_relation and isinstance(pair, list | tuple):
                wanted[name].update(value for value in pair if value not in (NONE, "", None))
    labels: dict[tuple[str, str], str] = {}
    by_model: dict[type[models.Model], set[str]] = defaultdict(set)
    for name, ids in wanted.items():
        by_model[_field(config, name).related_model].update(ids)
    for model, ids in by_model.items():
        keys = [int(value) for value in ids if str(value).isdigit()]
        for pk, row in model._base_manager.in_bulk(keys).items():
            labels[(model._meta.label, str(pk))] = str(row)
    return labels


def _line(config: AuditedModel, name: str, pair, related) -> ChangeLine:
    field = _field(config, name)
    label = str(field.verbose_name) if field is not None else (config.extra_label(name) or name)
    return ChangeLine(
        label=label[:1].upper() + label[1:],
        old=_shown(field, pair[0], related),
        new=_shown(field, pair[1], related),
    )


def _shown(field: models.Field | None, text, related) -> str:
    if text in (NONE, None, ""):
        return "—"
    text = str(text)
    if field is None:
        return text
    if field.is_relation:
        return related.get((field.related_model._meta.label, text), f"#{text}")
    if field.choices:
        return str({str(key): value for key, value in field.flatchoices}.get(text, text))
    if isinstance(field, models.BooleanField):
        return str(_("yes")) if text == "True" else str(_("no"))
    if isinstance(field, models.DateTimeField):
        value = parse_datetime(text)
        if value is not None:
            value = timezone.make_aware(value, datetime.UTC) if timezone.is_naive(value) else value
            return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")
    elif isinstance(field, models.DateField):
        value = parse_date(text)
        if value is not None:
            return formats.date_format(value, "SHORT_DATE_FORMAT")
    return text if len(text) <= SHOWN_LENGTH else text[: SHOWN_LENGTH - 1] + "…"
