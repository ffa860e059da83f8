"""Joining a running group case (群诉): one more owner calls about the same cause. The service, the
button on the complaint page and POST /api/v1/complaints/<id>/join-group-case/."""

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from complaints import services
from complaints.models import Complaint, ComplaintEvent, GroupCase, Severity, Status
from customers.services import ConcurrentEditError
from tests.api import client_for
from tests.complaints.test_api import API, post
from tests.factories import ProjectFactory


@pytest.fixture
def case(make_complaint, supervisor):
    return services.group_case_create(
        by=supervisor, title="B2车库渗漏", complaints=[make_complaint(), make_complaint()]
    )


@pytest.fixture
def newcomer(make_complaint):
    return make_complaint(title="又一户车库漏水")


# --- the service ---------------------------------------------------------------------------------------


def test_a_complaint_joins_an_open_case_and_takes_the_group_severity(case, newcomer, supervisor):
    joined = services.complaint_join_group_case(
        complaint=newcomer, by=supervisor, group_case=case, expected_version=newcomer.version
    )

    stored = Complaint.objects.get(pk=newcomer.pk)
    assert stored.group_case_id == case.pk
    assert stored.severity == Severity.GROUP
    assert stored.version == newcomer.version + 1 == joined.version
    event = stored.events.get(kind=ComplaintEvent.Kind.GROUPED)
    assert event.data == {"group_case": case.number}
    assert case.complaints.count() == 3


def test_a_stale_version_is_a_conflict_and_changes_nothing(case, newcomer, supervisor):
    with pytest.raises(ConcurrentEditError):
        services.complaint_join_group_case(
            complaint=newcomer, by=supervisor, group_case=case, expected_version=newcomer.version - 1
        )
    assert Complaint.objects.get(pk=newcomer.pk).group_case_id is None


def test_an_agent_may_not_group_complaints(case, newcomer, agent):
    with pytest.raises(PermissionDenied):
        services.complaint_join_group_case(complaint=newcomer, by=agent, group_case=case)


@pytest.mark.parametrize(
    "make_unjoinable, field",
    [
        (lambda case, c: Complaint.objects.filter(pk=c.pk).update(status=Status.CLOSED), "complaints"),
        (
            lambda case, c: GroupCase.objects.filter(pk=case.pk).update(status=GroupCase.Status.CLOSED),
            "group_case",
        ),
    ],
    ids=["closed complaint", "closed case"],
)
def test_closed_complaints_and_closed_cases_are_refused(case, newcomer, supervisor, make_unjoinable, field):
    make_unjoinable(case, newcomer)
    case.refresh_from_db()

    with pytest.raises(ValidationError) as error:
        services.complaint_join_group_case(complaint=newcomer, by=supervisor, group_case=case)

    assert field in error.value.message_dict
    assert Complaint.objects.get(pk=newcomer.pk).group_case_id is None


def test_a_complaint_already_in_a_case_is_refused(case, supervisor):
    member = case.complaints.first()

    with pytest.raises(ValidationError, match="already in a group case"):
        services.complaint_join_group_case(complaint=member, by=supervisor, group_case=case)


def test_a_case_of_another_project_is_refused(newcomer, group_admin, leak):
    elsewhere = GroupCase.objects.create(
        title="别的项目", project=ProjectFactory(city_company=newcomer.project.city_company), category=leak
    )

    with pytest.raises(ValidationError, match="one project"):
        services.complaint_join_group_case(complaint=newcomer, by=group_admin, group_case=elsewhere)
    assert Complaint.objects.get(pk=newcomer.pk).group_case_id is None


def test_creating_a_case_with_a_closed_complaint_creates_nothing(make_complaint, supervisor):
    open_one, closed_one = make_complaint(), make_complaint()
    Complaint.objects.filter(pk=closed_one.pk).update(status=Status.CLOSED)

    with pytest.raises(ValidationError, match="only open complaints"):
        services.group_case_create(by=supervisor, title="", complaints=[open_one, closed_one])

    assert not GroupCase.objects.exists()
    assert Complaint.objects.get(pk=open_one.pk).group_case_id is None


