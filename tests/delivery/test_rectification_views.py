# ruff: noqa: F811 - the shared fixtures are imported from test_rectification_services by name
"""Rectification pages: the defect list (filters, deadline badges, keyset pages, contractor sees own),
issuing orders from it, the defect page and its actions per role (400/403/404/409), orders (the
contractor's home), the re-inspection (复验), recording a warranty defect, and query counts."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from delivery.models import Defect, DefectPhoto, Handover, RectificationOrder
from delivery.services import rectification as services
from tests.delivery.test_rectification_services import (  # noqa: F401 - fixtures
    _media,
    fresh,
    handed_over,
    issued,
    make_defect,
    photo,
    verified,
)
from tests.factories import ContractorFactory, UnitFactory, UserFactory, image_bytes

pytestmark = pytest.mark.django_db

LIST = reverse("delivery:defect-list")
ORDERS = reverse("delivery:order-list")


def detail(defect) -> str:
    return reverse("delivery:defect-detail", args=[defect.pk])


def act(defect, action) -> str:
    return reverse("delivery:defect-action", args=[defect.pk, action])


def rows(response) -> int:
    return response.content.decode().count('data-testid="defect-row"')


@pytest.fixture
def many_defects(make_defect, project):
    """Defects on `n` units of the project (each with a handover of its own batch is not needed)."""

    def make(n, **overrides):
        return [make_defect(description=f"缺陷{i}", **overrides) for i in range(n)]

    return make


# --- the list -----------------------------------------------------------------------------------------


def test_list_shows_defects_with_their_deadline(client, engineer, make_defect):
    on_time = make_defect(description="准时")
    late = make_defect(description="超时")
    Defect.objects.filter(pk=late.pk).update(due_at=timezone.now() - datetime.timedelta(hours=1))
    client.force_login(engineer)
    response = client.get(LIST)
    assert response.status_code == 200
    html = response.content.decode()
    assert rows(response) == 2
    assert on_time.number in html and late.number in html
    assert html.count('data-deadline="overdue"') == 1
    assert html.count('data-deadline="on_time"') == 1


def test_list_filters(client, engineer, make_defect, other_contractor):
    make_defect(trade="painting", severity="minor")
    make_defect(trade="waterproofing", contractor=other_contractor)
    late = make_defect(trade="waterproofing")
    Defect.objects.filter(pk=late.pk).update(due_at=timezone.now() - datetime.timedelta(hours=1))
    client.force_login(engineer)
    assert rows(client.get(LIST, {"trade": "waterproofing"})) == 2
    assert rows(client.get(LIST, {"severity": "minor"})) == 1
    assert rows(client.get(LIST, {"contractor": other_contractor.pk})) == 1
    assert rows(client.get(LIST, {"overdue": "on"})) == 1
    assert rows(client.get(LIST, {"unit": "3-1-502"})) == 3
    assert rows(client.get(LIST, {"unit": "9-9-999"})) == 0
    assert rows(client.get(LIST, {"status": "open"})) == 3
    assert rows(client.get(LIST, {"status": "accepted"})) == 0


def test_contractor_sees_only_their_own_defects(client, make_defect, other_contractor, contractor_user):
    mine = make_defect()
    theirs = make_defect(contractor=other_contractor)
    client.force_login(contractor_user)
    response = client.get(LIST)
    html = response.content.decode()
    assert rows(response) == 1 and mine.number in html and theirs.number not in html
    assert 'name="defects"' not in html  # no issuing for contractors
    assert client.get(detail(theirs)).status_code == 404
    assert client.get(detail(mine)).status_code == 200


def test_staff_of_another_city_see_nothing(client, make_defect, other_agent):
    defect = make_defect()
    client.force_login(other_agent)
    assert rows(client.get(LIST)) == 0
    assert client.get(detail(defect)).status_code == 404
    assert client.post(act(defect, "cancel"), {"reason": "x"}).status_code == 404


def test_list_pages_by_cursor_and_refuses_a_broken_one(client, engineer, many_defects):
    many_defects(27)
    client.force_login(engineer)
    first = client.get(LIST)
    assert rows(first) == 25
    next_cursor = first.context["next_cursor"]
    second = client.get(LIST, {"after": next_cursor})
    assert rows(second) == 2
    assert client.get(LIST, {"after": "garbage!"}).status_code == 400


@pytest.mark.parametrize("sort", ["", "number"])
@pytest.mark.parametrize("count", [2, 20])
def test_list_query_count_is_constant(
    client, engineer, many_defects, count, sort, django_assert_max_num_queries
):
    many_defects(count)
    client.force_login(engineer)
    # session + user 2, scope 2 (city companies, projects), the page 1, bell 1, project and
    # building choices 2, contractor choices of the filter and of the issue form 2, the bounded count 1
    # = 11, in either order.
    with django_assert_max_num_queries(11):
        response = client.get(LIST, {"sort": sort} if sort else {})
    assert rows(response) == count


@pytest.mark.parametrize("count", [2, 20])
def test_contractor_list_query_count_is_constant(
    client, contractor_user, many_defects, count, django_assert_max_num_queries
):
    many_defects(count)
    client.force_login(contractor_user)
    # As above without the contractor choices and the issue form: at most 10 as well.
    with django_assert_max_num_queries(10):
        response = client.get(LIST)
    assert rows(response) == count


# --- issuing orders from the list -----------------------------------------------------------------------


def test_engineer_issues_orders_from_ticked_defects(client, engineer, make_defect, contractor_user):
    first, second = make_defect(), make_defect(description="门吸缺失")
    client.force_login(engineer)
    response = client.post(reverse("delivery:orders-issue"), {"defects": [first.pk, second.pk]})
    order = RectificationOrder.objects.get()
    assert response.status_code == 302 and response.url == reverse("delivery:order-detail", args=[order.pk])
    assert set(order.defects.values_list("pk", flat=True)) == {first.pk, second.pk}
    assert fresh(first).status == Defect.Status.FIXING


def test_issuing_nothing_or_without_the_role(client, engineer, agent, make_defect):
    defect = make_defect()
    client.force_login(engineer)
    response = client.post(reverse("delivery:orders-issue"), {}, follow=True)
    assert "Tick the defects to issue." in response.content.decode()
    client.force_login(agent)
    assert client.post(reverse("delivery:orders-issue"), {"defects": [defect.pk]}).status_code == 403
    assert not RectificationOrder.objects.exists()


def test_issuing_a_defect_outside_the_scope_is_refused(client, make_defect, other_project):
    defect = make_defect()
    stranger = UserFactory(role="delivery_engineer", projects=[other_project])
    client.force_login(stranger)
    response = client.post(reverse("delivery:orders-issue"), {"defects": [defect.pk]}, follow=True)
    assert response.status_code == 200
    assert not RectificationOrder.objects.exists()


# --- the defect page and its actions ----------------------------------------------------------------------


def test_defect_page_shows_photos_timeline_and_the_actions_of_the_role(
    client, engineer, contractor_user, issued
):
    client.force_login(engineer)
    html = client.get(detail(issued)).content.decode()
    assert issued.number in html
    assert "<img" in html and DefectPhoto.objects.filter(defect=issued).first().image.url in html
    assert 'data-testid="timeline"' in html and "Put in a rectification order" in html
    assert 'data-testid="action-cancel"' not in html  # supervisors cancel
    assert 'data-testid="action-fixed"' in html  # the engineer may record it for the contractor
    client.force_login(contractor_user)
    html = client.get(detail(issued)).content.decode()
    assert 'data-testid="action-progress"' in html and 'data-testid="action-fixed"' in html
    assert 'data-testid="action-verify"' not in html and 'data-testid="action-photos"' not in html


def test_contractor_marks_fixed_with_a_photo(client, contractor_user, issued):
    client.force_login(contractor_user)
    response = client.post(
        act(issued, "fixed"),
        {"version": issued.version, "note": "已返工", "photos": [photo("a.jpg"), photo("b.jpg")]},
    )
    assert response.status_code == 302
    defect = fresh(issued)
    assert defect.status == Defect.Status.FIXED
    assert defect.photos.filter(stage=DefectPhoto.Stage.FIXED).count() == 2


def test_marking_fixed_without_a_photo_is_a_form_error(client, contractor_user, issued):
    client.force_login(contractor_user)
    response = client.post(act(issued, "fixed"), {"version": issued.version})
    assert response.status_code == 400
    assert "Add at least one photo of the fixed defect." in response.content.decode()
    assert fresh(issued).status == Defect.Status.FIXING


def test_a_stale_page_is_a_conflict(client, contractor_user, engineer, issued):
    services.defect_mark_fixed(by=contractor_user, defect=issued, photos=[photo()])
    client.force_login(engineer)
    response = client.post(act(issued, "verify"), {"version": issued.version})
    assert response.status_code == 409
    assert fresh(issued).status == Defect.Status.FIXED


def test_actions_refused_by_role_and_status(client, agent, contractor_user, issued):
    client.force_login(contractor_user)
    assert client.post(act(issued, "verify"), {"version": issued.version}).status_code == 403
    assert client.post(act(issued, "photos"), {"stage": "found"}).status_code == 403
    assert client.post(act(issued, "nonsense"), {}).status_code == 404
    client.force_login(agent)
    response = client.post(act(issued, "owner-accept"), {"version": issued.version})
    assert response.status_code == 400  # not verified yet
    assert "Not possible while the defect is" in response.content.decode()


def test_engineer_verifies_and_rejects_through_the_page(client, engineer, contractor_user, issued):
    services.defect_mark_fixed(by=contractor_user, defect=issued, photos=[photo()])
    client.force_login(engineer)
    defect = fresh(issued)
    response = client.post(act(defect, "reject"), {"version": defect.version, "reason": ""})
    assert response.status_code == 400
    response = client.post(act(defect, "reject"), {"version": defect.version, "reason": "仍积水"})
    assert response.status_code == 302
    assert fresh(issued).rework_count == 1


def test_supervisor_cancels_from_the_page(client, supervisor, make_defect):
    defect = make_defect()
    client.force_login(supervisor)
    assert (
        client.post(act(defect, "cancel"), {"version": defect.version, "reason": "重复"}).status_code == 302
    )
    assert fresh(defect).status == Defect.Status.CANCELLED


def test_engineer_issues_one_defect_from_its_page(client, engineer, make_defect, other_contractor):
    defect = make_defect(contractor=None)
    client.force_login(engineer)
    response = client.post(act(defect, "issue"), {"version": defect.version})
    assert response.status_code == 400  # no contractor
    response = client.post(
        act(defect, "issue"), {"version": defect.version, "contractor": other_contractor.pk}
    )
    assert response.status_code == 302
    assert fresh(defect).order.contractor == other_contractor


@pytest.mark.parametrize("count", [2, 20])
def test_defect_page_query_count_is_constant(
    client, engineer, contractor_user, issued, count, django_assert_max_num_queries
):
    for i in range(count):
        services.defect_progress(by=contractor_user, defect=issued, note=f"进展{i}", photos=[photo()])
    client.force_login(engineer)
    with django_assert_max_num_queries(12):
        response = client.get(detail(issued))
    assert response.content.decode().count("进展") == count


# --- orders ---------------------------------------------------------------------------------------------


def test_contractor_home_lists_their_orders_only(
    client, engineer, make_defect, other_contractor, contractor_user
):
    mine, theirs = make_defect(), make_defect(contractor=other_contractor)
    orders = services.rectification_orders_issue(by=engineer, defects=[mine, theirs])
    own = next(o for o in orders if o.contractor_id == contractor_user.contractor_id)
    other = next(o for o in orders if o is not own)
    client.force_login(contractor_user)
    response = client.get(ORDERS)
    html = response.content.decode()
    assert html.count('data-testid="order-row"') == 1 and own.number in html and other.number not in html
    assert client.get(reverse("delivery:order-detail", args=[other.pk])).status_code == 404
    page = client.get(reverse("delivery:order-detail", args=[own.pk])).content.decode()
    assert mine.number in page and theirs.number not in page


def test_order_list_shows_overdue_defects(client, engineer, issued):
    Defect.objects.filter(pk=issued.pk).update(due_at=timezone.now() - datetime.timedelta(days=1))
    client.force_login(engineer)
    html = client.get(ORDERS).content.decode()
    assert 'data-deadline="overdue"' in html


def test_closed_orders_are_listed_on_request(client, engineer, contractor_user, agent, issued):
    verified(issued, contractor_user, engineer)
    services.defect_owner_accept(by=agent, defect=fresh(issued))
    client.force_login(engineer)
    assert client.get(ORDERS).content.decode().count('data-testid="order-row"') == 0
    assert client.get(ORDERS, {"status": "all"}).content.decode().count('data-testid="order-row"') == 1
    assert client.get(ORDERS, {"status": "closed"}).content.decode().count('data-testid="order-row"') == 1


@pytest.mark.parametrize("count", [2, 20])
def test_order_list_query_count_is_constant(
    client, engineer, contractor_user, make_defect, other_contractor, count, django_assert_max_num_queries
):
    for i in range(count):
        company = ContractorFactory(name=f"施工单位{i}", projects=[engineer.projects.get()])
        defect = make_defect(contractor=company)
        services.rectification_orders_issue(by=engineer, defects=[defect])
    client.force_login(engineer)
    # session + user 2, scope 2, bell 1, project choices 1, the page with its counts 1, the bounded
    # count 1 = 8.
    with django_assert_max_num_queries(8):
        response = client.get(ORDERS)
    assert response.content.decode().count('data-testid="order-row"') == count


# --- the re-inspection (复验) ---------------------------------------------------------------------------------


def test_reinspection_lists_verified_defects_and_records_the_owners_decisions(
    client, agent, engineer, contractor_user, make_defect, handover
):
    first, second = make_defect(), make_defect(description="窗框渗水")
    services.rectification_orders_issue(by=engineer, defects=[first, second])
    for defect in (first, second):
        verified(fresh(defect), contractor_user, engineer)
    url = reverse("delivery:reinspection", args=[handover.pk])
    client.force_login(agent)
    html = client.get(url).content.decode()
    assert f'data-testid="reinspect-{first.pk}"' in html and f'data-testid="reinspect-{second.pk}"' in html
    assert "btn-lg" in html

    decide = lambda defect, decision: reverse(  # noqa: E731
        "delivery:reinspection-decide", args=[handover.pk, defect.pk, decision]
    )
    response = client.post(decide(first, "accept"), {"version": fresh(first).version, "note": "满意"})
    assert response.status_code == 302 and response.url == url
    assert fresh(first).status == Defect.Status.ACCEPTED

    response = client.post(decide(second, "reject"), {"version": fresh(second).version, "reason": ""})
    assert response.status_code == 400
    assert fresh(second).status == Defect.Status.VERIFIED
    response = client.post(
        decide(second, "reject"),
        {"version": fresh(second).version, "reason": "窗框仍渗水", "photos": [photo()]},
    )
    assert response.status_code == 302
    defect = fresh(second)
    assert defect.status == Defect.Status.FIXING and defect.rework_count == 1
    assert defect.photos.filter(stage=DefectPhoto.Stage.REINSPECTION).count() == 1
    assert f'data-testid="reinspect-{second.pk}"' not in client.get(url).content.decode()


def test_reinspection_is_out_of_reach_for_contractors_and_other_cities(
    client, contractor_user, other_agent, handover, issued
):
    url = reverse("delivery:reinspection", args=[handover.pk])
    for user in (contractor_user, other_agent):
        client.force_login(user)
        assert client.get(url).status_code == 404
        decide = reverse("delivery:reinspection-decide", args=[handover.pk, issued.pk, "accept"])
        assert client.post(decide, {}).status_code == 404


# --- a defect the owner reports after handover ------------------------------------------------------------------


def test_agent_records_a_warranty_defect_and_opens_the_repair_request(
    client, agent, handed_over, seeded_checklist
):
    url = reverse("delivery:after-handover-defect", args=[handed_over.pk])
    client.force_login(agent)
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "room": "bathroom",
            "trade": "waterproofing",
            "severity": "normal",
            "description": "入住后卫生间渗水",
            "to_complaint": "on",
            "photos": [photo()],
        },
    )
    defect = Defect.objects.get()
    assert response.status_code == 302 and response.url == detail(defect)
    assert defect.after_handover and defect.complaint is not None
    html = client.get(detail(defect)).content.decode()
    assert defect.complaint.number in html
    assert reverse("complaints:detail", args=[defect.complaint_id]) in html
    # And the complaint page links back to the defect.
    page = client.get(reverse("complaints:detail", args=[defect.complaint_id])).content.decode()
    assert detail(defect) in page


def test_a_unit_not_handed_over_takes_no_warranty_defect(client, agent, handover, seeded_checklist):
    url = reverse("delivery:after-handover-defect", args=[handover.pk])
    client.force_login(agent)
    response = client.post(
        url, {"room": "kitchen", "trade": "equipment", "severity": "minor", "description": "烟道不通"}
    )
    assert response.status_code == 400
    assert "This unit has not been handed over yet." in response.content.decode()
    assert not Defect.objects.exists()


def test_turn_a_warranty_defect_into_a_repair_request_from_its_page(
    client, agent, handed_over, seeded_checklist
):
    defect = services.defect_report_after_handover(
        by=agent,
        unit=handed_over.unit,
        room="kitchen",
        trade="equipment",
        severity="minor",
        description="烟道不通",
    )
    client.force_login(agent)
    assert 'data-testid="action-to-complaint"' in client.get(detail(defect)).content.decode()
    assert client.post(act(defect, "to-complaint"), {}).status_code == 302
    assert fresh(defect).complaint is not None
    assert 'data-testid="action-to-complaint"' not in client.get(detail(defect)).content.decode()


def test_other_unit_handover_pages_are_scoped(client, other_agent, batch, project):
    unit = UnitFactory(building__project=project)
    handover = Handover.objects.create(batch=batch, project=project, unit=unit)
    client.force_login(other_agent)
    assert client.get(reverse("delivery:unit-report", args=[handover.pk])).status_code == 404
    assert client.get(reverse("delivery:after-handover-defect", args=[handover.pk])).status_code == 404


def test_department_staff_have_no_part_in_the_handover_desk(client, project, make_defect):
    """Department staff work complaint work orders; defects, orders, reports and statistics carry the
    owners' homes and names and are refused (pages) or empty (API), even in their own project."""
    defect = make_defect()
    department = UserFactory(
        username="dept", role="department_staff", projects=[project], department="engineering"
    )
    client.force_login(department)
    for name in ("delivery:defect-list", "delivery:defect-export", "delivery:order-list", "delivery:stats"):
        assert client.get(reverse(name)).status_code == 403, name
    assert client.get(reverse("delivery:defect-detail", args=[defect.pk])).status_code == 404
    assert client.get(reverse("delivery:unit-report", args=[defect.handover_id])).status_code == 404
    assert client.get("/api/v1/defects/").json()["results"] == []
    assert client.get("/api/v1/handovers/").status_code == 403  # the planning API's readers


