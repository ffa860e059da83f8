"""Issue 13, "lists behave like lists": the SLA board and the work-order list sort by a header (keyset
paging in that order, the cursor carrying the sort), ignore a sort they do not offer, and say how many
rows match only as far as a bounded count reads."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from complaints.models import Complaint
from complaints.selectors import with_current_due
from complaints.views.board import BOARD_SORT
from core import listing

SHANGHAI = ZoneInfo("Asia/Shanghai")
BASE = datetime.datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI)
HOUR = datetime.timedelta(hours=1)
# Ties on purpose: three complaints due at the same moment, two at another; three with no clock
# running (no due time); one due before all of them.
DUES = [
    BASE,
    BASE,
    BASE,
    BASE + HOUR,
    BASE + HOUR,
    BASE + 2 * HOUR,
    None,
    BASE + 3 * HOUR,
    None,
    None,
    BASE - HOUR,
]


@pytest.fixture
def complaints_with_ties(make_complaint):
    made = [make_complaint() for _ in DUES]
    for complaint, due in zip(made, DUES, strict=True):
        Complaint.objects.filter(pk=complaint.pk).update(
            sla_target="first_response" if due else "", first_response_due_at=due
        )
    return {complaint.pk: due for complaint, due in zip(made, DUES, strict=True)}


def _expected(dues: dict, word: str) -> list[int]:
    if word.lstrip("-") == "number":
        ascending = sorted(dues)
    else:  # dated by (due, id), then the undated by id; descending is the exact reverse
        ascending = sorted(dues, key=lambda pk: (dues[pk] is None, dues[pk] or BASE, pk))
    return ascending[::-1] if word.startswith("-") else ascending


def _walk_forwards(paginator, size):
    page = paginator.page(first=size)
    seen = list(page)
    while page.has_next:
        page = paginator.page(first=size, after=paginator.cursor(page[-1]))
        seen += list(page)
    return seen


def _walk_backwards(paginator, size, last):
    page = paginator.page(last=size, before=paginator.cursor(last))
    seen = list(page)
    while page.has_previous:
        page = paginator.page(last=size, before=paginator.cursor(page[0]))
        seen = list(page) + seen
    return [*seen, last]


@pytest.mark.parametrize("word", ["due", "-due", "number", "-number"])
@pytest.mark.parametrize("size", [1, 2, 3, 4])
def test_sorted_pages_show_every_row_once_in_order_across_ties(complaints_with_ties, word, size):
    rows = with_current_due(Complaint.objects.all())
    paginator, chosen = BOARD_SORT.paginator(rows, word)
    assert chosen == word
    expected = _expected(complaints_with_ties, word)

    forwards = _walk_forwards(paginator, size)
    assert [row.pk for row in forwards] == expected
    backwards = _walk_backwards(paginator, size, forwards[-1])
    assert [row.pk for row in backwards] == expected


@pytest.mark.parametrize("word", [None, "", "bogus", "-", "--due", "due ", "current_due", "-id", "number;"])
def test_a_sort_the_list_does_not_offer_is_its_default_order(word):
    column, descending, chosen = BOARD_SORT.chosen(word)
    assert (column.key, descending, chosen) == ("due", False, "due")


def test_the_board_ignores_an_unknown_sort_and_pages_in_the_chosen_one(
    client, supervisor, complaints_with_ties
):
    client.force_login(supervisor)
    board = reverse("complaints:board")
    default = client.get(board)
    odd = client.get(board, {"sort": "title'); DROP TABLE x;--"})
    assert odd.status_code == 200 and odd.context["sort"] == "due"
    assert [c.pk for c in odd.context["page"]] == [c.pk for c in default.context["page"]]

    newest = client.get(board, {"sort": "-number"})
    assert [c.pk for c in newest.context["page"]] == _expected(complaints_with_ties, "-number")
    header = newest.context["sort_headers"]["number"]
    assert header["aria"] == "descending" and header["sort"] == "number"  # the next click: ascending
    assert 'aria-sort="descending"' in newest.content.decode()


def test_a_cursor_of_one_order_is_a_broken_link_in_another(client, supervisor, make_complaint):
    for _ in range(30):
        make_complaint()
    client.force_login(supervisor)
    board = reverse("complaints:board")
    cursor = client.get(board, {"sort": "-number"}).context["next_cursor"]
    assert client.get(board, {"sort": "-number", "after": cursor}).status_code == 200
    for other in ({"sort": "number"}, {"sort": "-due"}, {}):
        assert client.get(board, {**other, "after": cursor}).status_code == 400
    default_cursor = client.get(board).context["next_cursor"]
    assert client.get(board, {"sort": "-due", "after": default_cursor}).status_code == 400


def test_the_pager_links_keep_the_sort(client, supervisor, make_complaint):
    for _ in range(30):
        make_complaint()
    client.force_login(supervisor)
    response = client.get(reverse("complaints:board"), {"sort": "-due"})
    assert "sort=-due" in response.context["kept_query"]
    following = client.get(
        reverse("complaints:board"), {"sort": "-due", "after": response.context["next_cursor"]}
    )
    assert following.status_code == 200
    seen = [c.pk for c in response.context["page"]] + [c.pk for c in following.context["page"]]
    assert len(seen) == len(set(seen)) == 30


def test_the_count_is_exact_up_to_the_limit_and_more_than_beyond(
    client, supervisor, make_complaint, monkeypatch
):
    monkeypatch.setattr(listing, "COUNT_LIMIT", 3)
    client.force_login(supervisor)
    board = reverse("complaints:board")
    for _ in range(3):
        make_complaint()
    exact = client.get(board)
    assert (exact.context["list_count"].count, exact.context["list_count"].more) == (3, False)
    assert "3 found" in exact.content.decode()
    make_complaint()
    beyond = client.get(board)
    assert (beyond.context["list_count"].count, beyond.context["list_count"].more) == (3, True)
    assert "More than 3" in beyond.content.decode()


def test_the_bounded_count_reads_a_limited_subquery(make_complaint):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(5):
        make_complaint()
    with CaptureQueriesContext(connection) as captured:
        counted = listing.bounded_count(
            Complaint.objects.filter(status__in=["received", "dispatched"]), limit=2
        )
    assert (counted.count, counted.more) == (2, True)
    assert len(captured.captured_queries) == 1
    assert "LIMIT 3" in captured.captured_queries[0]["sql"]


def test_the_count_reads_in_thousands():
    from django.utils import translation

    with translation.override("en"):
        assert listing.ListCount(1234, False).text == "1,234 found"
        assert listing.ListCount(1000, True).text == "More than 1,000"
    with translation.override("zh-hans"):
        assert listing.ListCount(1000, True).text == "超过 1,000 条"
