"""Pages of the complaint desk, one module per part of the work. Thin: reads through complaints.selectors,
writes through complaints.services.

Staff pages: board (the SLA board and its bulk actions), intake (hotline and the new-complaint form),
detail (the complaint page and the path's actions), work_orders, group_cases (the supervisor view,
making a group case, improvement items), cases (the group case list and page, and its actions);
paging holds their keyset paginator and _common what they share.
public: the pages owners use without an account (complaints.public_urls); owner: an owner's own cases
there, after a one-time code (what an owner sees of a case is complaints.owner_view's).
"""

from core.paging import PAGE_SIZE, DueCursorPaginator, RowCompare

__all__ = ["PAGE_SIZE", "DueCursorPaginator", "RowCompare"]
