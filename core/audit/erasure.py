"""The trail of anonymised records (PIPL, customers.anonymise): what the trail kept of a person's data
must go with the record's own. Each free-text value on the records' entries (a name, a description,
a note, an answer: a text field without choices, or an extra such as the phones or the answers)
becomes the placeholder, and so does the entry's label of the record (`object_repr`, often a name).
Who changed what and when, and the categories, dates, links and numbers, stay."""

from __future__ import annotations

from collections.abc import Iterable

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import models

from .registry import EXTRA_KEY_SEPARATOR, audited

# Batches of entries rewritten at once (a record's trail is short; a customer's records are few).
BATCH = 500


def _is_free_text(model: type[models.Model], name: str) -> bool:
    try:
        field = model._meta.get_field(name.partition(EXTRA_KEY_SEPARATOR)[0])
    except FieldDoesNotExist:
        return True  # an extra (phones, answers): what a person typed or is
    return isinstance(field, models.CharField | models.TextField) and not field.choices


def audit_trail_anonymise(model: type[models.Model], pks: Iterable[int], *, placeholder: str) -> int:
    """Rewrite the trail of these records of an audited `model`; returns the entries rewritten."""
    config = audited(model)
    ids = [str(pk) for pk in pks]
    if not ids:
        return 0
    content_type = ContentType.objects.get_for_model(config.model)
    entries = LogEntry.objects.filter(content_type=content_type, object_pk__in=ids).order_by("pk")
    rewritten = []
    for entry in entries.iterator(chunk_size=BATCH):
        changes = entry.changes if isinstance(entry.changes, dict) else {}
        entry.changes = {
            name: [placeholder, placeholder] if _is_free_text(config.model, name) else pair
            for name, pair in changes.items()
        }
        entry.object_repr = placeholder
        entry.changes_text = ""
        entry.serialized_data = None
        rewritten.append(entry)
    LogEntry.objects.bulk_update(
        rewritten, ["changes", "object_repr", "changes_text", "serialized_data"], batch_size=BATCH
    )
    return len(rewritten)
