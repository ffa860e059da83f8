"""`{% history_section record %}`: a record's "History" card, its entries loaded after the page (htmx)."""

from django import template
from django.urls import reverse

register = template.Library()


@register.inclusion_tag("audit/history_section.html")
def history_section(record, title=""):
    label = record._meta.label_lower
    return {
        "url": reverse("audit:history", args=[label, record.pk]),
        "slug": f"history-{label.replace('.', '-')}-{record.pk}",
        "title": title,
    }