# --- the complaint page ----------------------------------------------------------------------------------


def test_the_page_offers_the_projects_open_cases_and_joins_one(client, case, newcomer, supervisor):
    client.force_login(supervisor)
    page = client.get(reverse("complaints:detail", args=[newcomer.pk])).content.decode()
    assert 'data-testid="action-group-case"' in page
    assert case.number in page

    response = client.post(
        reverse("complaints:action", args=[newcomer.pk, "group-case"]),
        {"group_case": case.pk, "version": newcomer.version},
    )

    assert response.status_code == 302
    assert Complaint.objects.get(pk=newcomer.pk).group_case_id == case.pk
    page = client.get(reverse("complaints:detail", args=[newcomer.pk])).content.decode()
    assert 'data-testid="action-group-case"' not in page  # it is in one now
    assert case.number in page


def test_without_an_open_case_in_the_project_there_is_no_button(client, newcomer, supervisor):
    client.force_login(supervisor)
    page = client.get(reverse("complaints:detail", args=[newcomer.pk])).content.decode()
    assert 'data-testid="action-group-case"' not in page


def test_a_case_of_another_project_is_a_form_error(client, newcomer, group_admin, leak):
    elsewhere = GroupCase.objects.create(
        title="别的项目", project=ProjectFactory(city_company=newcomer.project.city_company), category=leak
    )
    client.force_login(group_admin)

    response = client.post(
        reverse("complaints:action", args=[newcomer.pk, "group-case"]),
        {"group_case": elsewhere.pk, "version": newcomer.version},
    )

    assert response.status_code == 400
    assert response.context["actions"]
    bound = next(a["form"] for a in response.context["actions"] if a["action"].slug == "group-case")
    assert "group_case" in bound.errors
    assert Complaint.objects.get(pk=newcomer.pk).group_case_id is None


def test_a_stale_page_is_a_conflict(client, case, newcomer, supervisor):
    services.complaint_dispatch(complaint=newcomer, by=supervisor, department="engineering")
    client.force_login(supervisor)

    response = client.post(
        reverse("complaints:action", args=[newcomer.pk, "group-case"]),
        {"group_case": case.pk, "version": newcomer.version},
    )

    assert response.status_code == 409
    assert Complaint.objects.get(pk=newcomer.pk).group_case_id is None


def test_an_agent_gets_403_from_the_page(client, case, newcomer, agent):
    client.force_login(agent)
    assert (
        'data-testid="action-group-case"'
        not in client.get(reverse("complaints:detail", args=[newcomer.pk])).content.decode()
    )

    response = client.post(
        reverse("complaints:action", args=[newcomer.pk, "group-case"]),
        {"group_case": case.pk, "version": newcomer.version},
    )

    assert response.status_code == 403
    assert Complaint.objects.get(pk=newcomer.pk).group_case_id is None


# --- the API ------------------------------------------------------------------------------------------------


def test_joining_over_the_api(case, newcomer, supervisor):
    response = post(
        client_for(supervisor),
        f"{API}/complaints/{newcomer.pk}/join-group-case/",
        {"group_case": case.pk, "version": newcomer.version},
    )

    assert response.status_code == 200, response.json()
    assert response.json()["severity"] == Severity.GROUP
    assert Complaint.objects.get(pk=newcomer.pk).group_case_id == case.pk


def test_the_api_answers_409_for_a_stale_version_and_428_without_one(case, newcomer, supervisor):
    url = f"{API}/complaints/{newcomer.pk}/join-group-case/"
    boss = client_for(supervisor)

    assert post(boss, url, {"group_case": case.pk, "version": newcomer.version + 5}).status_code == 409
    assert post(boss, url, {"group_case": case.pk}).status_code == 428
    assert Complaint.objects.get(pk=newcomer.pk).group_case_id is None


