"""What construction news registers from LifecycleConfig.ready(): who may read its photos (core.media)
and its entries on the owner timeline (lifecycle.timeline): one per news item sent to the customer."""

from __future__ import annotations

from django.urls import reverse
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from .models import ConstructionNews, NewsDelivery, NewsPhoto
from .permissions import may_view_registers
from .timeline import TimelineEntry, older_than

TIMELINE_KIND = "construction_news"
DETAIL_CHARS = 120


def may_read_news_photo(user, name: str) -> bool:
    return may_view_registers(user) and NewsPhoto.objects.visible_to(user).filter(image=name).exists()


def news_entries(customer, *, before, limit):
    """The news sent to the customer, at the time it was sent (one query)."""
    rows = (
        NewsDelivery.objects.filter(customer=customer, status=NewsDelivery.Status.SENT)
        .filter(older_than(before, TIMELINE_KIND, "sent_at"))
        .select_related("news")
        .only(
            "pk", "sent_at", "news__id", "news__project_id", "news__title", "news__text", "news__progress_on"
        )
        .order_by("-sent_at", "-pk")[: limit + 1]
    )
    return [
        TimelineEntry(
            at=row.sent_at,
            kind=TIMELINE_KIND,
            id=row.pk,
            title=_("Construction news sent: %(title)s (as of %(day)s)")
            % {"title": row.news.title, "day": row.news.progress_on.isoformat()},
            detail=Truncator(row.news.text).chars(DETAIL_CHARS),
            url=reverse("lifecycle:news_detail", args=[row.news.project_id, row.news.pk]),
            record=(ConstructionNews, row.news.pk),
        )
        for row in rows
    ]
