"""The group case pages (/complaints/group-cases/) and endpoints (/api/v1/group-cases/): scope (404),
roles (403), versions (409, and a form or call without one), the messages to the owners, query counts."""

import uuid

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils.html import escape

from accounts.models import Department, Role
from complaints import services
from complaints.models import Complaint, GroupCase, GroupCaseMessage, GroupCaseReport
from core.forms import VERSION_MISSING
from core.models import OutboxMessage
from core.paging import PAGE_SIZE
from notifications.models import Notification
from tests.api import client_for
from tests.complaints.test_api import API, post
from tests.factories import ContractorFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(make_complaint, supervisor):
    return services.group_case_create(
        by=supervisor, title="B2车库渗漏群诉", complaints=[make_complaint(), make_complaint()]
    )


@pytest.fixture
def elsewhere(other_project, leak):
    """A case of another city company's project."""
    return GroupCase.objects.create(title="外地群诉", project=other_project, category=leak, number="QS-X")


@pytest.fixture
def contractor_user(project):
    firm = ContractorFactory(name="宏达维修", projects=[project])
    return UserFactory(username="fixer", role=Role.CONTRACTOR, contractor=firm, projects=[project])


def fresh(case) -> GroupCase:
    return GroupCase.objects.get(pk=case.pk)


def page_url(case) -> str:
    return reverse("complaints:group-case", args=[case.pk])


def action_url(case, action: str) -> str:
    return reverse("complaints:group-case-action", args=[case.pk, action])


def buttons(client, case) -> set[str]:
    html = client.get(page_url(case)).content.decode()
    return {slug for slug in services_slugs() if f'data-testid="case-action-{slug}"' in html}


def services_slugs() -> tuple[str, ...]:
    return ("owner", "plan", "message", "crisis", "crisis-over", "resolve", "report", "close", "reopen")


# --- the list ---------------------------------------------------------------------------------------------

# Session + user (2), scope: city companies and projects (1), the page of cases with project, category and
# owner joined and each one's count of complaints as a subquery (1), the bell (1) → 5. The projects of the
# filter come from the cache (one query when cold).
CASE_LIST_QUERIES = 5


@pytest.mark.parametrize("cases", [2, 20])
def test_the_list_costs_the_same_for_2_and_20_cases(
    client, supervisor, make_complaint, cases, django_assert_num_queries
):
    for index in range(cases):
        services.group_case_create(
            by=supervisor, title=f"群诉{index}", complaints=[make_complaint(), make_complaint()]
        )
    client.force_login(supervisor)
    client.get(reverse("complaints:group-cases"))  # warm the reference cache

    with django_assert_num_queries(CASE_LIST_QUERIES):
        response = client.get(reverse("complaints:group-cases"))

    assert response.status_code == 200
    assert len(response.context["cases"]) == cases
    assert [case.complaint_count for case in response.context["cases"]] == [2] * cases


def test_the_list_pages_by_keyset_newest_first(client, supervisor, make_complaint):
    made = [
        services.group_case_create(
            by=supervisor, title=f"群诉{i}", complaints=[make_complaint(), make_complaint()]
        )
        for i in range(PAGE_SIZE + 2)
    ]
    client.force_login(supervisor)
    first = client.get(reverse("complaints:group-cases"))
    assert [case.pk for case in first.context["cases"]] == [case.pk for case in made[::-1][:PAGE_SIZE]]
    second = client.get(reverse("complaints:group-cases"), {"after": first.context["next_cursor"]})
    assert [case.pk for case in second.context["cases"]] == [made[1].pk, made[0].pk]
    assert client.get(reverse("complaints:group-cases"), {"after": "!!"}).status_code == 400


