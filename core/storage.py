"""Files every machine shares: uploads, import and export workbooks live in Django's default storage
(STORAGES["default"]: a folder under MEDIA_ROOT on one machine, an S3-compatible bucket on several,
STORAGE_BACKEND=s3), read and written through its API, never by a path on the local disk."""

from __future__ import annotations

import datetime

from django.core.files.storage import default_storage


def stored_files_older_than(
    folder: str, cutoff: datetime.datetime, *, keep_stems: set[str] = frozenset()
) -> list[str]:
    """The names of the files directly in `folder` last changed before `cutoff`, except those whose
    name without extension is in `keep_stems` (a live job's). A missing folder has none."""
    try:
        _folders, files = default_storage.listdir(folder)
    except FileNotFoundError:
        return []
    old = []
    for file_name in files:
        name = f"{folder}/{file_name}"
        if file_name.rsplit(".", 1)[0] in keep_stems:
            continue
        try:
            changed = default_storage.get_modified_time(name)
        except FileNotFoundError:  # deleted meanwhile by another run
            continue
        if changed < cutoff:
            old.append(name)
    return old
