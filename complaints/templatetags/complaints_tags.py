"""Template helpers of the complaint desk: SLA remaining time, and a customer's recent complaints."""

from __future__ import annotations

import datetime

from django import template
from django.utils.translation import gettext as _

from complaints import services
from complaints.models import Complaint

register = template.Library()

SLA_BADGE_CLASSES = {
    "on_time": "text-bg-success",
    "warning": "text-bg-warning",
    "breached": "text-bg-danger",
    "paused": "text-bg-secondary",
    "met": "text-bg-light border",
    "met_late": "text-bg-light border border-danger text-danger",
    "pending": "text-bg-light border",
    "none": "text-bg-light border",
}


def duration_text(delta: datetime.timedelta) -> str:
    """3小时 / 2天5小时 / 40分钟: the coarsest two units an agent reads at a glance."""
    minutes = int(abs(delta.total_seconds()) // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return (
            _("%(days)d d %(hours)d h") % {"days": days, "hours": hours}
            if hours
            else _("%(days)d d") % {"days": days}
        )
    if hours:
        return _("%(hours)d h") % {"hours": hours}
    return _("%(minutes)d min") % {"minutes": mins}


@register.filter
def sla_remaining(remaining: datetime.timedelta | None) -> str:
    """ "3 h left" (剩 3小时) or "2 h overdue" (超时 2小时)."""
    if remaining is None:
        return ""
    if remaining.total_seconds() >= 0:
        return _("%(time)s left") % {"time": duration_text(remaining)}
    return _("%(time)s overdue") % {"time": duration_text(remaining)}


@register.filter
def sla_badge_class(state: str) -> str:
    return SLA_BADGE_CLASSES.get(state, "text-bg-light border")


@register.simple_tag
def sla_state_label(state: str) -> str:
    labels = {
        "on_time": _("On time"),
        "warning": _("Warning"),
        "breached": _("Breached"),
        "paused": _("Paused"),
        "met": _("Met"),
        "met_late": _("Met late"),
        "pending": _("Pending"),
        "none": _("No clock"),
    }
    return labels.get(state, state)


@register.inclusion_tag("complaints/_customer_complaints.html", takes_context=True)
def customer_complaints(context, customer, limit: int = 5) -> dict:
    """The 360 page's recent complaints: one query, scoped to what the viewer may see."""
    user = context["request"].user
    complaints = list(
        Complaint.objects.visible_to(user)
        .filter(customer=customer)
        .select_related("category", "category__parent")
        .order_by("-received_at")[:limit]
    )
    return {
        "complaints": complaints,
        "customer": customer,
        "may_create": services.may(user, "create"),
        "request": context["request"],
    }


@register.simple_tag(takes_context=True)
def may(context, action: str) -> bool:
    """{% may "create" as may_create %}: the role check of services.ACTION_ROLES, for buttons."""
    user = context["request"].user
    return user.is_authenticated and services.may(user, action)