def test_the_list_is_scoped_and_filtered(
    client, case, elsewhere, supervisor, agent, other_agent, group_admin
):
    flagged = services.group_case_flag_crisis(case=case, by=supervisor, reason="媒体")
    client.force_login(agent)
    assert [c.pk for c in client.get(reverse("complaints:group-cases")).context["cases"]] == [case.pk]
    client.force_login(other_agent)
    assert [c.pk for c in client.get(reverse("complaints:group-cases")).context["cases"]] == [elsewhere.pk]

    client.force_login(group_admin)

    def listed(**query) -> list[int]:
        return [c.pk for c in client.get(reverse("complaints:group-cases"), query).context["cases"]]

    assert listed() == [elsewhere.pk, case.pk]
    assert listed(crisis="yes") == [flagged.pk]
    assert listed(crisis="no") == [elsewhere.pk]
    assert listed(status="open", project=case.project_id) == [case.pk]
    assert listed(status="closed") == []
    page = client.get(reverse("complaints:group-cases")).content.decode()
    assert 'data-testid="crisis-badge"' in page


def test_a_bad_filter_is_a_400_and_contractors_see_no_cases(client, case, agent, contractor_user):
    client.force_login(agent)
    assert client.get(reverse("complaints:group-cases"), {"status": "lost"}).status_code == 400
    assert client.get(reverse("complaints:group-cases"), {"project": "999999"}).status_code == 400
    client.force_login(contractor_user)
    assert client.get(reverse("complaints:group-cases")).status_code == 403
    assert client.get(page_url(case)).status_code == 404


# --- the case page ------------------------------------------------------------------------------------------

# Session + user (2), scope: city companies and projects (1), the case with its project, building, category,
# owner, planner and report joined (1), its timeline with the actors (1), the page of its complaints with
# customer, unit and handler (1), the owner choices of the "Assign owner" form (1), the bell (1) → 8.
CASE_PAGE_QUERIES = 8


@pytest.mark.parametrize("members", [2, 20])
def test_the_case_page_costs_the_same_for_2_and_20_complaints(
    client, supervisor, make_complaint, members, django_assert_num_queries
):
    case = services.group_case_create(
        by=supervisor, title="群诉", complaints=[make_complaint() for _member in range(members)]
    )
    services.group_case_agree_plan(case=case, by=supervisor, plan="统一排查")
    client.force_login(supervisor)

    with django_assert_num_queries(CASE_PAGE_QUERIES):
        response = client.get(page_url(case))

    assert response.status_code == 200
    assert len(response.context["rows"]) == members
    html = response.content.decode()
    assert "统一排查" in html and 'data-sla="on_time"' in html


def test_the_case_page_shows_its_complaints_timeline_and_links_from_a_complaint(client, case, supervisor):
    client.force_login(supervisor)
    html = client.get(page_url(case)).content.decode()
    for complaint in case.complaints.all():
        assert complaint.number in html
    assert 'data-kind="created"' in html
    member = case.complaints.first()
    detail = client.get(reverse("complaints:detail", args=[member.pk])).content.decode()
    assert f'href="{page_url(case)}"' in detail


def test_the_case_page_is_a_404_outside_the_scope(client, case, other_agent, other_project):
    client.force_login(other_agent)
    assert client.get(page_url(case)).status_code == 404
    far_supervisor = UserFactory(role=Role.CS_SUPERVISOR, projects=[other_project])
    client.force_login(far_supervisor)
    response = client.post(action_url(case, "plan"), {"plan": "x", "version": case.version})
    assert response.status_code == 404
    assert fresh(case).status == GroupCase.Status.OPEN


def test_department_staff_see_a_case_holding_their_departments_complaint(client, case, supervisor, project):
    fixer = UserFactory(role=Role.DEPARTMENT_STAFF, department=Department.MAINTENANCE, projects=[project])
    client.force_login(fixer)
    assert client.get(page_url(case)).status_code == 404
    member = case.complaints.first()
    services.complaint_dispatch(complaint=member, by=supervisor, department=Department.MAINTENANCE)
    response = client.get(page_url(case))
    assert response.status_code == 200
    assert [complaint.pk for complaint, _sla in response.context["rows"]] == [member.pk]  # only theirs
    assert not response.context["actions"]


