"""Issue 13: the global search box finds complaints, work orders and defects. A number opens its record
when the user may see it (out of scope: the normal no-result page); words search complaint subjects and
descriptions in scope, subject matches first, then newest, keyset-paged; the SLA board filters by `q`."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from complaints.models import Complaint, WorkOrder
from complaints.search import complaint_text_search
from core.paging import PAGE_SIZE
from delivery.services.defects import defect_record
from tests.factories import UserFactory

SEARCH = reverse("customers:search")


def _search(client, user, text, **extra):
    client.force_login(user)
    return client.post(SEARCH, {"q": text, **extra})


def test_a_complaint_number_opens_the_complaint(client, agent, make_complaint):
    complaint = make_complaint()

    response = _search(client, agent, complaint.number)

    assert response.status_code == 302
    assert response["Location"] == reverse("complaints:detail", args=[complaint.pk])
    # Typed in lower case, with spaces around: the same record.
    assert _search(client, agent, f"  {complaint.number.lower()} ")["Location"] == response["Location"]


def test_a_work_order_number_opens_the_work_order(client, agent, make_complaint):
    complaint = make_complaint()
    order = WorkOrder.objects.create(
        complaint=complaint,
        number="PD-0001406",
        department="engineering",
        description="更换防水层",
        due_at=timezone.now() + datetime.timedelta(days=2),
        issued_by=agent,
    )

    response = _search(client, agent, "PD-0001406")

    assert response.status_code == 302
    assert response["Location"] == reverse("complaints:work-order", args=[order.pk])


def test_a_defect_number_opens_the_defect(client, agent, owned_unit, project):
    engineer = UserFactory(username="engineer", role=Role.DELIVERY_ENGINEER, projects=[project])
    defect = defect_record(
        by=engineer,
        unit=owned_unit,
        room="bathroom",
        trade="waterproofing",
        severity="normal",
        description="地漏反坡",
    )
    assert defect.number.startswith("DF-")

    response = _search(client, agent, defect.number)

    assert response.status_code == 302
    assert response["Location"] == reverse("delivery:defect-detail", args=[defect.pk])


def test_numbers_out_of_scope_are_not_found(client, other_agent, agent, make_complaint, owned_unit, project):
    complaint = make_complaint(title="天花板渗水")
    WorkOrder.objects.create(
        complaint=complaint,
        number="PD-0000007",
        department="engineering",
        description="d",
        due_at=timezone.now(),
        issued_by=agent,
    )
    engineer = UserFactory(username="engineer", role=Role.DELIVERY_ENGINEER, projects=[project])
    defect = defect_record(
        by=engineer,
        unit=owned_unit,
        room="bathroom",
        trade="waterproofing",
        severity="normal",
        description="渗水",
    )

    for number in (complaint.number, "PD-0000007", defect.number, "TS-202612-999999"):
        response = _search(client, other_agent, number)
        assert response.status_code == 200, number
        html = response.content.decode()
        assert "天花板渗水" not in html and reverse("complaints:detail", args=[complaint.pk]) not in html
        assert "Nothing found" in html


def test_words_find_complaints_in_scope_only(client, agent, other_agent, make_complaint, other_project):
    mine = make_complaint(title="卫生间天花板渗水", description="楼上漏下来的")
    by_description = make_complaint(title="墙面起皮", description="外墙窗边渗水，墙纸起皮")
    make_complaint(title="电梯噪音", description="夜间运行噪音大")

    html = _search(client, agent, "渗水").content.decode()

    assert 'data-testid="search-section-complaints"' in html
    assert mine.number in html and by_description.number in html
    assert "电梯噪音" not in html
    assert "Nothing found" not in html
    # Another project's agent finds none of them.
    other_html = _search(client, other_agent, "渗水").content.decode()
    assert mine.number not in other_html and by_description.number not in other_html


def test_subject_matches_come_first_then_newest(agent, make_complaint):
    in_description = make_complaint(title="墙面起皮", description="窗边渗水")
    old_title = make_complaint(title="渗水（旧）")
    new_title = make_complaint(title="渗水（新）")
    newest_description = make_complaint(title="地面空鼓", description="卫生间渗水")

    rows, cursor = complaint_text_search(user=agent, text="渗水")

    assert [row.pk for row in rows] == [new_title.pk, old_title.pk, newest_description.pk, in_description.pk]
    assert cursor is None


@pytest.mark.parametrize("in_titles", [PAGE_SIZE - 3, PAGE_SIZE, PAGE_SIZE + 4])
def test_paging_walks_subject_then_description_matches_once_each(agent, owner, make_complaint, in_titles):
    """Keyset pages across the two phases: every match once, in order, however the page boundary falls."""
    titles = [make_complaint(title=f"渗水 {n}").pk for n in range(in_titles)]
    descriptions = [make_complaint(title=f"其他 {n}", description="渗水").pk for n in range(6)]

    seen, cursor = [], None
    for _page in range(5):
        rows, cursor = complaint_text_search(user=agent, text="渗水", cursor=cursor)
        seen += [row.pk for row in rows]
        if cursor is None:
            break

    assert seen == sorted(titles, reverse=True) + sorted(descriptions, reverse=True)


def test_the_search_page_pages_by_post(client, agent, make_complaint):
    made = [make_complaint(title=f"渗水 {n}") for n in range(PAGE_SIZE + 2)]

    first = _search(client, agent, "渗水").content.decode()
    assert made[-1].number in first and made[0].number not in first
    assert 'name="complaints_after"' in first
    cursor = first.split('name="complaints_after" value="')[1].split('"')[0]

    second = _search(client, agent, "渗水", complaints_after=cursor).content.decode()
    assert made[0].number in second and made[-1].number not in second

    assert _search(client, agent, "渗水", complaints_after="x:1").status_code == 400


def test_search_queries_do_not_grow_with_the_results(
    client, agent, make_complaint, django_assert_max_num_queries
):
    make_complaint(title="渗水")
    client.force_login(agent)
    client.post(SEARCH, {"q": "渗水"})  # warm the cached reference data
    with django_assert_max_num_queries(12) as few:
        client.post(SEARCH, {"q": "渗水"})
    for n in range(PAGE_SIZE + 5):
        make_complaint(title=f"渗水 {n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.post(SEARCH, {"q": "渗水"})
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.post(SEARCH, {"q": Complaint.objects.first().number})


def test_the_board_filters_by_number_or_words(client, agent, make_complaint, django_assert_max_num_queries):
    leak = make_complaint(title="卫生间渗水")
    noise = make_complaint(title="电梯噪音", description="夜间运行")
    client.force_login(agent)

    html = client.get(reverse("complaints:board"), {"q": "渗水"}).content.decode()
    assert leak.number in html and noise.number not in html
    html = client.get(reverse("complaints:board"), {"q": "夜间"}).content.decode()
    assert noise.number in html and leak.number not in html
    html = client.get(reverse("complaints:board"), {"q": noise.number}).content.decode()
    assert noise.number in html and leak.number not in html
    assert 'name="q"' in html

    with django_assert_max_num_queries(20) as few:
        client.get(reverse("complaints:board"), {"q": "渗水"})
    for n in range(5):
        make_complaint(title=f"渗水 {n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("complaints:board"), {"q": "渗水"})


@pytest.mark.django_db
def test_on_postgresql_the_trigram_indexes_serve_icontains(agent, make_complaint):
    """The migration made pg_trgm's GIN indexes, and `icontains` (UPPER(col) LIKE) can use them."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: SQLite falls back to LIKE")
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'complaints_complaint'")
        names = {row[0] for row in cursor.fetchall()}
    assert {"complaint_title_trgm", "complaint_description_trgm"} <= names
    make_complaint(title="卫生间天花板渗水")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        queryset = Complaint.objects.filter(title__icontains="天花板渗水")
        sql, params = queryset.query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "complaint_title_trgm" in plan
    assert list(queryset) and queryset.get().title == "卫生间天花板渗水"


def test_a_two_character_word_is_looked_for_in_the_newest_complaints_only(agent, make_complaint, monkeypatch):
    """No trigram serves '%渗水%': a rare two-character word must not read every complaint at 1M."""
    from complaints import search

    old = make_complaint(title="渗水 旧")
    for n in range(3):
        make_complaint(title=f"其他 {n}")
    newest = make_complaint(title="渗水 新")
    monkeypatch.setattr(search, "SHORT_WORD_WINDOW", 3)

    rows, _cursor = complaint_text_search(user=agent, text="渗水")
    assert [row.pk for row in rows] == [newest.pk]
    rows, _cursor = complaint_text_search(user=agent, text="渗水 旧")  # three characters or more: all
    assert [row.pk for row in rows] == [old.pk]