def test_the_api_hides_a_case_outside_the_scope_and_refuses_agents(newcomer, supervisor, agent, leak, city):
    hidden = GroupCase.objects.create(title="外地", project=ProjectFactory(city_company=city), category=leak)
    url = f"{API}/complaints/{newcomer.pk}/join-group-case/"

    response = post(client_for(supervisor), url, {"group_case": hidden.pk, "version": newcomer.version})
    assert response.status_code == 400
    assert "group_case" in response.json()

    response = post(client_for(agent), url, {"group_case": hidden.pk, "version": newcomer.version})
    assert response.status_code == 403


def test_the_api_refuses_a_closed_complaint_on_its_field(case, newcomer, supervisor):
    Complaint.objects.filter(pk=newcomer.pk).update(status=Status.CLOSED)

    response = post(
        client_for(supervisor),
        f"{API}/complaints/{newcomer.pk}/join-group-case/",
        {"group_case": case.pk, "version": newcomer.version},
    )

    assert response.status_code == 400
    assert "complaints" in response.json()


# --- from the rows ticked on the board ---------------------------------------------------------------------


def test_the_board_offers_grouping_and_an_improvement_for_the_ticked_rows(client, newcomer, supervisor):
    client.force_login(supervisor)
    page = client.get(reverse("complaints:board")).content.decode()
    assert 'data-testid="group-selected"' in page
    assert 'data-testid="improve-selected"' in page


def test_ticked_rows_become_a_group_case(client, make_complaint, supervisor):
    first, second = make_complaint(), make_complaint()
    client.force_login(supervisor)

    response = client.post(
        reverse("complaints:group-case-create"),
        {"complaints": [first.pk, second.pk], "next": "sla=on_time", "handler": "", "department": ""},
    )

    assert response.status_code == 302
    case = GroupCase.objects.get()
    assert set(case.complaints.values_list("pk", flat=True)) == {first.pk, second.pk}


def test_one_ticked_row_is_not_a_group_case_and_goes_back_to_the_board(client, newcomer, supervisor):
    client.force_login(supervisor)

    response = client.post(
        reverse("complaints:group-case-create"), {"complaints": [newcomer.pk], "next": "sla=on_time"}
    )

    assert response.status_code == 302
    assert response.url == reverse("complaints:board") + "?sla=on_time"
    assert not GroupCase.objects.exists()


def test_ticked_rows_fill_in_a_new_improvement_item(client, make_complaint, supervisor):
    first, second = make_complaint(), make_complaint()
    client.force_login(supervisor)

    response = client.post(
        reverse("complaints:improvement-from-selection"), {"complaints": [second.pk, first.pk], "next": ""}
    )

    assert response.status_code == 302
    page = client.get(response.url)
    assert page.context["form"].initial == {"complaint_numbers": f"{first.number} {second.number}"}
    assert '<details class="card crm-card mb-3 crm-inline-form" open>' in page.content.decode()


def test_complaints_outside_the_scope_are_not_filled_in(client, newcomer, supervisor):
    client.force_login(supervisor)
    hidden = Complaint.objects.filter(pk=newcomer.pk)
    hidden.update(project=ProjectFactory(city_company=newcomer.project.city_company))

    page = client.get(reverse("complaints:improvements"), {"from": f"{newcomer.pk},abc"})

    assert page.status_code == 200
    assert page.context["form"].initial == {}


def test_nothing_ticked_goes_back_to_the_board_with_a_message(client, supervisor):
    client.force_login(supervisor)

    response = client.post(reverse("complaints:improvement-from-selection"), {"next": "status=received"})

    assert response.url == reverse("complaints:board") + "?status=received"
    assert "Tick at least one complaint." in [str(m) for m in get_messages(response.wsgi_request)]


def test_an_agent_may_not_start_an_improvement_from_the_board(client, newcomer, agent):
    client.force_login(agent)
    response = client.post(reverse("complaints:improvement-from-selection"), {"complaints": [newcomer.pk]})
    assert response.status_code == 403