def test_an_agent_views_the_case_but_is_offered_nothing_and_may_post_nothing(client, case, agent):
    client.force_login(agent)
    assert buttons(client, case) == set()
    response = client.post(action_url(case, "plan"), {"plan": "x", "version": case.version})
    assert response.status_code == 403
    assert fresh(case).status == GroupCase.Status.OPEN


@pytest.mark.parametrize(
    ("state", "offered"),
    [
        ("open", {"owner", "plan", "message", "crisis"}),
        ("handling", {"owner", "plan", "message", "crisis", "resolve", "report"}),
        ("resolved", {"owner", "message", "crisis", "report", "reopen"}),  # closing waits for the report
        ("reported", {"owner", "message", "crisis", "report", "close", "reopen"}),
        ("closed", {"reopen"}),
    ],
)
def test_the_page_offers_what_the_rules_allow(client, case, supervisor, state, offered):
    if state == "reported":
        GroupCaseReport.objects.create(case=case, cause="a", handling="b", lessons="c", author=supervisor)
    GroupCase.objects.filter(pk=case.pk).update(status="resolved" if state == "reported" else state)
    client.force_login(supervisor)
    assert buttons(client, case) == offered


def test_the_crisis_is_over_only_for_the_heads(client, case, supervisor, city_head):
    services.group_case_flag_crisis(case=case, by=supervisor, reason="媒体")
    client.force_login(supervisor)
    assert "crisis-over" not in buttons(client, case)
    assert client.post(action_url(case, "crisis-over"), {"version": fresh(case).version}).status_code == 403
    client.force_login(city_head)
    assert "crisis-over" in buttons(client, case)
    response = client.post(
        action_url(case, "crisis-over"), {"version": fresh(case).version, "note": "已平息"}
    )
    assert response.status_code == 302
    assert not fresh(case).is_crisis


def test_the_path_through_the_page(client, case, supervisor):
    client.force_login(supervisor)
    for action, data in (
        ("owner", {"owner": supervisor.pk}),
        ("plan", {"plan": "统一排查顶板"}),
        ("crisis", {"reason": "业主计划联系媒体"}),
        ("resolve", {"resolution": "顶板已修复"}),
        ("report", {"cause": "防水层破损", "handling": "返工", "lessons": "加测"}),
    ):
        response = client.post(action_url(case, action), {**data, "version": fresh(case).version})
        assert response.status_code == 302, (action, response.content.decode()[:2000])
        assert response.url == page_url(case)
    case = fresh(case)
    assert (case.status, case.owner, case.is_crisis, case.has_report) == ("resolved", supervisor, True, True)

    # Closing: the complaints in it are still open, so the form says why, on the page.
    response = client.post(action_url(case, "close"), {"version": case.version})
    assert response.status_code == 400
    assert "A group case closes once every complaint" in response.content.decode()


def test_a_form_without_its_version_is_refused(client, case, supervisor):
    client.force_login(supervisor)
    response = client.post(action_url(case, "plan"), {"plan": "统一排查"})
    assert response.status_code == 400
    assert escape(str(VERSION_MISSING)) in response.content.decode()
    assert fresh(case).status == GroupCase.Status.OPEN


def test_a_stale_page_is_a_conflict(client, case, supervisor):
    stale = case.version
    services.group_case_agree_plan(case=case, by=supervisor, plan="第一版")
    client.force_login(supervisor)

    response = client.post(action_url(case, "plan"), {"plan": "第二版", "version": stale})

    assert response.status_code == 409
    assert fresh(case).plan == "第一版"


