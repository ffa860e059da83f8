"""Which models keep an audit trail, which of their fields, which of those are personal data, and who
may read a record's trail. Each app registers its models from `ready()` (ARCHITECTURE.md)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.db import models

Mask = Callable[[str], str]
EXTRA_KEY_SEPARATOR = ":"


@dataclass(frozen=True)
class AuditedModel:
    model: type[models.Model]
    # Model fields whose changes are recorded: what a person edits or moves along its path. Clocks a
    # sweep keeps (next check, warned, escalation level) and derived copies are left out.
    fields: tuple[str, ...]
    # Personal data among `fields` (or `extra`), stored masked: the trail never holds a clear value.
    personal: dict[str, Mask] = field(default_factory=dict)
    # Changes that are not one column of the row, recorded by the services under these names with
    # these labels (a customer's phone numbers); "name:key" is one of a family, shown "label key" (a
    # survey's answers, "answer:q3").
    extra: dict[str, str] = field(default_factory=dict)
    # Who may read a record's trail: whoever may see the record (scope) and, when set, this role rule.
    may_view: Callable[[object], bool] | None = None

    def extra_label(self, name: str) -> str | None:
        family, separator, key = name.partition(EXTRA_KEY_SEPARATOR)
        label = self.extra.get(family)
        if label is None:
            return None
        return f"{label} {key}" if separator else str(label)

    @property
    def label(self) -> str:
        return self.model._meta.label_lower

    def visible_to(self, user) -> models.QuerySet:
        return self.model._default_manager.visible_to(user)


_REGISTRY: dict[type[models.Model], AuditedModel] = {}


def register_audited_model(
    model: type[models.Model],
    *,
    fields: tuple[str, ...] | list[str],
    personal: dict[str, Mask] | None = None,
    extra: dict[str, str] | None = None,
    may_view: Callable[[object], bool] | None = None,
) -> AuditedModel:
    """Record changes of `fields` of `model` (its services call core.audit.audit_changes / audit_log).
    The model's manager must have `visible_to(user)`: a record's trail is shown to who may see it."""
    names = {f.name for f in model._meta.concrete_fields}
    unknown = set(fields) - names
    if unknown:
        raise ValueError(f"{model._meta.label} has no fields {sorted(unknown)}")
    config = AuditedModel(
        model=model,
        fields=tuple(fields),
        personal=dict(personal or {}),
        extra=dict(extra or {}),
        may_view=may_view,
    )
    _REGISTRY[model] = config
    return config


def audited(model: type[models.Model]) -> AuditedModel:
    try:
        return _REGISTRY[model._meta.concrete_model]
    except KeyError:
        raise LookupError(f"{model._meta.label} keeps no audit trail: register_audited_model() it") from None


def is_audited(model: type[models.Model], field_name: str) -> bool:
    """Whether changes of `model.field_name` go on the trail (for code that moves rows generically)."""
    config = _REGISTRY.get(model._meta.concrete_model)
    return config is not None and field_name in config.fields


def audited_by_label(label: str) -> AuditedModel | None:
    """The registration of "app_label.modelname", None for a model that keeps no trail."""
    return next((config for config in _REGISTRY.values() if config.label == label), None)


def audited_models() -> list[AuditedModel]:
    return list(_REGISTRY.values())
