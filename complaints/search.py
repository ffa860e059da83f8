"""What the global search box finds among complaints and work orders (registered with core.search from
complaints/apps.py): a number jumps to its record in the user's scope; words find complaints whose
subject or description holds them, subject matches first, then newest, a page at a time."""

from __future__ import annotations

import re

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from core.paging import PAGE_SIZE, BrokenCursor, cursor_id
from core.rows import local_text
from core.search import SearchHit, SearchSection

from .models import Complaint, Status, WorkOrder

COMPLAINT_NUMBER = re.compile(r"TS-\d{6}-\d{6,}", re.IGNORECASE)
WORK_ORDER_NUMBER = re.compile(r"PD-\d{7,}", re.IGNORECASE)
# One character matches too much to be a search (and LIKE '%x%' with it can use no trigram).
MIN_WORD_LENGTH = 2
TITLE_PHASE, DESCRIPTION_PHASE = "t", "d"
# pg_trgm finds no trigram in a two-character word ('%渗水%'), so no index can narrow it: a rare one
# would read every complaint. Such words are looked for among the newest complaints only (by id, a
# range of the primary key); three characters or more search them all through the trigram indexes.
SHORT_WORD_LENGTH = 3
SHORT_WORD_WINDOW = 10_000


def complaint_number_url(user, text: str) -> str | None:
    text = text.strip()
    if not COMPLAINT_NUMBER.fullmatch(text):
        return None
    pk = Complaint.objects.visible_to(user).filter(number=text.upper()).values_list("pk", flat=True).first()
    return reverse("complaints:detail", args=[pk]) if pk else None


def work_order_number_url(user, text: str) -> str | None:
    text = text.strip()
    if not WORK_ORDER_NUMBER.fullmatch(text):
        return None
    pk = WorkOrder.objects.visible_to(user).filter(number=text.upper()).values_list("pk", flat=True).first()
    return reverse("complaints:work-order", args=[pk]) if pk else None


def number_url(user, text: str) -> str | None:
    return complaint_number_url(user, text) or work_order_number_url(user, text)


def _parse_cursor(cursor: str | None) -> tuple[str, int | None]:
    """`t:<id>` (subject matches older than id), `d:` or `d:<id>` (description-only matches)."""
    if not cursor:
        return TITLE_PHASE, None
    phase, _sep, position = cursor.partition(":")
    if phase == TITLE_PHASE:
        return phase, cursor_id(position)
    if phase == DESCRIPTION_PHASE:
        return phase, cursor_id(position) if position else None
    raise BrokenCursor(cursor)


def _older(complaints: QuerySet[Complaint], before: int | None, limit: int) -> list[Complaint]:
    if before is not None:
        complaints = complaints.filter(id__lt=before)
    # Newest first on the primary key: a common word fills the page from the newest rows; a rare one
    # is found through the trigram index.
    columns = ("id", "number", "title", "status", "received_at", "project__name")
    # The project's name comes in the same query (no cached reference list to load on a cold cache).
    return list(complaints.order_by("-id").select_related("project").only(*columns)[:limit])


def complaint_text_search(
    *, user, text: str, cursor: str | None = None
) -> tuple[list[Complaint], str | None]:
    """A page of the complaints the user may see whose subject or description holds `text`: subject
    matches first, then description-only ones, each newest first. At most three queries; keyset cursors,
    never OFFSET. Raises BrokenCursor for a cursor this function did not write."""
    phase, before = _parse_cursor(cursor)
    text = text.strip()
    visible = Complaint.objects.visible_to(user)
    if len(text) < SHORT_WORD_LENGTH:
        # The newest id as a literal, not a subquery: the planner then sees a range of
        # SHORT_WORD_WINDOW rows on the primary key, cheaper than the trigram index (which, finding no
        # trigram, would return every complaint: 600 ms at 1M rows).
        newest_id = Complaint.objects.order_by("-id").values_list("id", flat=True).first() or 0
        visible = visible.filter(id__gt=newest_id - SHORT_WORD_WINDOW)
    in_title = visible.filter(title__icontains=text)
    only_description = visible.filter(description__icontains=text).exclude(title__icontains=text)
    rows: list[Complaint] = []
    if phase == TITLE_PHASE:
        rows = _older(in_title, before, PAGE_SIZE + 1)
        if len(rows) > PAGE_SIZE:
            return rows[:PAGE_SIZE], f"{TITLE_PHASE}:{rows[PAGE_SIZE - 1].pk}"
        before = None
    # One more row than the page holds says whether there is a next page.
    more = _older(only_description, before, PAGE_SIZE - len(rows) + 1)
    page = rows + more
    if len(page) > PAGE_SIZE:
        page = page[:PAGE_SIZE]
        last = page[-1]
        if last in rows:  # the page ends on the last subject match: the description ones start next
            return page, f"{DESCRIPTION_PHASE}:"
        return page, f"{DESCRIPTION_PHASE}:{last.pk}"
    return page, None


def search_words(user, text: str, cursor: str | None) -> SearchSection | None:
    if len(text.strip()) < MIN_WORD_LENGTH:
        return None
    complaints, next_cursor = complaint_text_search(user=user, text=text, cursor=cursor)
    statuses = dict(Status.choices)
    hits = [
        SearchHit(
            number=complaint.number or "",
            title=complaint.title,
            url=reverse("complaints:detail", args=[complaint.pk]),
            meta=" · ".join(
                part
                for part in (
                    str(statuses.get(complaint.status, complaint.status)),
                    complaint.project.name,
                    local_text(complaint.received_at, "%Y-%m-%d"),
                )
                if part
            ),
        )
        for complaint in complaints
    ]
    note = (
        _(
            "A two-character word is looked for in the newest complaints only; type three or more to search all."
        )
        if len(text.strip()) < SHORT_WORD_LENGTH
        else ""
    )
    return SearchSection(
        key="complaints", title=_("Complaints"), hits=hits, next_cursor=next_cursor, note=note
    )
