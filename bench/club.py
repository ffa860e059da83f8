"""The club's lists on the bench (demo/bench_data/club.py: 100,000 members by default), each for the
bench city head: the member list's first page and 50 pages deep, a search by phone tail, the events
list, the referral board per project, the benefits catalogue and the API's member list."""

from __future__ import annotations

from urllib.parse import quote

from bench.timing import Row, Rows

NAMES = (
    "club: member list first page (city head)",
    "club: member list 50 pages deep (keyset)",
    "club: member search by last 4 digits (city head)",
    "club: events list (city head)",
    "club: referral board per project (city head)",
    "club: benefits list (city head)",
    "API /api/v1/members/ first page (city head)",
)


def measure_club(rows: Rows, measure_wanted, head, city_head, timed, *, depth_pages: int = 50) -> None:
    """`head` is the city head's signed-in client (the API reads its session too)."""
    from core.paging import PAGE_SIZE, NewestFirstPaginator
    from membership.selectors.members import member_list

    members = member_list(user=city_head).select_related(None)
    newest = members.only("pk", "phone_last4").first()
    if newest is None:
        for name in NAMES:
            rows.append(Row(name, "api" if name.startswith("API") else "list", note="n/a: no club members"))
        return
    pages = NewestFirstPaginator(members)
    depth = depth_pages * PAGE_SIZE
    deep = pages.queryset.only("pk")[depth - 1 : depth].first() or pages.queryset.last()
    # A tail shared by a few members (phones are 166 + the index: every tail repeats every 10,000).
    tail = newest.phone_last4
    paths = [
        (NAMES[0], "list", lambda: head.get("/club/members/")),
        (NAMES[1], "list", lambda: head.get(f"/club/members/?after={quote(pages.cursor(deep))}")),
        (NAMES[2], "list", lambda: head.post("/club/members/", {"q": tail})),
        (NAMES[3], "list", lambda: head.get("/club/events/")),
        (NAMES[4], "list", lambda: head.get("/club/referrals/")),
        (NAMES[5], "list", lambda: head.get("/club/benefits/")),
        (NAMES[6], "api", lambda: head.get("/api/v1/members/")),
    ]
    for name, kind, call in paths:
        rows.append(measure_wanted(name, kind, call, **timed))