def test_writing_to_all_owners_from_the_page_twice_sends_once(client, case, supervisor, owner):
    client.force_login(supervisor)
    shown = client.get(page_url(case))
    key = next(item["form"] for item in shown.context["actions"] if item["action"].slug == "message").initial[
        "key"
    ]
    assert f'name="key" value="{key}"' in shown.content.decode()  # the form carries it back
    data = {"subject": "进展", "text": "本周修复", "key": str(key)}

    first = client.post(action_url(case, "message"), data)
    second = client.post(action_url(case, "message"), data)  # the double click

    assert first.status_code == second.status_code == 302
    assert OutboxMessage.objects.filter(kind="group_case_message").count() == 1  # one owner, two complaints
    assert GroupCaseMessage.objects.get().queued == 1
    said = [str(m) for m in get_messages(second.wsgi_request)]
    assert said == [
        "1 message queued for the owners.",
        "This message was already sent; nothing was sent again.",
    ]
    page = client.get(page_url(case))
    assert page.context["actions"][2]["form"].initial["key"] != key  # the next message gets a new key
    assert 'data-kind="message_sent"' in page.content.decode()


def test_the_page_names_the_complaints_whose_owner_has_no_address(
    client, case, supervisor, make_complaint, project
):
    unmatched = make_complaint(
        customer=None, unit=None, project=project, reporter_name="孙", reporter_phone="13700000000"
    )
    services.complaint_join_group_case(complaint=unmatched, by=supervisor, group_case=case)
    client.force_login(supervisor)

    response = client.post(
        action_url(case, "message"),
        {"subject": "进展", "text": "本周修复", "key": str(uuid.uuid4())},
        follow=True,
    )

    assert f"No address known for the owner of: {unmatched.number}." in response.content.decode()


def test_a_case_made_from_the_board_opens_its_page(client, make_complaint, supervisor):
    first, second = make_complaint(), make_complaint()
    client.force_login(supervisor)
    response = client.post(
        reverse("complaints:group-case-create"), {"complaints": [first.pk, second.pk], "next": ""}
    )
    assert response.url == page_url(GroupCase.objects.get())


# --- the API --------------------------------------------------------------------------------------------------


def test_the_api_lists_cases_in_scope_with_filters(case, elsewhere, supervisor, other_agent, group_admin):
    services.group_case_flag_crisis(case=case, by=supervisor, reason="媒体")
    admin = client_for(group_admin)

    def ids(query: str = "") -> list[int]:
        return [row["id"] for row in admin.get(f"{API}/group-cases/{query}").json()["results"]]

    assert ids() == [elsewhere.pk, case.pk]
    assert ids("?crisis=true") == [case.pk]
    assert ids("?status=open&crisis=false") == [elsewhere.pk]
    assert ids(f"?project={case.project_id}") == [case.pk]
    assert admin.get(f"{API}/group-cases/?status=lost").status_code == 400
    assert [row["id"] for row in client_for(other_agent).get(f"{API}/group-cases/").json()["results"]] == [
        elsewhere.pk
    ]


@pytest.mark.parametrize("cases", [2, 20])
def test_the_api_list_costs_the_same_for_2_and_20_cases(
    supervisor, make_complaint, cases, django_assert_num_queries
):
    for index in range(cases):
        services.group_case_create(
            by=supervisor, title=f"群诉{index}", complaints=[make_complaint(), make_complaint()]
        )
    boss = client_for(supervisor)
    # The token with its user (1), scope: city companies and projects (1), the page of cases (1), their
    # complaints' ids (1) → 4.
    with django_assert_num_queries(4):
        response = boss.get(f"{API}/group-cases/")
    assert len(response.json()["results"]) == cases


