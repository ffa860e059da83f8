"""Finding 10.3: contractors were scoped by their company, not by their projects. A company working in
two city companies let each of its users read and work on every complaint and work order of both,
and a work order could go to any company and any staff member.

Now a contractor user sees their company's work in the projects assigned to them only (pages, API,
photos: outside is a 404), and a work order goes only to a company engaged on the complaint's project
and to an assignee working on it. Department staff likewise: their department in their projects.
"""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from complaints import services
from complaints.models import Complaint, GroupCase, ImprovementItem, WorkOrder, WorkOrderNote
from notifications.models import Notification
from tests.api import client_for
from tests.factories import ContractorFactory, CustomerFactory, UnitFactory, UserFactory, image_bytes

pytestmark = pytest.mark.django_db

API = "/api/v1"
JPEG = image_bytes()  # a real image: uploads are opened and re-encoded
DUE = "2099-01-01T00:00:00+08:00"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def firm(project, other_project):
    """A company with work in two city companies (四季花城 in 深圳, 金口花园 in 武汉)."""
    return ContractorFactory(name="中建三局", projects=[project, other_project])


@pytest.fixture
def crew(firm, project):
    """Its user in 深圳, assigned to 四季花城 only."""
    return UserFactory(username="crew", role=Role.CONTRACTOR, contractor=firm, projects=[project])


@pytest.fixture
def far_crew(firm, other_project):
    """A colleague at the same company, assigned to 金口花园."""
    return UserFactory(username="farcrew", role=Role.CONTRACTOR, contractor=firm, projects=[other_project])


def _planned(complaint: Complaint, by) -> Complaint:
    complaint = services.complaint_dispatch(complaint=complaint, by=by, department="engineering", handler=by)
    return services.complaint_agree_plan(complaint=complaint, by=by, plan="上门修补")


def _order(complaint: Complaint, by, **fields) -> WorkOrder:
    fields.setdefault("description", "修补")
    fields.setdefault("due_at", timezone.now() + datetime.timedelta(days=2))
    return services.work_order_create(complaint=complaint, by=by, **fields)


@pytest.fixture
def make_far_complaint(other_project, group_admin, leak):
    """A complaint of 金口花园 (the other city company)."""

    def make(**fields):
        unit = UnitFactory(building__project=other_project)
        customer = CustomerFactory(city_company=other_project.city_company, registered_project=other_project)
        fields = {"complaint_type": "repair", "channel": "hotline", "title": "外墙渗水", **fields}
        return services.complaint_create(
            by=group_admin, customer=customer, unit=unit, category=leak, description="d", **fields
        )

    return make


@pytest.fixture
def orders(make_complaint, make_far_complaint, supervisor, group_admin, firm):
    """(here, there): the company's work order in 四季花城 and in 金口花园."""
    here = _order(_planned(make_complaint(), supervisor), supervisor, contractor=firm)
    there = _order(_planned(make_far_complaint(), group_admin), group_admin, contractor=firm)
    return here, there


# --- what a contractor sees ---------------------------------------------------------------------------


def test_finding_10_3_contractor_pages_show_only_their_projects_work(client, crew, orders):
    here, there = orders
    client.force_login(crew)

    listing = client.get(reverse("complaints:work-orders"), {"show": "all"}).content.decode()
    assert reverse("complaints:work-order", args=[here.pk]) in listing
    assert reverse("complaints:work-order", args=[there.pk]) not in listing
    assert client.get(reverse("complaints:work-order", args=[here.pk])).status_code == 200
    assert client.get(reverse("complaints:work-order", args=[there.pk])).status_code == 404
    assert client.get(reverse("complaints:detail", args=[here.complaint_id])).status_code == 200
    assert client.get(reverse("complaints:detail", args=[there.complaint_id])).status_code == 404
    board = client.get(reverse("complaints:board")).content.decode()
    assert here.complaint.number in board and there.complaint.number not in board


def test_finding_10_3_contractor_api_lists_and_details_only_their_projects_work(crew, orders):
    here, there = orders
    api = client_for(crew)

    assert [row["id"] for row in api.get(f"{API}/work-orders/").json()["results"]] == [here.pk]
    assert [row["id"] for row in api.get(f"{API}/complaints/").json()["results"]] == [here.complaint_id]
    assert api.get(f"{API}/work-orders/{here.pk}/").status_code == 200
    assert api.get(f"{API}/work-orders/{there.pk}/").status_code == 404
    assert api.get(f"{API}/complaints/{there.complaint_id}/").status_code == 404


def test_finding_10_3_the_complaint_page_shows_a_contractor_only_their_companys_orders(
    client, crew, supervisor, make_complaint, firm, project
):
    rival = ContractorFactory(name="华艺门窗", projects=[project])
    complaint = _planned(make_complaint(), supervisor)
    ours = _order(complaint, supervisor, contractor=firm)
    theirs = _order(complaint, supervisor, contractor=rival, description="更换窗扇")
    client.force_login(crew)

    page = client.get(reverse("complaints:detail", args=[complaint.pk])).content.decode()
    assert ours.number in page and theirs.number not in page
    detail = client_for(crew).get(f"{API}/complaints/{complaint.pk}/").json()
    assert [order["id"] for order in detail["work_orders"]] == [ours.pk]


