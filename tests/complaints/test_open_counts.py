"""The SLA board's kept counters (complaints/open_counts.py): on PostgreSQL the triggers of migration
0015 keep complaints_opencomplaintcount, and the board's four counters read from it agree with a live
count of the open complaints after every kind of write; on SQLite the board counts live."""

import datetime

import pytest
from django.db import connection
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from complaints import open_counts, services
from complaints.models import Complaint, OpenComplaintCount
from complaints.selectors import SLA_STATES, sla_condition, sla_counters, with_current_due

needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the kept counts are PostgreSQL triggers"
)


def live(user, project=None) -> dict[str, int]:
    complaints = with_current_due(Complaint.objects.visible_to(user).open())
    if project is not None:
        complaints = complaints.filter(project_id=project.pk)
    now = timezone.now()
    return complaints.aggregate(
        **{state: Count("pk", filter=sla_condition(state, now)) for state in SLA_STATES}
    )


def kept_rows() -> set[tuple]:
    return set(OpenComplaintCount.objects.filter(count__gt=0).values_list("project_id", "paused", "count"))


@needs_postgres
def test_kept_counters_agree_with_a_live_count_after_every_kind_of_write(
    agent, supervisor, group_admin, city_head, project, make_complaint, django_assert_num_queries
):
    made = [make_complaint(title=f"计数{i}") for i in range(8)]
    # Breached (due two hours ago), warned and still ahead, paused, resumed, closed by an update, deleted.
    Complaint.objects.filter(pk__in=[made[0].pk, made[1].pk]).update(
        first_response_due_at=timezone.now() - datetime.timedelta(hours=2)
    )
    Complaint.objects.filter(pk=made[2].pk).update(sla_warned=True)
    services.complaint_pause(complaint=made[3], by=supervisor, reason="业主出差")
    services.complaint_pause(complaint=made[4], by=supervisor, reason="业主出差")
    services.complaint_resume(complaint=Complaint.objects.get(pk=made[4].pk), by=supervisor)
    Complaint.objects.filter(pk=made[5].pk).update(status="closed", sla_target="", sla_next_check_at=None)
    Complaint.objects.filter(pk=made[6].pk).delete()
    # A clock with no due time is in no counter.
    Complaint.objects.filter(pk=made[7].pk).update(first_response_due_at=None)
    expected = {"on_time": 1, "warning": 1, "breached": 2, "paused": 1}
    for user in (agent, supervisor, group_admin, city_head):
        assert open_counts.applies(user, {"status": "open"})
        assert live(user) == expected
        with django_assert_num_queries(1):
            assert sla_counters(user=user, filters={}) == expected
        assert sla_counters(user=user, filters={"project": project.pk}) == expected
    assert kept_rows() == {(project.pk, False, 4), (project.pk, True, 1)}
    open_counts.rebuild()  # counted again from the complaints: the same rows the triggers kept
    assert kept_rows() == {(project.pk, False, 4), (project.pk, True, 1)}


@needs_postgres
def test_kept_counters_follow_a_complaint_moved_to_another_project_and_scopes(
    agent, other_agent, group_admin, project, other_project, make_complaint
):
    moved = make_complaint(title="换项目")
    make_complaint(title="留下")
    Complaint.objects.filter(pk=moved.pk).update(project=other_project)
    assert sla_counters(user=agent, filters={})["on_time"] == 1
    assert sla_counters(user=other_agent, filters={})["on_time"] == 1
    assert sla_counters(user=group_admin, filters={})["on_time"] == 2
    assert sla_counters(user=group_admin, filters={"project": other_project.pk})["on_time"] == 1
    # A project outside the agent's scope counts nothing, as the live count would.
    assert sla_counters(user=agent, filters={"project": other_project.pk}) == dict.fromkeys(SLA_STATES, 0)
    assert live(group_admin, other_project) == sla_counters(
        user=group_admin, filters={"project": other_project.pk}
    )


def test_other_filters_count_live(agent, leak):
    assert not open_counts.applies(agent, {"status": "open", "category": leak.pk})
    assert not open_counts.applies(agent, {"status": "open", "q": "漏水"})
    assert not open_counts.applies(agent, {"status": "open", "mine_only": True})
    assert open_counts.applies(agent, {"status": "open", "project": 1, "q": None, "mine_only": False}) == (
        connection.vendor == "postgresql"
    )


def test_board_counters_match_the_filtered_and_unfiltered_pages(
    client, agent, supervisor, make_complaint, leak
):
    make_complaint(title="准时")
    paused = make_complaint(title="暂停")
    services.complaint_pause(complaint=paused, by=supervisor, reason="业主出差")
    client.force_login(agent)
    for query in ({}, {"category": leak.pk}):
        response = client.get(reverse("complaints:board"), query)
        counters = {c["state"]: c["count"] for c in response.context["counters"]}
        assert counters == {"on_time": 1, "warning": 0, "breached": 0, "paused": 1}