def test_the_api_walks_the_path_with_versions(case, supervisor, city_head, owner):
    boss = client_for(supervisor)
    url = f"{API}/group-cases/{case.pk}"
    read = boss.get(f"{url}/")
    assert read.status_code == 200 and read["ETag"] == '"1"'
    assert read.json()["allowed_actions"] == ["case_crisis", "case_message", "case_owner", "case_plan"]

    owned = post(boss, f"{url}/assign-owner/", {"owner": city_head.pk, "version": 1})
    assert owned.status_code == 200, owned.json()
    assert owned.json()["owner"] == city_head.pk and owned["ETag"] == '"2"'
    planned = post(boss, f"{url}/agree-plan/", {"plan": "统一排查"}, HTTP_IF_MATCH='"2"')
    assert planned.json()["status"] == "handling"
    flagged = post(boss, f"{url}/flag-crisis/", {"reason": "媒体", "version": 3})
    assert flagged.json()["is_crisis"] is True
    assert Notification.objects.filter(recipient=city_head, kind="group_case_crisis").exists()
    assert post(boss, f"{url}/clear-crisis/", {"version": 4}).status_code == 403  # the heads' call
    assert post(client_for(city_head), f"{url}/clear-crisis/", {"version": 4}).json()["is_crisis"] is False
    assert (
        post(boss, f"{url}/resolve/", {"resolution": "已修复", "version": 5}).json()["status"] == "resolved"
    )
    reported = post(boss, f"{url}/report/", {"cause": "a", "handling": "b", "lessons": "c", "version": 6})
    assert reported.json()["report"]["cause"] == "a"
    closing = post(boss, f"{url}/close/", {"version": 7})
    assert closing.status_code == 400 and "complaints" in closing.json()  # its complaints are still open
    reopened = post(boss, f"{url}/reopen/", {"reason": "再次渗漏", "version": 7})
    assert reopened.json()["status"] == "handling"
    kinds = [event["kind"] for event in reopened.json()["events"]]
    assert kinds == [
        "created",
        "owner_assigned",
        "plan_agreed",
        "crisis_flagged",
        "crisis_cleared",
        "resolved",
        "report",
        "reopened",
    ]


def test_the_api_answers_409_when_stale_and_428_without_a_version(case, supervisor):
    boss = client_for(supervisor)
    url = f"{API}/group-cases/{case.pk}/agree-plan/"
    assert post(boss, url, {"plan": "x", "version": 7}).status_code == 409
    assert post(boss, url, {"plan": "x"}).status_code == 428
    assert fresh(case).status == GroupCase.Status.OPEN


def test_the_api_hides_other_cities_cases_and_refuses_agents(
    case, elsewhere, supervisor, agent, contractor_user
):
    assert client_for(supervisor).get(f"{API}/group-cases/{elsewhere.pk}/").status_code == 404
    assert (
        post(
            client_for(supervisor),
            f"{API}/group-cases/{elsewhere.pk}/agree-plan/",
            {"plan": "x", "version": 1},
        ).status_code
        == 404
    )
    assert client_for(agent).get(f"{API}/group-cases/{case.pk}/").status_code == 200
    assert (
        post(
            client_for(agent), f"{API}/group-cases/{case.pk}/agree-plan/", {"plan": "x", "version": 1}
        ).status_code
        == 403
    )
    assert client_for(contractor_user).get(f"{API}/group-cases/").status_code == 403


def test_the_api_refuses_an_owner_who_may_not_own_the_case(case, supervisor, agent):
    response = post(
        client_for(supervisor),
        f"{API}/group-cases/{case.pk}/assign-owner/",
        {"owner": agent.pk, "version": 1},
    )
    assert response.status_code == 400 and "owner" in response.json()


def test_the_api_writes_to_the_owners_once_per_key(case, supervisor):
    boss = client_for(supervisor)
    url = f"{API}/group-cases/{case.pk}/write-to-owners/"
    payload = {"key": str(uuid.uuid4()), "subject": "进展", "text": "本周修复"}

    first = post(boss, url, payload)
    retry = post(boss, url, payload)

    assert (first.status_code, retry.status_code) == (201, 200)
    assert first.json()["id"] == retry.json()["id"] and first.json()["queued"] == 1
    assert OutboxMessage.objects.filter(kind="group_case_message").count() == 1
    assert post(boss, url, {"subject": "进展", "text": "本周修复"}).status_code == 400  # the key is required
    assert (
        post(client_for(UserFactory(role=Role.CS_AGENT, projects=[case.project])), url, payload).status_code
        == 403
    )
    assert Complaint.objects.filter(events__kind="group_message").count() == 2