def test_finding_10_3_contractor_may_not_work_on_the_other_projects_order(client, crew, orders):
    _here, there = orders
    client.force_login(crew)
    page = lambda action: reverse("complaints:work-order-action", args=[there.pk, action])  # noqa: E731
    photo = SimpleUploadedFile("wall.jpg", JPEG, content_type="image/jpeg")

    assert client.post(page("accept"), {"version": 1}).status_code == 404
    assert client.post(page("progress"), {"note": "已开工", "photo": photo, "version": 1}).status_code == 404
    assert client.post(page("complete"), {"note": "完工", "version": 1}).status_code == 404
    api = client_for(crew)
    for action, payload in (("accept", {}), ("progress", {"note": "已开工"}), ("complete", {"note": "完工"})):
        response = api.post(
            f"{API}/work-orders/{there.pk}/{action}/", {**payload, "version": 1}, format="json"
        )
        assert response.status_code == 404, action
    with pytest.raises(PermissionDenied):
        services.work_order_progress(work_order=there, by=crew, note="已开工")

    there.refresh_from_db()
    assert there.status == WorkOrder.Status.ISSUED and there.version == 1
    assert not WorkOrderNote.objects.exists()


def test_finding_10_3_a_photo_of_the_other_projects_work_order_is_404(client, crew, group_admin, orders):
    here, there = orders
    for order in orders:
        photo = SimpleUploadedFile("wall.jpg", JPEG, content_type="image/jpeg")
        services.work_order_progress(work_order=order, by=group_admin, note="现场照片", photo=photo)
    client.force_login(crew)

    assert client.get(reverse("media", args=[here.notes.get().photo.name])).status_code == 200
    assert client.get(reverse("media", args=[there.notes.get().photo.name])).status_code == 404


@pytest.mark.parametrize("rows", [2, 20])
def test_finding_10_3_contractor_lists_query_count_is_constant(
    client, crew, orders, make_complaint, make_far_complaint, supervisor, group_admin, firm, rows,
    django_assert_max_num_queries,
):  # fmt: skip
    here, there = [orders[0]], [orders[1]]
    for _ in range(rows - 1):
        here.append(_order(_planned(make_complaint(), supervisor), supervisor, contractor=firm))
        there.append(_order(_planned(make_far_complaint(), group_admin), group_admin, contractor=firm))
    client.force_login(crew)
    api = client_for(crew)
    client.get(reverse("complaints:work-orders"))  # fills the reference-data cache (project names)

    # session + user 2, scope: city companies + projects 2, the page's keys 1, its rows 1, the bounded
    # count 1, bell 1 = 8.
    with django_assert_max_num_queries(8):
        page = client.get(reverse("complaints:work-orders")).content.decode()
    # token + user 1, scope 2, the page 1 = 4.
    with django_assert_max_num_queries(4):
        listing = api.get(f"{API}/work-orders/").json()["results"]

    assert {row["id"] for row in listing} == {order.pk for order in here}
    for order in here:
        assert reverse("complaints:work-order", args=[order.pk]) in page
    for order in there:
        assert reverse("complaints:work-order", args=[order.pk]) not in page


# --- issuing a work order ------------------------------------------------------------------------------


@pytest.fixture
def planned(make_complaint, supervisor):
    return _planned(make_complaint(), supervisor)


@pytest.fixture
def stranger(other_project):
    """A company engaged only on 金口花园."""
    return ContractorFactory(name="武汉本地施工", projects=[other_project])


def _work_order_form(planned, **fields):
    return {
        "version": planned.version,
        "description": "修补",
        "due_at": "2099-01-01T09:00",
        **{k: v for k, v in fields.items() if v is not None},
    }


def _work_order_form_errors(response) -> dict:
    return next(a["form"].errors for a in response.context["actions"] if a["action"].slug == "work-order")


