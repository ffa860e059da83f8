"""The results page's small pieces: a change against the previous campaign as ↑/↓ with its size."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag
def change_badge(value, kind: str = "share"):
    """↑ +5.2 pt / ↓ −0.12 / = ; nothing when there is no previous figure. Shares change in
    percentage points; means in the scale's unit; the recommend score in points."""
    if value is None:
        return ""
    if kind == "share":
        amount, unit = 100 * value, _("pt")
        shown = f"{abs(amount):.1f} {unit}"
    elif kind == "score":
        amount = value
        shown = f"{abs(amount):.1f}"
    else:
        amount = value
        shown = f"{abs(amount):.2f}"
    if abs(amount) < 0.05 if kind != "mean" else abs(amount) < 0.005:
        return format_html('<span class="text-secondary" data-change="0" title="{}">=</span>', _("No change"))
    up = amount > 0
    return format_html(
        '<span class="{}" data-change="{}" title="{}">{} {}{}</span>',
        "text-success" if up else "text-danger",
        "up" if up else "down",
        _("Change against the previous campaign"),
        "↑" if up else "↓",
        "+" if up else "−",
        shown,
    )
