"""The customer 360 page's timeline section (registered with customers.panels). It costs the 360 page
no query: the latest entries load into it from the timeline page's fragment (one query per kind),
so the page's own query count stays fixed however many sources are registered."""

from __future__ import annotations

from django.template.loader import render_to_string


def customer_timeline_panel(request, customer) -> str:
    if not request.user.may_see_customers():
        return ""
    return render_to_string(
        "lifecycle/_customer_timeline_panel.html", {"customer": customer}, request=request
    )