def test_a_pinned_defect_shows_on_the_floor_plan_on_its_page_and_the_unit_report(
    client, make_defect, engineer, owned_unit, handover, _media
):
    from decimal import Decimal

    from django.core.files.base import ContentFile

    from delivery.models import FloorPlan

    owned_unit.layout = "3室2厅2卫"
    owned_unit.save(update_fields=["layout"])
    plan = FloorPlan(project=owned_unit.project, layout="3室2厅2卫")
    plan.image.save("plan.png", ContentFile(image_bytes("PNG")), save=True)
    pinned = make_defect(pin_x=Decimal("0.4200"), pin_y=Decimal("0.1550"))
    unpinned = make_defect(location="客厅")
    client.force_login(engineer)

    page = client.get(detail(pinned)).content.decode()
    assert 'data-testid="pinned-plan"' in page and plan.image.url in page
    assert "left: 42.00%; top: 15.50%;" in page
    assert 'data-testid="pinned-plan"' not in client.get(detail(unpinned)).content.decode()

    report = client.get(reverse("delivery:unit-report", args=[handover.pk])).content.decode()
    assert report.count('data-testid="pin"') == 1 and "left: 42.00%; top: 15.50%;" in report


def test_engineer_corrects_a_defect_from_its_page_and_a_stale_page_is_a_conflict(
    client, engineer, make_defect, contractor_user
):
    defect = make_defect()
    client.force_login(engineer)
    page = client.get(detail(defect)).content.decode()
    assert 'data-testid="form-correct"' in page
    form = {
        "version": defect.version,
        "room": "balcony",
        "location": "阳台地漏",
        "trade": defect.trade,
        "severity": defect.severity,
        "description": defect.description,
        "contractor": defect.contractor_id,
    }
    assert client.post(act(defect, "correct"), form).status_code == 302
    assert (fresh(defect).room, fresh(defect).location) == ("balcony", "阳台地漏")
    stale = client.post(act(defect, "correct"), {**form, "location": "别处"})  # the old version again
    assert stale.status_code == 409 and fresh(defect).location == "阳台地漏"
    client.force_login(contractor_user)
    assert client.post(act(defect, "correct"), {**form, "version": fresh(defect).version}).status_code in (
        403,
        404,
    )


@pytest.mark.parametrize("count", [2, 20])
def test_order_page_and_unit_report_query_counts_are_constant(
    client, engineer, many_defects, handover, count, django_assert_max_num_queries
):
    """Every defect (with its photos) of one order and one unit: the queries do not grow with them."""
    defects = many_defects(count)
    (order,) = services.rectification_orders_issue(by=engineer, defects=defects)
    client.force_login(engineer)
    with django_assert_max_num_queries(10):
        page = client.get(reverse("delivery:order-detail", args=[order.pk]))
    assert page.status_code == 200 and page.content.decode().count("缺陷") >= count
    with django_assert_max_num_queries(12):
        report = client.get(reverse("delivery:unit-report", args=[handover.pk]))
    assert report.status_code == 200 and report.content.decode().count("report-defect card") == count
