"""Handover planning pages: roles (403) and scope (404), batch create/edit/open/close, readiness and
slots through the batch page, booking and rescheduling, the queue and the site screen, the owner's
public booking link (rate-limited) and the query counts of the list and the batch page."""

import datetime
import re

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from accounts.models import Department, Role
from delivery.models import Appointment, AppointmentSlot, Handover, HandoverBatch, ReadinessItem
from delivery.services import planning as services
from tests.factories import CustomerFactory, HouseholdMemberFactory, UnitFactory, UserFactory

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def _today():
    """Today's date as each test starts, not as the module was imported: a run that passes local
    midnight must not compare yesterday's date with today's."""
    global TODAY
    TODAY = timezone.localdate()


DAY = datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()  # the owner page's counters live in the process-wide locmem cache
    yield
    cache.clear()


@pytest.fixture
def readonly_manager(project):
    return UserFactory(username="reader", role=Role.READONLY_MANAGER, projects=[project])


@pytest.fixture
def department_staff(project):
    return UserFactory(
        username="dept", role=Role.DEPARTMENT_STAFF, department=Department.ENGINEERING, projects=[project]
    )


@pytest.fixture
def planned(batch, handover):
    """The conftest batch with the default readiness items (as the service would have made them)."""
    ReadinessItem.objects.bulk_create(
        [
            ReadinessItem(batch=batch, kind=kind, title=str(kind.label))
            for kind, _days in services.DEFAULT_READINESS
        ]
    )
    return batch


@pytest.fixture
def today_slot(batch):
    """The batch, opened, running today; a slot that started at midnight (so no-show is allowed)."""
    HandoverBatch.objects.filter(pk=batch.pk).update(
        starts_on=TODAY, ends_on=TODAY + DAY, status=HandoverBatch.Status.OPEN
    )
    return AppointmentSlot.objects.create(
        batch=batch, date=TODAY, starts_at=datetime.time(0, 0), ends_at=datetime.time(23, 59), capacity=10
    )


def owned_unit_in(batch, number: str, name: str = "李娜") -> Handover:
    unit = UnitFactory(building=batch.buildings.first(), entrance="1", number=number, floor=int(number[:-2]))
    HouseholdMemberFactory(
        unit=unit, customer=CustomerFactory(city_company=batch.project.city_company, name=name)
    )
    return Handover.objects.create(batch=batch, project=batch.project, unit=unit)


def arrived(slot, handover, status=Appointment.Status.BOOKED, queue_number=None) -> Appointment:
    return Appointment.objects.create(
        slot=slot,
        handover=handover,
        customer=handover.unit.household.get().customer,
        channel="agent",
        status=status,
        queue_number=queue_number,
    )


def detail_url(batch) -> str:
    return reverse("delivery:batch-detail", args=[batch.pk])


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


# --- who may see what ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "who", ["agent", "supervisor", "engineer", "readonly_manager", "city_head", "group_admin"]
)
def test_the_handover_roles_read_the_list_the_batch_the_queue_and_the_screen(client, request, who, planned):
    client.force_login(request.getfixturevalue(who))
    for url in (
        reverse("delivery:batch-list"),
        detail_url(planned),
        reverse("delivery:queue", args=[planned.pk]),
        reverse("delivery:queue-screen", args=[planned.pk]),
    ):
        assert client.get(url).status_code == 200, url


@pytest.mark.parametrize("who", ["contractor_user", "department_staff"])
def test_contractors_and_department_staff_see_none_of_it(client, request, who, planned):
    client.force_login(request.getfixturevalue(who))
    for url in (
        reverse("delivery:batch-list"),
        reverse("delivery:batch-create"),
        detail_url(planned),
        reverse("delivery:book", args=[planned.pk]),
        reverse("delivery:queue", args=[planned.pk]),
        reverse("delivery:queue-screen", args=[planned.pk]),
    ):
        assert client.get(url).status_code == 403, url


