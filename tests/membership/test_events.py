"""Club events: capacity with guests, the waitlist promoted first come first served on cancellation
(with an SMS through the outbox), check-in at the door with attendance points once, the member's own
links, the pages with their scope and query counts."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from core.models import OutboxMessage
from membership.models import Event, PointsEntry, Registration
from membership.services.events import (
    event_create,
    event_invite_token,
    event_update,
    places_taken,
    registration_cancel,
    registration_check_in,
    registration_create,
)
from tests.membership.factories import EventFactory, MemberFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(city, project):
    return EventFactory(city_company=city, project=project, capacity=4, attendance_points=50)


def _member(project, **kwargs):
    return MemberFactory(city_company=project.city_company, project=project, **kwargs)


def test_staff_create_an_event_in_scope(supervisor, city, project):
    start = timezone.now() + datetime.timedelta(days=7)
    event = event_create(
        by=supervisor,
        title="端午包粽子",
        kind=Event.Kind.FESTIVAL,
        city_company=city,
        project=project,
        place="会所",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
        capacity=30,
    )
    assert event.created_by == supervisor


def test_an_agent_may_not_create_events_and_bad_dates_are_field_errors(agent, supervisor, city, project):
    start = timezone.now()
    fields = dict(title="x", kind="festival", city_company=city, project=project, place="会所", capacity=3)
    with pytest.raises(PermissionDenied):
        event_create(by=agent, starts_at=start, ends_at=start, **fields)
    with pytest.raises(ValidationError) as error:
        event_create(by=supervisor, starts_at=start, ends_at=start - datetime.timedelta(hours=1), **fields)
    assert "ends_at" in error.value.message_dict


def test_guests_count_towards_capacity_and_the_rest_wait(event, agent, project):
    first = registration_create(event=event, member=_member(project), guests=2, by=agent)
    second = registration_create(event=event, member=_member(project), guests=1, by=agent)
    third = registration_create(event=event, member=_member(project), by=agent)
    assert (first.status, second.status, third.status) == ("confirmed", "waitlisted", "waitlisted")
    assert places_taken(event) == 3
    # A newcomer who would fit still waits behind the waitlist: nobody overtakes.
    assert third.status == "waitlisted"


def test_a_member_registers_once(event, agent, project):
    member = _member(project)
    registration_create(event=event, member=member, by=agent)
    with pytest.raises(ValidationError):
        registration_create(event=event, member=member, by=agent)


def test_registration_closes(event, agent, project):
    event.registration_closes_at = timezone.now() - datetime.timedelta(minutes=1)
    event.save()
    with pytest.raises(ValidationError):
        registration_create(event=event, member=_member(project), by=agent)


def test_cancelling_promotes_the_waitlist_in_order_and_texts_the_promoted(event, agent, project):
    holder = registration_create(event=event, member=_member(project), guests=3, by=agent)
    first = registration_create(event=event, member=_member(project, name="先到"), guests=1, by=agent)
    second = registration_create(event=event, member=_member(project, name="后到"), guests=1, by=agent)
    big = registration_create(event=event, member=_member(project), guests=3, by=agent)

    registration_cancel(registration=holder, by=agent)

    statuses = {r.pk: r.status for r in Registration.objects.all()}
    assert statuses[first.pk] == statuses[second.pk] == "confirmed"
    assert statuses[big.pk] == "waitlisted"
    assert places_taken(event) == 4
    messages = OutboxMessage.objects.filter(kind="club_waitlist_promoted").order_by("id")
    assert [m.recipient for m in messages] == [first.member.phone, second.member.phone]
    assert "先到" in messages[0].body and first.token in messages[0].body
    assert messages[0].template_params["event"] == event.title


def test_the_waitlist_is_first_come_first_served_a_smaller_party_does_not_overtake(event, agent, project):
    holder = registration_create(event=event, member=_member(project), guests=1, by=agent)
    registration_create(event=event, member=_member(project), guests=1, by=agent)  # the event is full
    big = registration_create(event=event, member=_member(project), guests=3, by=agent)
    small = registration_create(event=event, member=_member(project), by=agent)
    registration_cancel(registration=holder, by=agent)
    big.refresh_from_db()
    small.refresh_from_db()
    assert (big.status, small.status) == ("waitlisted", "waitlisted")


def test_raising_the_capacity_promotes_and_lowering_under_the_taken_places_is_refused(
    event, supervisor, agent, project
):
    registration_create(event=event, member=_member(project), guests=3, by=agent)
    waiting = registration_create(event=event, member=_member(project), by=agent)
    event.refresh_from_db()
    with pytest.raises(ValidationError) as error:
        event_update(event=event, by=supervisor, expected_version=event.version, capacity=3)
    assert "capacity" in error.value.message_dict
    event_update(event=event, by=supervisor, expected_version=event.version, capacity=5)
    waiting.refresh_from_db()
    assert waiting.status == "confirmed" and waiting.promoted_at is not None


def test_a_stale_edit_is_refused(event, supervisor):
    event_update(event=event, by=supervisor, expected_version=event.version, title="新名字")
    with pytest.raises(ValidationError):
        event_update(event=event, by=supervisor, expected_version=event.version, title="旧页面")


def test_check_in_marks_attended_and_earns_points_once(event, agent, project):
    member = _member(project)
    registration = registration_create(event=event, member=member, by=agent)
    registration_check_in(registration=registration, by=agent)
    registration.refresh_from_db()
    assert registration.status == "attended" and registration.checked_in_by == agent
    entry = PointsEntry.objects.get(member=member)
    assert (entry.kind, entry.points, entry.source) == ("event", 50, f"registration:{registration.pk}")
    with pytest.raises(ValidationError):
        registration_check_in(registration=registration, by=agent)
    assert PointsEntry.objects.filter(member=member).count() == 1


def test_a_waitlisted_or_cancelled_registration_cannot_check_in(event, agent, project):
    registration_create(event=event, member=_member(project), guests=3, by=agent)
    waiting = registration_create(event=event, member=_member(project), by=agent)
    with pytest.raises(ValidationError):
        registration_check_in(registration=waiting, by=agent)


def test_staff_of_another_city_may_not_register_or_check_in(event, other_agent, agent, project):
    registration = registration_create(event=event, member=_member(project), by=agent)
    with pytest.raises(PermissionDenied):
        registration_check_in(registration=registration, by=other_agent)
    with pytest.raises(PermissionDenied):
        registration_create(event=event, member=_member(project), by=other_agent)


# --- the member's own links ------------------------------------------------------------------------


def test_a_member_registers_through_their_own_link_and_sees_the_qr_code(client, event, project):
    member = _member(project, name="陈女士")
    url = reverse("club_public:invite", args=[event_invite_token(event=event, member=member)])
    assert "陈女士" in client.get(url).content.decode()
    response = client.post(url, {"guests": 1})
    registration = Registration.objects.get(member=member)
    assert response.status_code == 302 and response["Location"].endswith(f"/club/r/{registration.token}/")
    page = client.get(response["Location"]).content.decode()
    assert "<svg" in page and "Confirmed" in page
    # The link again leads to the same registration.
    assert client.get(url)["Location"].endswith(f"/club/r/{registration.token}/")


def test_a_forged_invite_link_is_a_404(client, event):
    assert client.get(reverse("club_public:invite", args=["forged:token"])).status_code == 404


def test_a_member_cancels_on_their_confirmation_page_and_the_waitlist_moves(client, event, agent, project):
    holder = registration_create(event=event, member=_member(project), guests=3, by=agent)
    waiting = registration_create(event=event, member=_member(project), by=agent)
    response = client.post(reverse("club_public:registration", args=[holder.token]))
    assert response.status_code == 302
    waiting.refresh_from_db()
    assert waiting.status == "confirmed"


# --- the pages -------------------------------------------------------------------------------------


def test_the_check_in_desk_finds_by_phone_tail_or_qr_address_and_checks_in(client, event, agent, project):
    member = _member(project, phone="13912348888", name="刘先生")
    registration = registration_create(event=event, member=member, by=agent)
    _member(project, phone="13900008888")  # same tail, not registered
    client.force_login(agent)
    url = reverse("club:check_in", args=[event.pk])
    page = client.post(url, {"q": "8888"}).content.decode()
    assert page.count('data-testid="check-in-match"') == 1 and "139****8888" in page
    page = client.post(url, {"q": f"https://crm.example.com/club/r/{registration.token}/"}).content.decode()
    assert "刘先生" in page
    assert client.post(url, {"q": "abc"}).status_code == 400
    response = client.post(url, {"registration": registration.pk})
    assert response.status_code == 302
    registration.refresh_from_db()
    assert registration.status == "attended"


def test_the_sign_in_sheet_lists_the_places_with_masked_phones(client, event, agent, project):
    registration_create(event=event, member=_member(project, phone="13911112222", name="签到人"), by=agent)
    client.force_login(agent)
    page = client.get(reverse("club:sign_in_sheet", args=[event.pk])).content.decode()
    assert "签到人" in page and "139****2222" in page and "13911112222" not in page
    assert "css/club.css" in page


def test_a_city_head_sees_only_their_citys_events(client, city_head, event, other_city):
    EventFactory(city_company=other_city, title="外地活动")
    client.force_login(city_head)
    page = client.get(reverse("club:events")).content.decode()
    assert event.title in page and "外地活动" not in page
    other = Event.objects.get(title="外地活动")
    assert client.get(reverse("club:event", args=[other.pk])).status_code == 404


@pytest.mark.parametrize("rows", [2, 20])
def test_events_list_queries_do_not_grow_with_rows(
    client, city_head, city, rows, django_assert_max_num_queries
):
    for _ in range(rows):
        EventFactory(city_company=city)
    client.force_login(city_head)
    # session, user, scope (2), unread notifications, the page with places and waitlist annotated (1),
    # savepoint pair: the same for 2 and 20 events
    with django_assert_max_num_queries(8):
        response = client.get(reverse("club:events"))
    assert response.content.decode().count('data-testid="event-row"') == rows


@pytest.mark.parametrize("rows", [2, 20])
def test_event_page_queries_do_not_grow_with_registrations(
    client, supervisor, project, rows, django_assert_max_num_queries
):
    event = EventFactory(city_company=project.city_company, project=project, capacity=rows // 2)
    for _ in range(rows):
        Registration.objects.create(
            event=event,
            member=_member(project),
            status="confirmed" if Registration.objects.count() < rows // 2 else "waitlisted",
        )
    client.force_login(supervisor)
    # 11: session, user, scope (2), the event with its counts, the registrations' page and the
    # waitlist, the latest invitation round, the menu's and the forms' reads.
    with django_assert_max_num_queries(11):
        response = client.get(reverse("club:event", args=[event.pk]))
    body = response.content.decode()
    assert body.count('data-testid="registration-row"') == rows // 2
    assert body.count('data-testid="waitlist-row"') == rows - rows // 2


def test_staff_register_from_the_event_page(client, agent, event, project):
    member = _member(project, number="WK55550001")
    client.force_login(agent)
    response = client.post(
        reverse("club:event_register", args=[event.pk]), {"member": "WK55550001", "guests": 0}
    )
    assert response.status_code == 302
    assert Registration.objects.get(member=member).status == "confirmed"
