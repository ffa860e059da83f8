"""Template channels: our template codes mapped to a gateway's registered templates.

China's SMS carriers and WeChat official accounts send registered templates only, never free text.
A message names a template of ours (`template_code`, the message's kind by default) and carries its
parameters by name (`template_params`); a setting per gateway (SMS_TEMPLATES, WECHAT_TEMPLATES, JSON)
maps each code to the gateway's template id and says how its variables are filled. Every variable
is a text in which `{name}` stands for the message's parameter `name` and `{body}` for its whole
text, so one of ours can fill several of theirs ("{date} {window}") and a literal needs no braces.
A message whose code has no mapping takes the one named "default", when there is one.

    SMS_TEMPLATES='{"handover_reminder": {"id": "1234567", "params": ["{name}", "{project}{unit}", "{date}"]}}'
    WECHAT_TEMPLATES='{"handover_reminder": {"id": "Tm9…", "data": {"thing1": "{project}{unit}"}, "url": "{link}"}}'
"""

from __future__ import annotations

from collections.abc import Mapping
from string import Formatter

from django.core.exceptions import ImproperlyConfigured

from .providers import PermanentSendError

DEFAULT_TEMPLATE = "default"


class MissingParameter(KeyError):
    """The template names a parameter the message does not carry."""


def fill(text: str, values: Mapping[str, str]) -> str:
    """`text` with each {name} replaced by values[name]. Plain names only (no attribute, index or
    format spec: the text comes from a setting, the values from a message)."""
    parts = []
    for literal, name, _spec, _conversion in Formatter().parse(text):
        parts.append(literal)
        if name is not None:
            if name not in values:
                raise MissingParameter(name)
            parts.append(values[name])
    return "".join(parts)


def message_values(message) -> dict[str, str]:
    """What a template's {names} read: the message's parameters as text, and {body}, its text."""
    return {
        "body": message.body or "",
        **{name: str(value) for name, value in (message.template_params or {}).items()},
    }


def template_for(message, templates: Mapping[str, dict], *, setting: str, channel: str) -> dict:
    """The mapping of the message's template (or the default one); PermanentSendError without one:
    no later try can send a text the carriers have not approved."""
    code = message.template_code or message.kind
    template = templates.get(code) or templates.get(DEFAULT_TEMPLATE)
    if template is None:
        raise PermanentSendError(
            f"No {channel} template for {code!r}: map it to the gateway's approved template in {setting} "
            f"(or set a {DEFAULT_TEMPLATE!r} one). The gateway sends approved templates only, not free text."
        )
    return template


def filled(text: str, message) -> str:
    """One variable of the message's template, filled; PermanentSendError when it names a parameter
    the message lacks (the mapping and the message disagree: no retry mends that)."""
    try:
        return fill(text, message_values(message))
    except MissingParameter as error:
        raise PermanentSendError(
            f"Template {message.template_code or message.kind!r} needs the parameter {error.args[0]!r}, "
            f"which this message does not carry (it has: {', '.join(sorted(message_values(message)))})."
        ) from None


# --- the settings' shape, checked at start-up --------------------------------------------------------------


JSON_NAMES = {str: "string", list: "array of strings", dict: "object of strings"}


def check_text(text, *, where: str) -> None:
    if not isinstance(text, str):
        raise ImproperlyConfigured(f"{where} must be a text, not {text!r}.")
    try:
        fields = [(name, spec, conversion) for _lit, name, spec, conversion in Formatter().parse(text)]
    except ValueError as error:
        raise ImproperlyConfigured(
            f"{where}: {error} in {text!r} (a literal brace is written {{{{ or }}}})."
        ) from error
    for name, spec, conversion in fields:
        if name is not None and (not name.isidentifier() or spec or conversion):
            raise ImproperlyConfigured(f"{where}: {{{name}}} in {text!r} must be a plain {{name}}.")


def check_templates(
    templates, *, setting: str, fields: Mapping[str, type], optional: Mapping[str, type]
) -> None:
    """Refuse a mapping of the wrong shape: each code → {"id": text, <fields>, <optional fields>},
    the fields' texts (alone, in a list or as a dict's values) being well-formed templates."""
    if not isinstance(templates, dict):
        raise ImproperlyConfigured(f"{setting} must be a JSON object: our template code → its template.")
    for code, template in templates.items():
        where = f"{setting}[{code!r}]"
        if not isinstance(template, dict) or not isinstance(template.get("id"), str) or not template["id"]:
            raise ImproperlyConfigured(f'{where} must be an object with the gateway\'s template "id".')
        unknown = set(template) - {"id", *fields, *optional}
        if unknown:
            raise ImproperlyConfigured(f"{where} has unknown keys: {', '.join(sorted(unknown))}.")
        for name, kind in {**fields, **optional}.items():
            if name not in template:
                if name in fields:
                    raise ImproperlyConfigured(f'{where} needs "{name}".')
                continue
            value = template[name]
            if not isinstance(value, kind):
                raise ImproperlyConfigured(f'{where}["{name}"] must be a JSON {JSON_NAMES[kind]}.')
            texts = (
                value.values() if isinstance(value, dict) else value if isinstance(value, list) else [value]
            )
            for text in texts:
                check_text(text, where=f'{where}["{name}"]')
