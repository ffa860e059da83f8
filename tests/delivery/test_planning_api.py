"""REST API of handover planning: batches (create, update with version, open, close), readiness items,
slots, appointments (book, reschedule, cancel, no-show, advance) and handovers; roles, scope,
masking, filters, 400/409/428 bodies and list query counts."""

import datetime

import pytest
from django.utils import timezone

from accounts.models import Department, Role
from delivery.models import Appointment, AppointmentSlot, Handover, HandoverBatch, ReadinessItem
from delivery.services import planning as services
from tests.api import client_for
from tests.factories import (
    BuildingFactory,
    CustomerFactory,
    CustomerPhoneFactory,
    HouseholdMemberFactory,
    UnitFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

API = "/api/v1"
TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def _today():
    """Today's date as each test starts, not as the module was imported: a run that passes local
    midnight must not compare yesterday's date with today's."""
    global TODAY
    TODAY = timezone.localdate()


DAY = datetime.timedelta(days=1)
LISTS = ["handover-batches", "readiness-items", "appointment-slots", "appointments", "handovers"]


@pytest.fixture
def planned(batch, handover):
    ReadinessItem.objects.bulk_create(
        [
            ReadinessItem(batch=batch, kind=kind, title=str(kind.label))
            for kind, _days in services.DEFAULT_READINESS
        ]
    )
    return batch


@pytest.fixture
def booked(planned, handover, slot, agent):
    return services.appointment_book(by=agent, handover=handover, slot=slot)


def owned_handover(batch, number: str) -> Handover:
    unit = UnitFactory(building=batch.buildings.first(), entrance="2", number=number, floor=int(number[:-2]))
    customer = CustomerFactory(city_company=batch.project.city_company)
    CustomerPhoneFactory(customer=customer)
    HouseholdMemberFactory(unit=unit, customer=customer)
    return Handover.objects.create(batch=batch, project=batch.project, unit=unit)


# --- roles and scope ---------------------------------------------------------------------------------


@pytest.mark.parametrize("endpoint", LISTS)
@pytest.mark.parametrize("who", ["agent", "engineer", "supervisor", "readonly_manager"])
def test_the_handover_roles_list_what_is_in_their_projects(endpoint, who, request, booked, project):
    if who == "readonly_manager":
        user = UserFactory(username="reader", role=Role.READONLY_MANAGER, projects=[project])
    else:
        user = request.getfixturevalue(who)
    response = client_for(user).get(f"{API}/{endpoint}/")
    assert response.status_code == 200 and response.json()["results"]


@pytest.mark.parametrize("endpoint", LISTS)
def test_another_city_sees_nothing_and_gets_404_on_a_row(endpoint, other_agent, booked, planned):
    client = client_for(other_agent)
    assert client.get(f"{API}/{endpoint}/").json()["results"] == []
    if endpoint != "appointment-slots":
        row = {
            "handover-batches": planned.pk,
            "readiness-items": planned.readiness_items.first().pk,
            "appointments": booked.pk,
            "handovers": booked.handover_id,
        }[endpoint]
        assert client.get(f"{API}/{endpoint}/{row}/").status_code == 404


@pytest.mark.parametrize("endpoint", LISTS)
def test_contractors_and_department_staff_are_refused(endpoint, contractor_user, project, booked):
    staff = UserFactory(role=Role.DEPARTMENT_STAFF, department=Department.ENGINEERING, projects=[project])
    for user in (contractor_user, staff):
        assert client_for(user).get(f"{API}/{endpoint}/").status_code == 403


def test_a_read_only_manager_and_an_agent_cannot_plan(project, planned, agent):
    reader = UserFactory(role=Role.READONLY_MANAGER, projects=[project])
    item = planned.readiness_items.first()
    for user in (reader, agent):
        client = client_for(user)
        assert client.post(f"{API}/handover-batches/{planned.pk}/open/", {"version": 1}).status_code == 403
        assert (
            client.patch(f"{API}/readiness-items/{item.pk}/", {"status": "done", "version": 1}).status_code
            == 403
        )
        response = client.post(
            f"{API}/appointment-slots/",
            {
                "batch": planned.pk,
                "date": planned.starts_on,
                "starts_at": "09:00",
                "ends_at": "10:00",
                "capacity": 2,
            },
        )
        assert response.status_code == 403


def test_a_read_only_manager_cannot_book(project, planned, handover, slot):
    reader = UserFactory(role=Role.READONLY_MANAGER, projects=[project])
    response = client_for(reader).post(f"{API}/appointments/", {"handover": handover.pk, "slot": slot.pk})
    assert response.status_code == 403


# --- batches -------------------------------------------------------------------------------------


def test_a_planner_creates_a_batch_with_its_units_and_readiness_items(engineer, owned_unit, project):
    response = client_for(engineer).post(
        f"{API}/handover-batches/",
        {
            "project": project.pk,
            "buildings": [owned_unit.building_id],
            "name": "3栋交付",
            "starts_on": str(TODAY + 5 * DAY),
            "ends_on": str(TODAY + 6 * DAY),
            "site": "3栋大堂",
            "lead": engineer.pk,
        },
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["unit_count"] == 1 and body["unsettled_count"] == 4 and body["status"] == "planning"
    assert response["ETag"] == '"1"'
    assert Handover.objects.get(unit=owned_unit).batch_id == body["id"]


def test_a_batch_refuses_a_unit_outside_the_scope_and_reversed_dates(engineer, project, other_project):
    foreign = UnitFactory(building=BuildingFactory(project=other_project))
    response = client_for(engineer).post(
        f"{API}/handover-batches/",
        {
            "project": project.pk,
            "units": [foreign.pk],
            "name": "x",
            "starts_on": str(TODAY + 5 * DAY),
            "ends_on": str(TODAY + 4 * DAY),
            "site": "x",
        },
        format="json",
    )
    assert response.status_code == 400
    assert "within your scope" in response.json()["units"][0]


def test_a_batch_refuses_reversed_dates(engineer, project):
    response = client_for(engineer).post(
        f"{API}/handover-batches/",
        {
            "project": project.pk,
            "name": "x",
            "starts_on": str(TODAY + 5 * DAY),
            "ends_on": str(TODAY),
            "site": "x",
        },
        format="json",
    )
    assert response.status_code == 400 and "ends_on" in response.json()


def test_updating_a_batch_needs_its_version(engineer, planned):
    client = client_for(engineer)
    url = f"{API}/handover-batches/{planned.pk}/"

    assert client.patch(url, {"site": "会所"}, format="json").status_code == 428
    response = client.patch(url, {"site": "会所"}, format="json", HTTP_IF_MATCH='"1"')
    assert response.status_code == 200 and response.json()["site"] == "会所" and response["ETag"] == '"2"'
    response = client.patch(url, {"site": "旧址", "version": 1}, format="json")
    assert response.status_code == 409
    assert HandoverBatch.objects.get(pk=planned.pk).site == "会所"


def test_opening_waits_for_every_readiness_item(engineer, planned):
    client = client_for(engineer)
    response = client.post(f"{API}/handover-batches/{planned.pk}/open/", {"version": 1}, format="json")
    assert response.status_code == 400 and "Risk sweep" in response.json()["status"][0]

    for item in planned.readiness_items.all():
        response = client.patch(
            f"{API}/readiness-items/{item.pk}/", {"status": "done", "version": item.version}, format="json"
        )
        assert response.status_code == 200 and response.json()["done_at"]
    response = client.post(f"{API}/handover-batches/{planned.pk}/open/", {"version": 1}, format="json")

    assert response.status_code == 200 and response.json()["status"] == "open"
    assert client.post(f"{API}/handover-batches/{planned.pk}/open/", {}, format="json").status_code == 428


def test_closing_is_refused_while_an_appointment_is_active(engineer, planned, booked, agent):
    client = client_for(engineer)
    response = client.post(f"{API}/handover-batches/{planned.pk}/close/", {"version": 1}, format="json")
    assert response.status_code == 400 and "still active" in response.json()["status"][0]
    services.appointment_cancel(by=agent, appointment=booked)
    response = client.post(f"{API}/handover-batches/{planned.pk}/close/", {"version": 1}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "closed"


def test_a_readiness_item_update_needs_its_version(engineer, planned):
    item = planned.readiness_items.first()
    client = client_for(engineer)
    assert (
        client.patch(f"{API}/readiness-items/{item.pk}/", {"status": "done"}, format="json").status_code
        == 428
    )
    response = client.patch(
        f"{API}/readiness-items/{item.pk}/", {"status": "maybe", "version": 1}, format="json"
    )
    assert response.status_code == 400 and "status" in response.json()


# --- slots ---------------------------------------------------------------------------------------


def test_a_slot_is_created_on_a_batch_day_and_shows_its_fill(engineer, planned, booked, slot):
    client = client_for(engineer)
    response = client.post(
        f"{API}/appointment-slots/",
        {
            "batch": planned.pk,
            "date": str(planned.starts_on),
            "starts_at": "14:00",
            "ends_at": "15:00",
            "capacity": 4,
        },
        format="json",
    )
    assert response.status_code == 201 and response.json()["free"] == 4

    response = client.post(
        f"{API}/appointment-slots/",
        {
            "batch": planned.pk,
            "date": str(planned.ends_on + DAY),
            "starts_at": "14:00",
            "ends_at": "15:00",
            "capacity": 4,
        },
        format="json",
    )
    assert response.status_code == 400 and "date" in response.json()
    listed = {
        s["id"]: s for s in client.get(f"{API}/appointment-slots/?batch={planned.pk}").json()["results"]
    }
    assert (listed[slot.pk]["taken"], listed[slot.pk]["free"]) == (1, 1)


# --- appointments --------------------------------------------------------------------------------


def test_an_agent_books_and_the_owners_phone_leaves_masked(agent, planned, handover, slot, owner):
    response = client_for(agent).post(
        f"{API}/appointments/", {"handover": handover.pk, "slot": slot.pk, "note": "带家人"}, format="json"
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["customer"] == {"id": owner.pk, "name": "张伟", "phone": "138****5678"}
    assert body["unit_code"] == "3-1-502" and body["channel"] == "agent" and body["status"] == "booked"
    assert "13812345678" not in response.content.decode()


def test_booking_a_full_slot_or_a_unit_twice_is_a_400(agent, planned, handover, slot):
    client = client_for(agent)
    slot.capacity = 1
    slot.save()
    assert client.post(f"{API}/appointments/", {"handover": handover.pk, "slot": slot.pk}).status_code == 201

    response = client.post(
        f"{API}/appointments/", {"handover": owned_handover(planned, "901").pk, "slot": slot.pk}
    )
    assert response.status_code == 400 and "full" in response.json()["slot"][0]
    later = AppointmentSlot.objects.create(
        batch=planned, date=slot.date, starts_at=datetime.time(14), ends_at=datetime.time(15), capacity=3
    )
    response = client.post(f"{API}/appointments/", {"handover": handover.pk, "slot": later.pk})
    assert response.status_code == 400 and "already has an appointment" in response.json()["handover"][0]


def test_a_slot_outside_the_scope_reads_like_an_unknown_one(other_agent, planned, handover, slot):
    response = client_for(other_agent).post(
        f"{API}/appointments/", {"handover": handover.pk, "slot": slot.pk}
    )
    assert response.status_code == 400
    assert set(response.json()) == {"handover", "slot"}


def test_reschedule_cancel_and_no_show_by_api(agent, planned, booked, slot):
    client = client_for(agent)
    later = AppointmentSlot.objects.create(
        batch=planned, date=slot.date, starts_at=datetime.time(14), ends_at=datetime.time(15), capacity=3
    )
    url = f"{API}/appointments/{booked.pk}"

    assert client.post(f"{url}/reschedule/", {"slot": later.pk}, format="json").status_code == 428
    response = client.post(f"{url}/reschedule/", {"slot": later.pk, "version": booked.version}, format="json")
    assert response.status_code == 201
    moved = response.json()
    assert moved["rescheduled_from"] == booked.pk and moved["slot"] == later.pk
    assert Appointment.objects.get(pk=booked.pk).status == Appointment.Status.CANCELLED

    response = client.post(
        f"{API}/appointments/{moved['id']}/no-show/", {"version": moved["version"]}, format="json"
    )
    assert response.status_code == 400 and "not started yet" in response.json()["status"][0]
    response = client.post(
        f"{API}/appointments/{moved['id']}/cancel/",
        {"version": moved["version"], "reason": "出差"},
        format="json",
    )
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    response = client.post(f"{url}/cancel/", {"version": 2}, format="json")
    assert response.status_code == 400


def test_the_queue_advances_in_order_by_api(agent, batch, handover):
    HandoverBatch.objects.filter(pk=batch.pk).update(starts_on=TODAY, ends_on=TODAY, status="open")
    slot = AppointmentSlot.objects.create(
        batch=batch, date=TODAY, starts_at=datetime.time(0), ends_at=datetime.time(23, 59), capacity=5
    )
    appointment = Appointment.objects.create(slot=slot, handover=handover, channel="agent")
    client = client_for(agent)
    url = f"{API}/appointments/{appointment.pk}/advance/"

    response = client.post(url, {"to_status": "inspecting", "version": 1}, format="json")
    assert response.status_code == 400 and "next step" in response.json()["status"][0]
    response = client.post(url, {"to_status": "checked_in", "version": 1}, format="json")
    assert response.status_code == 200 and response.json()["queue_number"] == 1
    assert client.post(url, {"to_status": "inspecting", "version": 1}, format="json").status_code == 409
    response = client.post(url, {"to_status": "no_show", "version": 2}, format="json")
    assert response.status_code == 400 and "to_status" in response.json()
    for version, step in enumerate(("inspecting", "signing", "done"), start=2):
        response = client.post(url, {"to_status": step, "version": version}, format="json")
        assert response.status_code == 200 and response.json()["status"] == step
    assert response["ETag"] == '"5"'


# --- filters and handovers -----------------------------------------------------------------------


def test_filters_by_batch_project_status_and_date(agent, planned, booked, slot, project):
    client = client_for(agent)
    assert [a["id"] for a in client.get(f"{API}/appointments/?status=booked").json()["results"]] == [
        booked.pk
    ]
    assert client.get(f"{API}/appointments/?status=done").json()["results"] == []
    assert len(client.get(f"{API}/appointments/?date={slot.date}").json()["results"]) == 1
    assert client.get(f"{API}/appointments/?date={slot.date + DAY}").json()["results"] == []
    assert (
        len(client.get(f"{API}/handover-batches/?project={project.pk}&status=planning").json()["results"])
        == 1
    )
    assert client.get(f"{API}/handover-batches/?status=open").json()["results"] == []
    assert len(client.get(f"{API}/handover-batches/?date={planned.starts_on}").json()["results"]) == 1
    assert client.get(f"{API}/handover-batches/?date={TODAY}").json()["results"] == []
    assert len(client.get(f"{API}/readiness-items/?batch={planned.pk}&status=todo").json()["results"]) == 4
    assert len(client.get(f"{API}/appointment-slots/?date={slot.date}").json()["results"]) == 1
    handovers = client.get(f"{API}/handovers/?batch={planned.pk}").json()["results"]
    assert handovers == [
        {
            "id": booked.handover_id,
            "unit": booked.handover.unit_id,
            "unit_code": "3-1-502",
            "building": booked.handover.unit.building_id,
            "batch": planned.pk,
            "batch_name": planned.name,
            "project": project.pk,
            "status": "pending",
            "version": 1,
        }
    ]
    assert client.get(f"{API}/handovers/?batch=abc").status_code == 400


def test_handovers_are_read_only_here(engineer, handover):
    client = client_for(engineer)
    assert client.patch(f"{API}/handovers/{handover.pk}/", {"status": "handed_over"}).status_code == 405
    assert client.post(f"{API}/handovers/", {"unit": handover.unit_id}).status_code == 405


# --- query counts ------------------------------------------------------------------------------


def fill(batch, supervisor, rows: int) -> None:
    for n in range(rows):
        handover = owned_handover(batch, f"{n + 10}02")
        slot = AppointmentSlot.objects.create(
            batch=batch,
            date=batch.starts_on,
            starts_at=datetime.time(8, n),
            ends_at=datetime.time(9),
            capacity=3,
        )
        Appointment.objects.create(
            slot=slot, handover=handover, customer=handover.unit.household.get().customer, channel="agent"
        )
        ReadinessItem.objects.create(batch=batch, title=f"准备{n}", owner=supervisor)
        HandoverBatch.objects.create(
            project=batch.project,
            name=f"批次{n}",
            starts_on=batch.starts_on,
            ends_on=batch.ends_on,
            site="x",
            lead=supervisor,
        ).team.add(supervisor)


@pytest.mark.parametrize("rows", [2, 20])
@pytest.mark.parametrize("endpoint", LISTS)
def test_list_query_count_does_not_grow_with_rows(
    endpoint, rows, agent, supervisor, batch, django_assert_max_num_queries
):
    batch.team.add(supervisor)
    fill(batch, supervisor, rows)
    client = client_for(agent)

    # token+user 1; scope: city companies + projects 2; the page 1; batches add their buildings and team
    # (2); appointments their customers' phones (1) → at most 6.
    with django_assert_max_num_queries(6):
        response = client.get(f"{API}/{endpoint}/")

    assert response.status_code == 200 and len(response.json()["results"]) >= rows
