"""The SLA board's two-character words (complaints/words.py): on PostgreSQL the board's list and its
counters read the index of the open complaints' pairs of characters, keyed by project (migration
0018); they must find exactly what `icontains` finds, in the user's scope, on PostgreSQL and SQLite."""

import pytest
from django.db import connection, transaction
from django.db.models import Count, Q
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from complaints import words
from complaints.forms import BoardFilterForm
from complaints.models import Complaint
from complaints.selectors import SLA_STATES, sla_board, sla_condition, sla_counters, with_current_due

from .test_views import BOARD_QUERIES

on_postgres = connection.vendor == "postgresql"


@pytest.fixture
def planted(make_complaint, other_project):
    """Complaints holding 渗水 / "ab" in their subject or description, open and closed, in and out of
    the agent's project."""
    made = {
        "title": make_complaint(title="卫生间渗水"),
        "description": make_complaint(title="墙面问题", description="雨后墙角渗水发霉"),
        "latin": make_complaint(title="AB门禁失灵", description="无"),
        "neither": make_complaint(title="电梯噪音", description="夜间运行噪音大"),
        "closed": make_complaint(title="阳台渗水"),
        "elsewhere": make_complaint(title="车库顶板渗水"),
    }
    Complaint.objects.filter(pk=made["closed"].pk).update(status="closed", sla_target="")
    Complaint.objects.filter(pk=made["elsewhere"].pk).update(project=other_project)
    # Two of them breached, one paused, so that the counters differ by state.
    Complaint.objects.filter(pk=made["title"].pk).update(first_response_due_at=timezone.now())
    Complaint.objects.filter(pk=made["description"].pk).update(paused_at=timezone.now())
    return {name: complaint.pk for name, complaint in made.items()}


def live_counters(user, word: str, project=None) -> dict[str, int]:
    """The counters as `icontains` would count them, without the pairs' index."""
    complaints = Complaint.objects.visible_to(user).open()
    complaints = complaints.filter(Q(title__icontains=word) | Q(description__icontains=word))
    if project is not None:
        complaints = complaints.filter(project_id=project.pk)
    now = timezone.now()
    return with_current_due(complaints).aggregate(
        **{state: Count("pk", filter=sla_condition(state, now)) for state in SLA_STATES}
    )


@pytest.mark.parametrize("word", ["渗水", " 渗水 ", "ab", "Ab"])
def test_the_boards_two_character_words_find_what_icontains_finds(
    agent, city_head, group_admin, other_agent, project, planted, word
):
    expected = {"渗水": {"title", "description"}, "ab": {"latin"}}[word.strip().lower()]
    for user in (agent, city_head, group_admin):
        rows = set(sla_board(user=user, filters={"q": word}).values_list("pk", flat=True))
        elsewhere = {planted["elsewhere"]} if user == group_admin and "渗水" in word else set()
        assert rows == {planted[name] for name in expected} | elsewhere
        assert sla_counters(user=user, filters={"q": word}) == live_counters(user, word.strip())
        filtered = {"q": word, "project": project.pk}
        assert sla_counters(user=user, filters=filtered) == live_counters(user, word.strip(), project)
    # Outside the scope: the other project's agent finds only their own.
    rows = set(sla_board(user=other_agent, filters={"q": word}).values_list("pk", flat=True))
    assert rows == ({planted["elsewhere"]} if "渗水" in word else set())
    assert sla_counters(user=other_agent, filters={"q": word, "project": project.pk}) == dict.fromkeys(
        SLA_STATES, 0
    )


def test_the_counters_with_a_word_differ_by_state(agent, planted):
    counters = sla_counters(user=agent, filters={"q": "渗水"})
    assert counters == {"on_time": 0, "warning": 0, "breached": 1, "paused": 1}


def test_closed_complaints_are_found_with_status_all(agent, planted):
    rows = set(sla_board(user=agent, filters={"q": "渗水", "status": "all"}).values_list("pk", flat=True))
    assert rows == {planted["title"], planted["description"], planted["closed"]}


def test_the_pairs_index_is_read_only_on_postgresql_for_two_characters_among_open_complaints(
    agent, group_admin, project, other_project, monkeypatch
):
    def applies(q, status="open", user=agent, project=None):
        return words.pairs_apply({"q": q, "status": status, "project": project}, user)

    assert applies("渗水") is on_postgres
    assert applies(" 渗水 ") is on_postgres
    assert not applies("卫生间渗水")  # the trigram indexes
    assert not applies("水")
    assert not applies("渗水", "all")  # closed complaints are not in the index
    assert not applies("渗水", "closed")
    monkeypatch.setattr(words, "PAIR_PROJECT_LIMIT", 1)  # the tests' group has two projects
    assert not applies("渗水", user=group_admin)
    assert applies("渗水", user=group_admin, project=project.pk) is on_postgres


@pytest.mark.skipif(not on_postgres, reason="the pairs' index is PostgreSQL's")
def test_the_counters_read_the_pairs_index_alone(city_head, planted):
    city_head.scope  # noqa: B018  # its two queries, before the counters'
    with CaptureQueriesContext(connection) as queries:
        sla_counters(user=city_head, filters={"q": "渗水"})
    (sql,) = [query["sql"] for query in queries.captured_queries]
    assert "complaint_project_pairs" in sql and "LIKE" not in sql
    # `<> 'closed'`, the index's condition, and no project_id condition beside the keys.
    assert """NOT ("complaints_complaint"."status" = 'closed')""" in sql
    assert '"project_id" IN' not in sql
    # A few rows: a sequential scan is cheaper; without it, the plan shows which index serves the query.
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "complaint_open_project_pairs" in plan


@pytest.mark.parametrize("word", ["渗水", "卫生间渗水", "ab"])
def test_the_board_with_words_costs_a_constant_number_of_queries(
    client, supervisor, planted, word, django_assert_max_num_queries
):
    client.force_login(supervisor)
    client.get(reverse("complaints:board"))  # fills the reference-data cache
    with django_assert_max_num_queries(BOARD_QUERIES):
        response = client.get(reverse("complaints:board"), {"q": word})
    assert response.status_code == 200
    rows = response.content.decode().count('data-testid="board-row"')
    assert rows == {"渗水": 2, "卫生间渗水": 1, "ab": 1}[word]


def test_a_two_character_word_over_too_many_projects_asks_for_a_project(
    client, group_admin, project, planted, monkeypatch
):
    monkeypatch.setattr(words, "PAIR_PROJECT_LIMIT", 1)  # the tests' group has two projects
    client.force_login(group_admin)
    response = client.get(reverse("complaints:board"), {"q": "渗水"})
    assert response.status_code == 400
    assert "looked for in at most 1 projects at once: choose a project" in response.content.decode()
    with translation.override("zh-hans"):
        form = BoardFilterForm({"q": "渗水"}, user=group_admin)
        assert not form.is_valid()
        assert form.errors["q"] == [
            "两个字的关键词一次最多在 1 个项目中查找：请选择项目，或输入三个字或以上。"
        ]
    # One project, or three characters: the word is looked for.
    response = client.get(reverse("complaints:board"), {"q": "渗水", "project": project.pk})
    assert response.status_code == 200
    assert response.content.decode().count('data-testid="board-row"') == 2
    assert client.get(reverse("complaints:board"), {"q": "卫生间渗水"}).status_code == 200