def test_finding_10_3_a_work_order_to_a_company_not_on_the_project_is_refused(
    client, agent, planned, stranger, firm
):
    client.force_login(agent)
    url = reverse("complaints:action", args=[planned.pk, "work-order"])
    page = client.get(reverse("complaints:detail", args=[planned.pk])).content.decode()
    assert firm.name in page and stranger.name not in page  # only companies engaged here are offered

    response = client.post(url, _work_order_form(planned, contractor=stranger.pk))
    assert response.status_code == 400
    assert "contractor" in _work_order_form_errors(response)
    response = client_for(agent).post(
        f"{API}/complaints/{planned.pk}/work-orders/",
        {"version": planned.version, "description": "修补", "due_at": DUE, "contractor": stranger.pk},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["contractor"] == ["This contractor does not work on the complaint's project."]
    with pytest.raises(ValidationError) as refused:
        _order(planned, agent, contractor=stranger)
    assert "contractor" in refused.value.message_dict
    assert not WorkOrder.objects.exists()


def test_finding_10_3_a_work_order_to_an_assignee_outside_the_project_is_refused(
    client, agent, planned, firm, crew, far_crew, other_project
):
    far_department = UserFactory(
        role=Role.DEPARTMENT_STAFF, department="engineering", projects=[other_project]
    )
    api = client_for(agent)
    client.force_login(agent)
    for fields in (
        {"department": "engineering", "assignee": far_department.pk},  # another city's department
        {"contractor": firm.pk, "assignee": far_crew.pk},  # the company's user on another project
        {"department": "engineering", "assignee": crew.pk},  # a contractor's user on a department order
    ):
        page = client.post(
            reverse("complaints:action", args=[planned.pk, "work-order"]), _work_order_form(planned, **fields)
        )
        assert page.status_code == 400, fields
        assert "assignee" in _work_order_form_errors(page), fields
        response = api.post(
            f"{API}/complaints/{planned.pk}/work-orders/",
            {"version": planned.version, "description": "修补", "due_at": DUE, **fields},
            format="json",
        )
        assert response.status_code == 400, fields
        assert "assignee" in response.json(), response.json()
    assert not WorkOrder.objects.exists()

    order = _order(planned, agent, contractor=firm, assignee=crew)
    assert order.assignee == crew


def test_finding_10_3_a_company_order_notifies_only_its_people_on_the_project(
    agent, planned, firm, crew, far_crew
):
    _order(planned, agent, contractor=firm)

    assert Notification.objects.filter(recipient=crew, kind="work_order").exists()
    assert not Notification.objects.filter(recipient=far_crew).exists()


# --- department staff ------------------------------------------------------------------------------------


def test_finding_10_3_department_staff_see_their_department_in_their_projects_only(
    client, project, supervisor, group_admin, make_complaint, make_far_complaint
):
    engineering = UserFactory(role=Role.DEPARTMENT_STAFF, department="engineering", projects=[project])
    ours = _order(_planned(make_complaint(), supervisor), supervisor, department="engineering")
    far = _order(_planned(make_far_complaint(), group_admin), group_admin, department="engineering")
    design = services.complaint_dispatch(
        complaint=make_complaint(title="户型与图纸不符"),
        by=supervisor,
        department="design",
        handler=supervisor,
    )
    client.force_login(engineering)
    api = client_for(engineering)

    listing = client.get(reverse("complaints:work-orders"), {"show": "all"}).content.decode()
    assert reverse("complaints:work-order", args=[ours.pk]) in listing
    assert reverse("complaints:work-order", args=[far.pk]) not in listing
    for pk in (far.complaint_id, design.pk):
        assert client.get(reverse("complaints:detail", args=[pk])).status_code == 404
        assert api.get(f"{API}/complaints/{pk}/").status_code == 404
    assert client.get(reverse("complaints:work-order", args=[far.pk])).status_code == 404
    assert [row["id"] for row in api.get(f"{API}/work-orders/").json()["results"]] == [ours.pk]
    assert [row["id"] for row in api.get(f"{API}/complaints/").json()["results"]] == [ours.complaint_id]


def test_finding_10_3_department_staff_see_their_departments_improvement_items_on_the_page_too(
    client, project, supervisor
):
    """The API kept department staff to their department's items; the page showed every department's."""
    engineering = UserFactory(role=Role.DEPARTMENT_STAFF, department="engineering", projects=[project])
    for title, department in (("车库防水做法改进", "engineering"), ("户型图纸核对流程", "design")):
        ImprovementItem.objects.create(
            title=title, department=department, project=project, created_by=supervisor
        )
    client.force_login(engineering)

    page = client.get(reverse("complaints:improvements")).content.decode()
    assert "车库防水做法改进" in page and "户型图纸核对流程" not in page
    items = client_for(engineering).get(f"{API}/improvement-items/").json()["results"]
    assert [item["title"] for item in items] == ["车库防水做法改进"]


def test_finding_10_3_group_cases_are_for_their_departments_staff_and_never_for_contractors(
    project, supervisor, make_complaint, crew
):
    engineering = UserFactory(role=Role.DEPARTMENT_STAFF, department="engineering", projects=[project])

    def dispatched(department):
        complaint = make_complaint(title=f"{department}问题")
        return services.complaint_dispatch(
            complaint=complaint, by=supervisor, department=department, handler=supervisor
        )

    ours = services.group_case_create(
        by=supervisor, title="车库渗漏", complaints=[dispatched("engineering"), dispatched("engineering")]
    )
    services.group_case_create(
        by=supervisor, title="户型不符", complaints=[dispatched("design"), dispatched("design")]
    )

    assert [case["id"] for case in client_for(engineering).get(f"{API}/group-cases/").json()["results"]] == [
        ours.pk
    ]
    assert not GroupCase.objects.visible_to(crew).exists()
