"""Prices as a reader of the page's language writes them: 455万 in Chinese, ¥4.55M in English."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import template
from django.utils.translation import get_language, gettext

register = template.Library()

WAN, YI = Decimal(10_000), Decimal(100_000_000)
THOUSAND, MILLION = Decimal(1_000), Decimal(1_000_000)


def _short(amount: Decimal, unit: Decimal) -> str:
    """`amount / unit` with at most two decimals and no trailing zeros (4.55, 455, 1.2)."""
    text = f"{(amount / unit).quantize(Decimal('0.01')):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _grouped(amount: Decimal) -> str:
    # Grouped by thousands in both languages (Django's zh-Hans format does not group): ¥4,550,000.
    return f"¥{amount:,.0f}"


@register.filter
def price_short(value) -> str:
    """A price read at a glance: 455万 / 1.2亿 in Chinese, ¥4.55M / ¥850K in English ("" when empty)."""
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return ""
    if (get_language() or "").startswith("zh"):
        if abs(amount) >= YI:
            return f"{_short(amount, YI)}亿"
        if abs(amount) >= WAN:
            wan = gettext("×10k")  # 万, from the catalogue
            return f"{_short(amount, WAN)}{wan}"
        return _grouped(amount)
    if abs(amount) >= MILLION:
        return f"¥{_short(amount, MILLION)}M"
    if abs(amount) >= THOUSAND:
        return f"¥{_short(amount, THOUSAND)}K"
    return _grouped(amount)


@register.filter
def price_full(value) -> str:
    """The whole price, grouped: ¥4,550,000 ("" when empty)."""
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return ""
    return _grouped(amount)