def test_a_batch_outside_the_users_projects_is_a_404(client, other_agent, planned, handover, slot):
    appointment = services.appointment_book(by=None, handover=handover, slot=slot)
    client.force_login(other_agent)
    for url in (
        detail_url(planned),
        reverse("delivery:batch-edit", args=[planned.pk]),
        reverse("delivery:book", args=[planned.pk]),
        reverse("delivery:queue", args=[planned.pk]),
        reverse("delivery:queue-screen", args=[planned.pk]),
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("delivery:batch-open", args=[planned.pk])).status_code == 404
    assert (
        client.post(reverse("delivery:appointment-action", args=[appointment.pk, "cancel"])).status_code
        == 404
    )
    assert planned.name not in client.get(reverse("delivery:batch-list")).content.decode()


def test_readers_and_agents_cannot_plan(client, readonly_manager, agent, planned):
    item = planned.readiness_items.first()
    for user in (readonly_manager, agent):
        client.force_login(user)
        assert client.get(reverse("delivery:batch-create")).status_code == 403
        assert client.get(reverse("delivery:batch-edit", args=[planned.pk])).status_code == 403
        assert client.post(reverse("delivery:batch-open", args=[planned.pk])).status_code == 403
        response = client.post(
            reverse("delivery:readiness-update", args=[planned.pk, item.pk]), {"status": "done"}
        )
        assert response.status_code == 403
        assert client.post(reverse("delivery:slots-generate", args=[planned.pk])).status_code == 403
    assert ReadinessItem.objects.get(pk=item.pk).status == ReadinessItem.Status.TODO


def test_a_read_only_manager_cannot_book(client, readonly_manager, planned, handover, slot):
    client.force_login(readonly_manager)
    assert client.get(reverse("delivery:book", args=[planned.pk])).status_code == 403
    response = client.post(
        reverse("delivery:book", args=[planned.pk]), {"handover": handover.pk, "slot": slot.pk}
    )
    assert response.status_code == 403
    content = client.get(detail_url(planned)).content.decode()
    assert 'data-testid="book-link"' not in content and 'data-testid="batch-open"' not in content


def test_the_list_is_the_module_home_page(client, agent):
    client.force_login(agent)
    assert reverse("delivery:batch-list") == "/handover/"
    assert client.get("/handover/").status_code == 200


# --- create, edit, open, close ---------------------------------------------------------------------


def test_a_supervisor_creates_a_batch_of_every_unit_of_a_building(client, supervisor, owned_unit, project):
    client.force_login(supervisor)
    assert (
        client.get(reverse("delivery:batch-create")).status_code == 200
    )  # one project: straight to the form

    response = client.post(
        reverse("delivery:batch-create"),
        {
            "project": project.pk,
            "name": "3栋交付",
            "buildings": [owned_unit.building_id],
            "starts_on": TODAY + 10 * DAY,
            "ends_on": TODAY + 12 * DAY,
            "site": "3栋大堂",
            "lead": supervisor.pk,
        },
    )

    batch = HandoverBatch.objects.get()
    assert response.status_code == 302 and response.url == detail_url(batch)
    assert list(batch.handovers.values_list("unit_id", flat=True)) == [owned_unit.pk]
    assert batch.readiness_items.count() == 4
    page = client.get(response.url).content.decode()
    assert "3-1-502" in page and "扫楼排雷" in page


