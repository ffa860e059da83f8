"""Writing in batches: bulk_create with a progress bar, `__in` lookups over long lists, and the
progress bar of the steps that go through the services row by row."""

from __future__ import annotations

import sys

from tqdm import tqdm

BATCH_SIZE = 500


def bulk_write(cmd, model, objects: list, label: str) -> None:
    """bulk_create the objects, BATCH_SIZE at a time, and count them in cmd.created[label]."""
    with tqdm(total=len(objects), desc=label, unit="row", disable=cmd.verbosity < 1, file=sys.stderr) as bar:
        for start in range(0, len(objects), BATCH_SIZE):
            batch = objects[start : start + BATCH_SIZE]
            model.objects.bulk_create(batch)
            bar.update(len(batch))
    cmd.created[label] += len(objects)


def in_batches(queryset, field_name: str, values, size: int = 500):
    """The queryset's rows whose field is in values, asked `size` values at a time."""
    values = list(values)
    for start in range(0, len(values), size):
        yield from queryset.filter(**{f"{field_name}__in": values[start : start + size]})


def progress(cmd, total: int, label: str) -> tqdm:
    """A progress bar for a step that goes through the services row by row (like bulk_write's)."""
    return tqdm(total=total, desc=label, unit="row", disable=cmd.verbosity < 1, file=sys.stderr)
