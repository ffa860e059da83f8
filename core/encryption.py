"""Personal data at rest: encrypted fields, the keyed hash beside them, and rewriting both after a rotation.

ID numbers are encrypted with django-fernet-encrypted-fields, which derives one Fernet key per
SECRET_KEY (and each SECRET_KEY_FALLBACKS) × FIELD_ENCRYPTION_SALT pair: it encrypts with the first
(SECRET_KEY, first salt) and decrypts with any. Beside each value a model keeps an HMAC under
PII_HASH_KEY (`pii_hashed_fields` on the model) so that an exact search needs no decryption; the
searches also try PII_HASH_KEY_FALLBACKS.

A rotation therefore needs no downtime: the old key moves to its *_FALLBACKS, the new one takes its
place, and `manage.py reencrypt_personal_data` (personal_data_reencrypt below) rewrites every value
and hash still made with an old key. Once it reports nothing left, the fallbacks can go.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass, field

from cryptography.fernet import Fernet, InvalidToken
from django.apps import apps
from django.conf import settings
from django.core.signals import setting_changed
from django.db import models, transaction
from django.db.models.functions import Cast
from django.dispatch import receiver
from encrypted_fields.fields import EncryptedFieldMixin

FERNET_VERSION = 0x80
FERNET_MIN_BYTES = 57  # version, timestamp, IV, one AES block and the HMAC


def pii_hash(value: str, *, key: str | None = None) -> str:
    """Keyed hash stored beside encrypted values so that an exact search needs no decryption."""
    normalized = (value or "").strip().upper()
    key = settings.PII_HASH_KEY if key is None else key
    return hmac.new(key.encode(), normalized.encode(), hashlib.sha256).hexdigest()


def pii_hash_candidates(value: str) -> list[str]:
    """The hashes a stored row may carry for `value`: under the current key, and under the old ones
    until reencrypt_personal_data has rewritten every row. Search with `hash__in=`."""
    return [pii_hash(value, key=key) for key in [settings.PII_HASH_KEY, *settings.PII_HASH_KEY_FALLBACKS]]


def encrypted_fields(model: type[models.Model]) -> list[models.Field]:
    return [f for f in model._meta.concrete_fields if isinstance(f, EncryptedFieldMixin)]


def models_with_personal_data() -> list[type[models.Model]]:
    return [m for m in apps.get_models() if encrypted_fields(m) or getattr(m, "pii_hashed_fields", None)]


@receiver(setting_changed)
def _forget_derived_keys(*, setting, **kwargs) -> None:
    """Each encrypted field derives its keys once (a cached property): derive again after a change."""
    if setting in {"SECRET_KEY", "SECRET_KEY_FALLBACKS", "SALT_KEY"}:
        for model in models_with_personal_data():
            for encrypted in encrypted_fields(model):
                encrypted.__dict__.pop("keys", None)
                encrypted.__dict__.pop("f", None)


def _encrypted_with_current_key(encrypted: EncryptedFieldMixin, token: str) -> bool:
    try:
        Fernet(encrypted.keys[0]).decrypt(token.encode())
    except InvalidToken:
        return False
    return True


def _looks_like_fernet_token(text: str) -> bool:
    try:
        raw = base64.urlsafe_b64decode(text.encode())
    except (binascii.Error, ValueError):
        return False
    return len(raw) >= FERNET_MIN_BYTES and raw[0] == FERNET_VERSION


@dataclass
class ReencryptReport:
    checked: int = 0
    rewritten: int = 0
    # Rows whose ciphertext no configured key opens (a key dropped too early): left untouched.
    undecryptable: list[int] = field(default_factory=list)


def personal_data_reencrypt(
    *,
    batch_size: int = 500,
    progress: Callable[[str, int, int], None] | None = None,
) -> dict[str, ReencryptReport]:
    """Rewrite every encrypted value and keyed hash not made with the current keys, model by model.

    Idempotent: a row already under SECRET_KEY + the first salt, with its hashes under PII_HASH_KEY,
    is left alone, so a second run (or a run after an interruption) rewrites only what is left.
    Each batch is locked and written in its own transaction; nothing else about the row changes
    (no version bump: the values are the same, only their encryption is new).
    """
    reports = {}
    for model in models_with_personal_data():
        reports[model._meta.label] = _reencrypt_model(model, batch_size=batch_size, progress=progress)
    return reports


def _reencrypt_model(model, *, batch_size, progress) -> ReencryptReport:
    encrypted = encrypted_fields(model)
    hashed: dict[str, str] = getattr(model, "pii_hashed_fields", {})  # source field → its hash field
    raw_names = {f.attname: f"raw_{f.attname}" for f in encrypted}
    columns = [*raw_names, *hashed, *hashed.values()]
    label = model._meta.label
    total = model._base_manager.count()
    report = ReencryptReport()
    last_pk = None
    while True:
        with transaction.atomic():
            rows = model._base_manager.select_for_update().order_by("pk").only(*columns)
            if last_pk is not None:
                rows = rows.filter(pk__gt=last_pk)
            # The stored text as well as the decrypted value: which key made it is only seen there.
            rows = rows.annotate(**{raw: Cast(name, models.TextField()) for name, raw in raw_names.items()})
            batch = list(rows[:batch_size])
            if not batch:
                break
            stale = [row for row in batch if _needs_rewrite(row, encrypted, raw_names, hashed, report)]
            for row in stale:
                for source, hash_field in hashed.items():
                    value = getattr(row, source)
                    setattr(row, hash_field, pii_hash(value) if value else "")
            if stale:
                fields = [f.name for f in encrypted] + list(hashed.values())
                model._base_manager.bulk_update(stale, fields, batch_size=batch_size)
        last_pk = batch[-1].pk
        report.checked += len(batch)
        report.rewritten += len(stale)
        if progress:
            progress(label, report.checked, total)
    return report


def _needs_rewrite(row, encrypted, raw_names, hashed, report: ReencryptReport) -> bool:
    rewrite = False
    for encrypted_field in encrypted:
        stored = getattr(row, raw_names[encrypted_field.attname])
        if not stored:
            continue
        if getattr(row, encrypted_field.attname) == stored and _looks_like_fernet_token(stored):
            # The field hands back the ciphertext when no key opens it: writing that back would
            # encrypt the ciphertext. Report it; it needs the old key back among the fallbacks.
            report.undecryptable.append(row.pk)
            return False
        if not _encrypted_with_current_key(encrypted_field, stored):
            rewrite = True  # under an old key, or stored in clear
    for source, hash_field in hashed.items():
        value = getattr(row, source)
        if getattr(row, hash_field) != (pii_hash(value) if value else ""):
            rewrite = True
    return rewrite
