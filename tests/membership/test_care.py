"""Care tasks: birthdays and home anniversaries ahead, once a year, closed with a note; the page and queue."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from membership.models import CareTask
from membership.services.care import care_task_close, care_tasks_create, occurrence
from membership.work_queues import care_tasks_due
from tests.factories import ContractFactory, CustomerFactory, UnitFactory
from tests.membership.factories import CareTaskFactory, MemberFactory

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2025, 6, 1)


def test_29_february_falls_on_the_28th_in_other_years():
    assert occurrence(datetime.date(2000, 2, 29), 2025) == datetime.date(2025, 2, 28)
    assert occurrence(datetime.date(2000, 2, 29), 2028) == datetime.date(2028, 2, 29)


def test_birthdays_in_the_window_become_tasks_once(project):
    inside = MemberFactory(birth_date=datetime.date(1980, 6, 8), project=project, care_wish="先电话，勿上门")
    MemberFactory(birth_date=datetime.date(1980, 6, 9))  # 8 days ahead: not yet
    MemberFactory(
        birth_date=datetime.date(1980, 6, 3), left_at=datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)
    )

    assert care_tasks_create(today=TODAY, days_ahead=7) == 1
    assert care_tasks_create(today=TODAY, days_ahead=7) == 0
    assert care_tasks_create(today=TODAY + datetime.timedelta(days=1), days_ahead=7) == 1  # the 9th now

    task = CareTask.objects.get(member=inside)
    assert (task.kind, task.year, task.due_on, task.project) == (
        "birthday",
        2025,
        datetime.date(2025, 6, 8),
        project,
    )


def test_a_home_anniversary_of_the_linked_customer_becomes_a_task_with_the_homes_project(project):
    customer = CustomerFactory(city_company=project.city_company)
    ContractFactory(
        primary_buyer=customer,
        unit=UnitFactory(building__project=project),
        signed_on=datetime.date(2022, 1, 5),
        subscribed_on=datetime.date(2022, 1, 1),
        contractual_handover_on=datetime.date(2022, 6, 1),
        handed_over_on=datetime.date(2022, 6, 3),
    )
    member = MemberFactory(customer=customer, birth_date=datetime.date(1980, 1, 1))
    assert care_tasks_create(today=TODAY, days_ahead=7) == 1
    task = CareTask.objects.get(member=member)
    assert (task.kind, task.due_on, task.project_id) == ("anniversary", datetime.date(2025, 6, 3), project.pk)


def test_the_handover_day_itself_is_no_anniversary(project):
    customer = CustomerFactory(city_company=project.city_company)
    ContractFactory(
        primary_buyer=customer,
        unit=UnitFactory(building__project=project),
        signed_on=datetime.date(2025, 1, 5),
        subscribed_on=datetime.date(2025, 1, 1),
        contractual_handover_on=datetime.date(2025, 6, 1),
        handed_over_on=datetime.date(2025, 6, 1),
    )
    MemberFactory(customer=customer, birth_date=datetime.date(1980, 1, 1))
    assert care_tasks_create(today=TODAY, days_ahead=7) == 0


def test_the_daily_task_uses_the_setting(settings, project):
    from membership import tasks

    settings.CLUB_CARE_DAYS_AHEAD = 0
    today = datetime.date.today()
    MemberFactory(
        birth_date=today.replace(year=1990)
        if (today.month, today.day) != (2, 29)
        else datetime.date(1992, 2, 29)
    )
    assert tasks.create_care_tasks.delay().result == 1


class TestClosing:
    def test_done_with_a_note_once(self, agent, project):
        task = CareTaskFactory(
            member__project=project, project=project, member__city_company=project.city_company
        )
        care_task_close(task=task, by=agent, outcome="done", note="已电话祝福")
        assert (task.status, task.note, task.done_by) == ("done", "已电话祝福", agent)
        with pytest.raises(ValidationError, match="already closed"):
            care_task_close(task=task, by=agent, outcome="skipped", note="x")

    def test_skipping_needs_a_reason(self, agent, project):
        task = CareTaskFactory(project=project, member__city_company=project.city_company)
        with pytest.raises(ValidationError):
            care_task_close(task=task, by=agent, outcome="skipped", note="")

    def test_another_projects_team_may_not_close_it(self, other_agent, project):
        task = CareTaskFactory(project=project, member__city_company=project.city_company)
        with pytest.raises(PermissionDenied):
            care_task_close(task=task, by=other_agent, outcome="done", note="")


class TestPage:
    def test_lists_the_teams_tasks_with_the_care_wish_in_constant_queries(
        self, client, agent, project, other_project, django_assert_max_num_queries
    ):
        def make(count, **kwargs):
            for _ in range(count):
                CareTaskFactory(
                    project=project,
                    member__city_company=project.city_company,
                    member__care_wish="请先询问再拜访",
                    **kwargs,
                )

        make(2)
        CareTaskFactory(project=other_project, member__city_company=other_project.city_company)
        client.force_login(agent)
        url = reverse("club:care_tasks")
        # session, user, scope (cities, projects), the page (members and projects joined)
        with django_assert_max_num_queries(7):
            response = client.get(url)
        assert response.content.decode().count('data-testid="care-row"') == 2
        assert "请先询问再拜访" in response.content.decode()
        make(30)
        with django_assert_max_num_queries(7):
            response = client.get(url)
        assert response.content.decode().count('data-testid="care-row"') == 25
        older = client.get(url, {"after": response.context["next_cursor"]})
        assert older.content.decode().count('data-testid="care-row"') == 7
        assert client.get(url, {"after": "bm90LWEtZGF0ZXwx"}).status_code == 400

    def test_closing_from_the_page(self, client, agent, project):
        task = CareTaskFactory(project=project, member__city_company=project.city_company)
        client.force_login(agent)
        response = client.post(reverse("club:care_task_close", args=[task.pk, "done"]), {"note": "送了蛋糕"})
        assert response.status_code == 302
        task.refresh_from_db()
        assert task.status == "done"

    def test_a_task_out_of_scope_is_a_404(self, client, other_agent, project):
        task = CareTaskFactory(project=project, member__city_company=project.city_company)
        client.force_login(other_agent)
        assert client.post(reverse("club:care_task_close", args=[task.pk, "done"])).status_code == 404


def test_the_agents_queue_shows_the_tasks_coming_up_and_the_home_page_renders_it(client, agent, project):
    soon = CareTaskFactory(project=project, member__city_company=project.city_company, due_on=TODAY)
    CareTaskFactory(
        project=project, member__city_company=project.city_company, due_on=TODAY + datetime.timedelta(days=30)
    )
    assert care_tasks_due(user=agent, limit=10, today=TODAY) == [soon]
    client.force_login(agent)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert "Member care coming up" in response.content.decode()