def test_the_create_form_refuses_unknown_unit_codes_and_reversed_dates(
    client, supervisor, owned_unit, project
):
    client.force_login(supervisor)
    response = client.post(
        reverse("delivery:batch-create"),
        {
            "project": project.pk,
            "name": "x",
            "unit_codes": "3-1-502 9-9-909",
            "starts_on": TODAY + 3 * DAY,
            "ends_on": TODAY + 2 * DAY,
            "site": "x",
        },
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "9-9-909" in errors["unit_codes"][0] and "ends_on" in errors
    assert not HandoverBatch.objects.exists()


def test_a_user_with_several_projects_picks_the_project_first(client, city_head, project):
    from tests.factories import ProjectFactory

    ProjectFactory(city_company=project.city_company)
    client.force_login(city_head)
    response = client.get(reverse("delivery:batch-create"))
    assert response.status_code == 200 and "delivery/planning/batch_project.html" in [
        t.name for t in response.templates
    ]
    response = client.get(reverse("delivery:batch-create"), {"project": project.pk})
    assert "delivery/planning/batch_form.html" in [t.name for t in response.templates]


def test_editing_a_batch_with_a_stale_version_is_a_409(client, supervisor, planned):
    client.force_login(supervisor)
    data = {
        "name": "改名",
        "buildings": [b.pk for b in planned.buildings.all()],
        "starts_on": planned.starts_on,
        "ends_on": planned.ends_on,
        "site": "会所",
        "version": planned.version,
    }
    assert client.get(reverse("delivery:batch-edit", args=[planned.pk])).status_code == 200
    assert client.post(reverse("delivery:batch-edit", args=[planned.pk]), data).status_code == 302
    assert HandoverBatch.objects.get(pk=planned.pk).name == "改名"

    response = client.post(reverse("delivery:batch-edit", args=[planned.pk]), {**data, "name": "旧的"})
    assert response.status_code == 409
    assert HandoverBatch.objects.get(pk=planned.pk).name == "改名"


def test_opening_through_the_page_waits_for_the_readiness_checklist(client, supervisor, planned):
    client.force_login(supervisor)
    page = client.get(detail_url(planned)).content.decode()
    assert re.search(r'data-testid="batch-open"[^>]*disabled', page)

    response = client.post(
        reverse("delivery:batch-open", args=[planned.pk]), {"version": planned.version}, follow=True
    )
    assert "must be done (or marked not applicable)" in " ".join(messages_of(response))
    assert HandoverBatch.objects.get(pk=planned.pk).status == HandoverBatch.Status.PLANNING

    for item in planned.readiness_items.all():
        response = client.post(
            reverse("delivery:readiness-update", args=[planned.pk, item.pk]),
            {"status": "done", "version": item.version, "owner": "", "due_on": "", "note": ""},
        )
        assert response.status_code == 302
    response = client.post(reverse("delivery:batch-open", args=[planned.pk]), {"version": planned.version})

    assert response.status_code == 302
    assert HandoverBatch.objects.get(pk=planned.pk).status == HandoverBatch.Status.OPEN


def test_closing_through_the_page_is_refused_while_an_owner_is_booked(
    client, supervisor, planned, handover, slot
):
    appointment = services.appointment_book(by=supervisor, handover=handover, slot=slot)
    client.force_login(supervisor)

    response = client.post(
        reverse("delivery:batch-close", args=[planned.pk]), {"version": planned.version}, follow=True
    )
    assert "still active" in " ".join(messages_of(response))

    services.appointment_cancel(by=supervisor, appointment=appointment)
    client.post(reverse("delivery:batch-close", args=[planned.pk]), {"version": planned.version})
    assert HandoverBatch.objects.get(pk=planned.pk).status == HandoverBatch.Status.CLOSED


def test_a_readiness_item_change_with_a_bad_owner_shows_the_form_again(
    client, supervisor, other_agent, planned
):
    item = planned.readiness_items.first()
    client.force_login(supervisor)
    response = client.post(
        reverse("delivery:readiness-update", args=[planned.pk, item.pk]),
        {"status": "done", "owner": other_agent.pk, "version": item.version},
    )
    assert response.status_code == 400
    assert ReadinessItem.objects.get(pk=item.pk).status == ReadinessItem.Status.TODO


def test_a_readiness_item_is_added_through_the_page(client, engineer, planned):
    client.force_login(engineer)
    response = client.post(
        reverse("delivery:readiness-add", args=[planned.pk]),
        {"title": "礼品准备", "kind": "other", "owner": engineer.pk},
    )
    assert response.status_code == 302
    assert planned.readiness_items.filter(title="礼品准备", owner=engineer).exists()


def test_slots_are_generated_through_the_page_and_bad_windows_are_a_form_error(client, engineer, planned):
    client.force_login(engineer)
    url = reverse("delivery:slots-generate", args=[planned.pk])
    data = {
        "first_day": planned.starts_on,
        "last_day": planned.ends_on,
        "windows": "09:00-10:30，14:00-15:30",
        "capacity": 5,
        "weekdays": list(range(7)),
    }
    assert client.post(url, data).status_code == 302
    assert planned.slots.count() == 3 * 2

    response = client.post(url, {**data, "windows": "9点到10点"})
    assert response.status_code == 400
    assert "not a time window" in response.context["generate_form"].errors["windows"][0]


def test_a_single_slot_and_its_deletion(client, engineer, planned):
    client.force_login(engineer)
    response = client.post(
        reverse("delivery:slot-create", args=[planned.pk]),
        {"date": planned.starts_on, "starts_at": "16:00", "ends_at": "17:00", "capacity": 3},
    )
    assert response.status_code == 302
    slot = planned.slots.get()
    client.post(reverse("delivery:slot-delete", args=[planned.pk, slot.pk]))
    assert not planned.slots.exists()


def test_units_are_added_by_code_and_removed(client, engineer, planned, owned_unit):
    extra = UnitFactory(building=owned_unit.building, entrance="1", number="702", floor=7)
    client.force_login(engineer)

    client.post(reverse("delivery:batch-units", args=[planned.pk]), {"unit_codes": "3-1-702"})
    handover = Handover.objects.get(unit=extra)
    assert handover.batch == planned
    response = client.post(reverse("delivery:batch-units", args=[planned.pk]), {"unit_codes": "8-8-808"})
    assert response.status_code == 400
    client.post(reverse("delivery:batch-unit-remove", args=[planned.pk, handover.pk]))
    assert not Handover.objects.filter(unit=extra).exists()


def test_the_batch_page_shows_readiness_slots_with_their_fill_and_units_with_their_appointment(
    client, agent, planned, handover, slot
):
    services.appointment_book(by=agent, handover=handover, slot=slot)
    client.force_login(agent)

    content = client.get(detail_url(planned)).content.decode()

    assert f'data-testid="slot-fill-{slot.pk}">1/2<' in content
    assert "3-1-502" in content and "Booked" in content
    assert str(handover.booking_token) in content  # the owner's link, to send
    assert "13812345678" not in content


# --- booking ---------------------------------------------------------------------------------------


def test_an_agent_books_an_owner_from_the_batch_page(client, agent, planned, handover, slot, owner):
    client.force_login(agent)
    page = client.get(reverse("delivery:book", args=[planned.pk]), {"handover": handover.pk})
    assert "3-1-502 · 张伟" in page.content.decode()

    response = client.post(
        reverse("delivery:book", args=[planned.pk]), {"handover": handover.pk, "slot": slot.pk}
    )

    assert response.status_code == 302
    appointment = Appointment.objects.get()
    assert (appointment.customer, appointment.booked_by, appointment.slot) == (owner, agent, slot)


def test_booking_a_full_slot_is_a_form_error(client, agent, planned, handover, slot):
    slot.capacity = 1
    slot.save()
    arrived(slot, owned_unit_in(planned, "801"))
    client.force_login(agent)

    response = client.post(
        reverse("delivery:book", args=[planned.pk]), {"handover": handover.pk, "slot": slot.pk}
    )

    assert response.status_code == 400
    assert "full" in response.context["form"].errors["slot"][0]
    assert not handover.appointments.exists()


def test_a_booked_unit_is_rescheduled_and_cancelled_from_its_booking_page(
    client, agent, planned, handover, slot
):
    appointment = services.appointment_book(by=agent, handover=handover, slot=slot)
    later = AppointmentSlot.objects.create(
        batch=planned, date=slot.date, starts_at=datetime.time(14), ends_at=datetime.time(15), capacity=2
    )
    client.force_login(agent)
    page = client.get(reverse("delivery:book", args=[planned.pk]), {"handover": handover.pk}).content.decode()
    assert 'data-testid="reschedule-form"' in page and "138****5678" in page and "13812345678" not in page

    response = client.post(
        reverse("delivery:appointment-action", args=[appointment.pk, "reschedule"]),
        {"slot": later.pk, "version": appointment.version},
    )
    assert response.status_code == 302
    moved = handover.appointments.get(status=Appointment.Status.BOOKED)
    assert moved.slot == later and moved.rescheduled_from_id == appointment.pk

    client.post(
        reverse("delivery:appointment-action", args=[moved.pk, "cancel"]),
        {"reason": "改期", "version": moved.version},
    )
    assert Appointment.objects.get(pk=moved.pk).status == Appointment.Status.CANCELLED


def test_a_no_show_before_the_slot_starts_is_refused_with_a_message(client, agent, planned, handover, slot):
    appointment = services.appointment_book(by=agent, handover=handover, slot=slot)
    client.force_login(agent)
    response = client.post(
        reverse("delivery:appointment-action", args=[appointment.pk, "no-show"]),
        {"version": appointment.version},
        follow=True,
    )
    assert "not started yet" in " ".join(messages_of(response))
    assert Appointment.objects.get(pk=appointment.pk).status == Appointment.Status.BOOKED


# --- the day ---------------------------------------------------------------------------------------


def test_the_queue_page_checks_owners_in_and_moves_them_along(client, agent, batch, handover, today_slot):
    appointment = arrived(today_slot, handover)
    client.force_login(agent)
    url = reverse("delivery:appointment-action", args=[appointment.pk, "advance"])

    page = client.get(reverse("delivery:queue", args=[batch.pk])).content.decode()
    assert f'data-testid="advance-{appointment.pk}"' in page and "Check in" in page

    response = client.post(
        url, {"to_status": "checked_in", "version": appointment.version}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "#1" in response.content.decode() and "Start inspection" in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.status == Appointment.Status.CHECKED_IN and appointment.queue_number == 1

    response = client.post(
        url, {"to_status": "signing", "version": appointment.version}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200 and "the next step is" in response.content.decode()

    response = client.post(url, {"to_status": "inspecting", "version": appointment.version})
    assert response.status_code == 302
    assert Appointment.objects.get(pk=appointment.pk).status == Appointment.Status.INSPECTING


def test_the_queue_marks_a_no_show_once_the_slot_has_started(client, agent, batch, handover, today_slot):
    appointment = arrived(today_slot, handover)
    client.force_login(agent)
    response = client.post(
        reverse("delivery:appointment-action", args=[appointment.pk, "no-show"]),
        {"version": appointment.version},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert Appointment.objects.get(pk=appointment.pk).status == Appointment.Status.NO_SHOW


def test_a_reader_sees_the_queue_without_buttons_and_cannot_advance(
    client, readonly_manager, batch, handover, today_slot
):
    appointment = arrived(today_slot, handover)
    client.force_login(readonly_manager)
    assert (
        f'data-testid="advance-{appointment.pk}"'
        not in client.get(reverse("delivery:queue", args=[batch.pk])).content.decode()
    )
    response = client.post(
        reverse("delivery:appointment-action", args=[appointment.pk, "advance"]), {"to_status": "checked_in"}
    )
    assert response.status_code == 403


def test_the_site_screen_shows_queue_numbers_and_unit_codes_but_never_names_or_phones(
    client, agent, batch, handover, today_slot, owner
):
    arrived(today_slot, handover, Appointment.Status.INSPECTING, queue_number=7)
    arrived(
        today_slot, owned_unit_in(batch, "803", name="王芳"), Appointment.Status.CHECKED_IN, queue_number=8
    )
    client.force_login(agent)

    page = client.get(reverse("delivery:queue-screen", args=[batch.pk])).content.decode()
    board = client.get(
        reverse("delivery:queue-screen", args=[batch.pk]), HTTP_HX_REQUEST="true"
    ).content.decode()

    for content in (page, board):
        assert ">7<" in content and "3-1-502" in content and ">8<" in content and "3-1-803" in content
        assert "张伟" not in content and "王芳" not in content and "5678" not in content
        assert 'hx-trigger="every 10s"' in content
    assert "<nav" not in page  # full screen: no navigation bar
    assert "<html" not in board


# --- the owner's link ------------------------------------------------------------------------------


def owner_url(handover) -> str:
    return reverse("delivery:owner-book", args=[handover.booking_token])


def test_the_owner_link_shows_the_project_the_unit_the_free_slots_and_a_masked_name(
    client, planned, handover, slot
):
    response = client.get(owner_url(handover))  # no login

    content = response.content.decode()
    assert response.status_code == 200
    assert "四季花城" in content and "3-1-502" in content and "张*" in content
    assert "张伟" not in content and "5678" not in content
    assert f'value="{slot.pk}"' in content


def test_an_unknown_token_is_a_404(client, planned):
    assert client.get("/handover/book/00000000-0000-4000-8000-000000000000/").status_code == 404


def test_the_owner_books_and_then_reschedules_through_the_link(client, planned, handover, slot, owner):
    later = AppointmentSlot.objects.create(
        batch=planned, date=slot.date, starts_at=datetime.time(14), ends_at=datetime.time(15), capacity=2
    )
    response = client.post(owner_url(handover), {"slot": slot.pk})
    assert response.status_code == 302
    appointment = handover.appointments.get()
    assert appointment.channel == Appointment.Channel.OWNER_LINK and appointment.customer == owner

    page = client.get(owner_url(handover)).content.decode()
    assert 'data-testid="owner-appointment"' in page and "09:00" in page

    client.post(owner_url(handover), {"slot": later.pk})
    assert handover.appointments.get(status=Appointment.Status.BOOKED).slot == later


def test_the_owner_link_refuses_a_full_slot(client, planned, handover, slot):
    slot.capacity = 1
    slot.save()
    arrived(slot, owned_unit_in(planned, "804"))

    page = client.get(owner_url(handover)).content.decode()
    assert re.search(rf'value="{slot.pk}"[^>]*disabled', page)
    response = client.post(owner_url(handover), {"slot": slot.pk})

    assert response.status_code == 400 and "full" in response.content.decode()
    assert not handover.appointments.exists()


def test_the_owner_link_of_a_closed_batch_books_nothing(client, planned, handover, slot):
    HandoverBatch.objects.filter(pk=planned.pk).update(status=HandoverBatch.Status.CLOSED)
    assert "closed" in client.get(owner_url(handover)).content.decode()
    assert client.post(owner_url(handover), {"slot": slot.pk}).status_code == 400
    assert not handover.appointments.exists()


def test_the_owner_link_is_rate_limited(client, settings, planned, handover, slot):
    settings.HANDOVER_OWNER_VIEW_RATE = "3/h"
    for _ in range(3):
        assert client.get(owner_url(handover)).status_code == 200
    assert client.get(owner_url(handover)).status_code == 429
    assert client.get("/handover/book/00000000-0000-4000-8000-000000000000/").status_code == 429


def test_owner_bookings_are_rate_limited(client, settings, planned, handover, slot):
    settings.HANDOVER_OWNER_BOOK_RATE = "1/h"
    client.post(owner_url(handover), {"slot": slot.pk})
    appointment = handover.appointments.get()
    services.appointment_cancel(by=UserFactory(role=Role.GROUP_ADMIN), appointment=appointment)

    assert client.post(owner_url(handover), {"slot": slot.pk}).status_code == 429


# --- paging and query counts ----------------------------------------------------------------------


def make_batches(project, building, count: int) -> list[HandoverBatch]:
    batches = []
    for n in range(count):
        batch = HandoverBatch.objects.create(
            project=project, name=f"批次{n}", starts_on=TODAY + n * DAY, ends_on=TODAY + n * DAY, site="x"
        )
        ReadinessItem.objects.create(batch=batch, title="x")
        unit = UnitFactory(building=building)
        Handover.objects.create(batch=batch, project=project, unit=unit)
        batches.append(batch)
    return batches


def test_the_batch_list_pages_by_cursor_and_refuses_a_broken_one(
    client, settings, agent, project, owned_unit
):
    make_batches(project, owned_unit.building, 30)
    client.force_login(agent)
    first = client.get(reverse("delivery:batch-list"))
    assert len(first.context["page"]) == 25 and first.context["next_cursor"]
    second = client.get(reverse("delivery:batch-list"), {"after": first.context["next_cursor"]})
    assert len(second.context["page"]) == 5
    assert not {b.pk for b in first.context["page"]} & {b.pk for b in second.context["page"]}
    assert client.get(reverse("delivery:batch-list"), {"after": "not-a-cursor"}).status_code == 400


@pytest.mark.parametrize("rows", [2, 20])
def test_the_batch_list_query_count_does_not_grow_with_rows(
    rows, client, agent, project, owned_unit, django_assert_max_num_queries
):
    make_batches(project, owned_unit.building, rows)
    client.force_login(agent)

    # session + user (2), scope: city companies + projects (2), the filter's projects (1), the page of
    # batches with their counts as subqueries (1), the bounded count (1), the bell (1) → 8.
    with django_assert_max_num_queries(8):
        response = client.get(reverse("delivery:batch-list"))

    assert response.status_code == 200 and len(response.context["page"]) == rows


@pytest.mark.parametrize("rows", [2, 20])
def test_the_batch_page_query_count_does_not_grow_with_rows(
    rows, client, supervisor, planned, slot, django_assert_max_num_queries
):
    for n in range(rows):
        handover = owned_unit_in(planned, f"{n + 10}01")
        day_slot = AppointmentSlot.objects.create(
            batch=planned,
            date=planned.starts_on + DAY,
            starts_at=datetime.time(8, n),
            ends_at=datetime.time(9),
            capacity=3,
        )
        arrived(day_slot, handover)
        ReadinessItem.objects.create(batch=planned, title=f"准备{n}", owner=supervisor)
    client.force_login(supervisor)

    # session + user (2), scope (2), the batch with project/phase/lead (1), its buildings, team and
    # readiness items with owners (3), the units (1) with their active appointments and slots (1), the
    # slots with their fill (1), the staff choices for the readiness forms (1) and the add-units
    # form's buildings (1), the bell (1), the checks higher apps register (delivery.batch_checks:
    # lifecycle's red-line guard and open commitments, 1) → 15.
    with django_assert_max_num_queries(15):
        response = client.get(detail_url(planned))

    assert response.status_code == 200 and len(response.context["handovers"]) == rows + 1


@pytest.mark.parametrize("rows", [2, 20])
def test_the_queue_and_the_site_screen_query_counts_do_not_grow_with_arrivals(
    rows, client, supervisor, planned, today_slot, django_assert_max_num_queries
):
    """Today's queue at the desk, and the screen that polls every few seconds."""
    for n in range(rows):
        arrived(
            today_slot,
            owned_unit_in(planned, f"{n + 10}01"),
            status=Appointment.Status.CHECKED_IN,
            queue_number=n + 1,
        )
    client.force_login(supervisor)
    with django_assert_max_num_queries(12):
        queue = client.get(reverse("delivery:queue", args=[planned.pk]))
    assert queue.status_code == 200
    with django_assert_max_num_queries(12):
        screen = client.get(reverse("delivery:queue-screen", args=[planned.pk]))
    assert screen.status_code == 200
    assert sum(screen.content.decode().count(f"{n + 10}01") > 0 for n in range(rows)) == rows
