"""The follow-up pages: the list (scope, filters, order by due time, keyset pages, constant queries),
one follow-up's page (answers, masked phone, alerts, who may act), the outcome and raise-a-complaint
posts (conflict, refusal), and the home page's queue."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from accounts.models import Role
from complaints.models import Complaint
from dashboards.queues import QUEUE_ROWS
from surveys import deadlines
from surveys.models import FollowUp
from surveys.services import follow_ups as services
from tests.factories import CustomerFactory, CustomerPhoneFactory, UserFactory
from tests.surveys.factories import completed_invitation

SHANGHAI = ZoneInfo("Asia/Shanghai")
LOW = {"overall": 5, "repurchase": 5, "recommend": 3, "quality": 2, "comments": "楼道灯坏了三个月"}


def at(*args):
    return datetime.datetime(*args, tzinfo=SHANGHAI)


@pytest.fixture
def clock():
    # Monday 2 November 2026, 10:00 in Shenzhen.
    with time_machine.travel(at(2026, 11, 2, 10, 0), tick=False) as traveller:
        yield traveller


@pytest.fixture
def open_follow_up(project, city):
    """Open a follow-up for a new owner of 四季花城, completed at `completed_at`."""

    def make(completed_at=None, target_project=None, **answers):
        target = target_project or project
        owner = CustomerFactory(city_company=target.city_company, registered_project=target)
        CustomerPhoneFactory(customer=owner, number="13912345678")
        invitation = completed_invitation(
            {**LOW, **answers}, customer=owner, project=target, completed_at=completed_at
        )
        return services.follow_up_open(invitation=invitation)

    return make


def row_ids(response) -> list[int]:
    return [f.pk for f in response.context["page"]]


# --- the list --------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_list_shows_open_follow_ups_in_scope_nearest_due_first(
    client, clock, open_follow_up, agent, other_project
):
    later = open_follow_up(completed_at=at(2026, 11, 2, 11, 0))
    sooner = open_follow_up(completed_at=at(2026, 11, 2, 9, 30))
    closed = open_follow_up()
    services.follow_up_record(follow_up=closed, by=agent, outcome="resolved", note="已修好", version=1)
    open_follow_up(target_project=other_project)  # another city: not the agent's
    client.force_login(agent)
    response = client.get(reverse("surveys:follow_ups"))
    assert response.status_code == 200
    assert row_ids(response) == [sooner.pk, later.pk]
    assert "Willingness to recommend 3; House quality 2" in response.content.decode()


@pytest.mark.django_db
def test_the_list_filters_by_status_project_and_overdue(client, clock, open_follow_up, agent, project):
    overdue = open_follow_up(completed_at=at(2026, 10, 20, 10, 0))
    fresh = open_follow_up()
    services.follow_up_record(follow_up=fresh, by=agent, outcome="unreachable", note="未接", version=1)
    pending = open_follow_up()
    client.force_login(agent)
    url = reverse("surveys:follow_ups")
    assert row_ids(client.get(url, {"overdue": "on"})) == [overdue.pk]
    assert row_ids(client.get(url, {"status": "unreachable"})) == [fresh.pk]
    assert set(row_ids(client.get(url, {"status": ""}))) == {overdue.pk, fresh.pk, pending.pk}
    assert row_ids(client.get(url, {"project": project.pk})) == [overdue.pk, pending.pk]
    assert client.get(url, {"project": 999999}).status_code == 400  # not a project of theirs
    assert client.get(url, {"status": "nonsense"}).status_code == 400
    assert client.get(url, {"after": "not-a-cursor"}).status_code == 400


@pytest.mark.django_db
def test_the_list_pages_by_due_time(client, clock, open_follow_up, agent):
    made = [
        open_follow_up(completed_at=at(2026, 11, 2, 9, 0) + datetime.timedelta(minutes=n)) for n in range(27)
    ]
    client.force_login(agent)
    first = client.get(reverse("surveys:follow_ups"))
    assert row_ids(first) == [f.pk for f in made[:25]]
    cursor = first.context["next_cursor"]
    second = client.get(reverse("surveys:follow_ups"), {"after": cursor})
    assert row_ids(second) == [f.pk for f in made[25:]]


# Session + user (2), scope: city companies, projects (2), the page of follow-ups with their customer
# and assignee (1), the bell (1) → 6; projects' names come from the cache (one query when cold).
FOLLOW_UP_LIST_QUERIES = 7


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [2, 20])
def test_the_list_is_a_constant_number_of_queries(
    client, clock, open_follow_up, supervisor, rows, django_assert_max_num_queries
):
    for _ in range(rows):
        open_follow_up(completed_at=at(2026, 10, 1, 10, 0))
    deadlines.follow_up_escalation_sweep()
    client.force_login(supervisor)
    with django_assert_max_num_queries(FOLLOW_UP_LIST_QUERIES):
        response = client.get(reverse("surveys:follow_ups"))
    assert len(response.context["page"]) == rows
    assert response.content.decode().count('data-deadline="overdue"') == rows


@pytest.mark.django_db
def test_roles_without_surveys_are_refused(client, project):
    engineer = UserFactory(role=Role.DELIVERY_ENGINEER, projects=[project])
    client.force_login(engineer)
    assert client.get(reverse("surveys:follow_ups")).status_code == 403


# --- one follow-up --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_page_shows_the_reason_answers_customer_masked_phone_and_alerts(
    client, clock, open_follow_up, agent
):
    follow_up = open_follow_up()
    clock.move_to(at(2026, 11, 4, 11, 0))
    deadlines.follow_up_escalation_sweep()  # a late warning and level 1
    client.force_login(agent)
    response = client.get(reverse("surveys:follow_up", args=[follow_up.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Willingness to recommend 3; House quality 2" in html
    assert "楼道灯坏了三个月" in html and "3 / 10" in html
    assert "139****5678" in html and "13912345678" not in html
    assert reverse("customers:detail", args=[follow_up.customer_id]) in html
    assert "Escalation level 1" in html
    assert 'data-testid="follow-up-record"' in html and 'data-testid="follow-up-raise-complaint"' in html


@pytest.mark.django_db
def test_a_read_only_manager_reads_but_gets_no_forms_and_may_not_post(client, clock, open_follow_up, city):
    follow_up = open_follow_up()
    manager = UserFactory(role=Role.READONLY_MANAGER, city_companies=[city])
    client.force_login(manager)
    html = client.get(reverse("surveys:follow_up", args=[follow_up.pk])).content.decode()
    assert "楼道灯坏了三个月" in html
    assert (
        'data-testid="follow-up-record"' not in html and 'data-testid="follow-up-raise-complaint"' not in html
    )
    post = client.post(
        reverse("surveys:follow_up_record", args=[follow_up.pk]),
        {"outcome": "resolved", "note": "x", "version": 1},
    )
    assert post.status_code == 403
    assert client.post(reverse("surveys:follow_up_raise_complaint", args=[follow_up.pk])).status_code == 403


@pytest.mark.django_db
def test_out_of_scope_is_a_404(client, clock, open_follow_up, other_agent):
    follow_up = open_follow_up()
    client.force_login(other_agent)
    assert client.get(reverse("surveys:follow_up", args=[follow_up.pk])).status_code == 404
    record = reverse("surveys:follow_up_record", args=[follow_up.pk])
    assert client.post(record, {"outcome": "resolved", "note": "x", "version": 1}).status_code == 404


@pytest.mark.django_db
def test_recording_an_outcome_from_the_page(client, clock, open_follow_up, agent):
    follow_up = open_follow_up()
    client.force_login(agent)
    url = reverse("surveys:follow_up_record", args=[follow_up.pk])
    response = client.post(url, {"outcome": "resolved", "note": "已派维修，业主满意", "version": 1})
    assert response.status_code == 302
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUp.Status.RESOLVED and follow_up.next_check_at is None
    html = client.get(reverse("surveys:follow_up", args=[follow_up.pk])).content.decode()
    assert "已派维修，业主满意" in html and 'data-testid="follow-up-record"' not in html


@pytest.mark.django_db
def test_a_stale_outcome_form_is_a_conflict_and_bad_input_a_400(client, clock, open_follow_up, agent):
    follow_up = open_follow_up()
    FollowUp.objects.filter(pk=follow_up.pk).update(version=2)  # someone saved in between
    client.force_login(agent)
    url = reverse("surveys:follow_up_record", args=[follow_up.pk])
    conflict = client.post(url, {"outcome": "resolved", "note": "好了", "version": 1})
    assert conflict.status_code == 409
    assert "Someone else changed this record" in conflict.content.decode()
    missing = client.post(url, {"outcome": "resolved", "note": "", "version": 2})
    assert missing.status_code == 400 and missing.context["outcome_form"].errors["note"]
    no_version = client.post(url, {"outcome": "resolved", "note": "好了"})
    assert no_version.status_code == 400
    follow_up.refresh_from_db()
    assert follow_up.is_open


@pytest.mark.django_db
def test_raising_a_complaint_from_the_page_once(client, clock, open_follow_up, agent):
    follow_up = open_follow_up()
    client.force_login(agent)
    page = client.get(reverse("surveys:follow_up", args=[follow_up.pk]))
    category = page.context["complaint_form"].initial["category"]
    url = reverse("surveys:follow_up_raise_complaint", args=[follow_up.pk])
    assert client.post(url, {"category": category}).status_code == 302
    complaint = Complaint.objects.get()
    follow_up.refresh_from_db()
    assert follow_up.complaint == complaint
    html = client.get(reverse("surveys:follow_up", args=[follow_up.pk])).content.decode()
    assert complaint.number in html and 'data-testid="follow-up-raise-complaint"' not in html
    again = client.post(url, {"category": category})  # a second tab, a double click
    assert again.status_code == 400
    assert Complaint.objects.count() == 1


# --- the home page's work queue ---------------------------------------------------------------------------


def queue_rows(response, key):
    queue = next(q for q in response.context["queues"] if q.key == key)
    return [row.url for row in queue.rows]


@pytest.mark.django_db
def test_an_agent_sees_their_follow_ups_and_a_supervisor_all_open_ones(
    client, clock, open_follow_up, agent, supervisor, project
):
    mine = open_follow_up(completed_at=at(2026, 11, 2, 9, 30))  # the project's only agent: theirs
    UserFactory(username="agent2", role=Role.CS_AGENT, projects=[project])
    unassigned = open_follow_up(completed_at=at(2026, 11, 2, 9, 0))
    client.force_login(agent)
    assert queue_rows(client.get(reverse("home")), "survey-follow-ups") == [
        reverse("surveys:follow_up", args=[mine.pk])
    ]
    client.force_login(supervisor)
    assert queue_rows(client.get(reverse("home")), "survey-follow-ups") == [
        reverse("surveys:follow_up", args=[unassigned.pk]),
        reverse("surveys:follow_up", args=[mine.pk]),
    ]


@pytest.mark.django_db
def test_the_follow_up_queue_is_bounded(client, clock, open_follow_up, supervisor):
    for _ in range(QUEUE_ROWS + 2):
        open_follow_up()
    client.force_login(supervisor)
    assert len(queue_rows(client.get(reverse("home")), "survey-follow-ups")) == QUEUE_ROWS
