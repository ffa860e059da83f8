"""The club's API beyond members: events (scope, version, register → waitlist when full, cancel
promotes, check-in awards points once), referrals and intentions (masked phones, counts), the ledger
(read-only, by member) and benefits (redeem without enough points → 400); constant queries per list."""

import datetime

import pytest
from django.utils import timezone

from accounts.models import Role
from membership.models import PointsEntry, Registration
from membership.services.points import points_earn
from tests.api import client_for
from tests.factories import ProjectFactory, UserFactory
from tests.membership.factories import BenefitFactory, EventFactory, MemberFactory, ReferralFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def readonly_manager(city):
    return UserFactory(username="readonly", role=Role.READONLY_MANAGER, city_companies=[city])


def _member(project, **kwargs):
    return MemberFactory(city_company=project.city_company, project=project, **kwargs)


# --- events -------------------------------------------------------------------------------------------


def test_a_city_head_sees_only_their_citys_events(city_head, city, other_city):
    mine = EventFactory(city_company=city)
    theirs = EventFactory(city_company=other_city)
    client = client_for(city_head)
    assert [row["id"] for row in client.get("/api/v1/events/").json()["results"]] == [mine.pk]
    assert client.get(f"/api/v1/events/{theirs.pk}/").status_code == 404


def test_supervisors_create_events_agents_may_not(supervisor, agent, city, project):
    start = timezone.now() + datetime.timedelta(days=7)
    payload = {
        "title": "端午包粽子",
        "kind": "festival",
        "city_company": city.pk,
        "project": project.pk,
        "place": "会所",
        "starts_at": start.isoformat(),
        "ends_at": (start + datetime.timedelta(hours=2)).isoformat(),
        "capacity": 30,
        "status": "open",
    }
    created = client_for(supervisor).post("/api/v1/events/", payload, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["places_taken"] == 0 and created["ETag"] == '"1"'
    assert client_for(agent).post("/api/v1/events/", payload, format="json").status_code == 403
    bad = client_for(supervisor).post(
        "/api/v1/events/",
        {**payload, "ends_at": (start - datetime.timedelta(hours=1)).isoformat()},
        format="json",
    )
    assert bad.status_code == 400 and "ends_at" in bad.json()


def test_an_event_edit_needs_the_current_version(supervisor, readonly_manager, city, project):
    event = EventFactory(city_company=city, project=project)
    url = f"/api/v1/events/{event.pk}/"
    client = client_for(supervisor)
    assert client.patch(url, {"capacity": 10}, format="json").status_code == 428
    assert client.patch(url, {"capacity": 10, "version": 5}, format="json").status_code == 409
    edited = client.patch(url, {"capacity": 10}, format="json", HTTP_IF_MATCH='"1"')
    assert edited.status_code == 200 and edited.json()["capacity"] == 10 and edited["ETag"] == '"2"'
    assert client_for(readonly_manager).get(url).status_code == 200
    assert (
        client_for(readonly_manager).patch(url, {"capacity": 3, "version": 2}, format="json").status_code
        == 403
    )


def test_register_puts_a_newcomer_on_the_waitlist_when_full_and_cancel_promotes(
    agent, city, project, sms_outbox, django_capture_on_commit_callbacks
):
    event = EventFactory(city_company=city, project=project, capacity=2)
    first, second = _member(project, phone="13800000001"), _member(project, phone="13800000002")
    client = client_for(agent)
    url = f"/api/v1/events/{event.pk}/"
    confirmed = client.post(f"{url}register/", {"member": first.pk, "guests": 1}, format="json")
    assert confirmed.status_code == 201 and confirmed.json()["status"] == "confirmed"
    waiting = client.post(f"{url}register/", {"member": second.pk}, format="json")
    assert waiting.status_code == 201 and waiting.json()["status"] == "waitlisted"
    assert "13800000002" not in waiting.content.decode()
    again = client.post(f"{url}register/", {"member": second.pk}, format="json")
    assert again.status_code == 400
    assert client.post(f"{url}register/", {"member": first.pk, "guests": 9}, format="json").status_code == 400
    with django_capture_on_commit_callbacks(execute=True):
        cancelled = client.post(f"{url}cancel/", {"registration": confirmed.json()["id"]}, format="json")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert Registration.objects.get(pk=waiting.json()["id"]).status == Registration.Status.CONFIRMED
    assert client.get(f"{url}").json()["places_taken"] == 1
    waitlist = client.get(f"{url}registrations/", {"show": "waitlisted"})
    assert waitlist.status_code == 200, waitlist.json()
    waitlist = waitlist.json()["results"]
    assert waitlist == []
    assert (
        client.post(f"{url}cancel/", {"registration": confirmed.json()["id"]}, format="json").status_code
        == 400
    )


def test_a_member_outside_the_scope_cannot_be_registered(agent, city, project, other_project):
    event = EventFactory(city_company=city, project=project)
    stranger = _member(other_project)
    response = client_for(agent).post(
        f"/api/v1/events/{event.pk}/register/", {"member": stranger.pk}, format="json"
    )
    assert response.status_code == 400 and "member" in response.json()


def test_check_in_by_phone_tail_or_token_awards_the_points_once(agent, city, project):
    event = EventFactory(city_company=city, project=project, capacity=10, attendance_points=50)
    member = _member(project, phone="13812345678")
    registration = Registration.objects.create(
        event=event, member=member, status=Registration.Status.CONFIRMED
    )
    client = client_for(agent)
    url = f"/api/v1/events/{event.pk}/check-in/"
    assert client.post(url, {}, format="json").status_code == 400
    assert client.post(url, {"phone_tail": "0000"}, format="json").status_code == 404
    checked = client.post(url, {"phone_tail": "5678"}, format="json")
    assert checked.status_code == 200, checked.json()
    assert checked.json()["status"] == "attended" and "13812345678" not in checked.content.decode()
    twice = client.post(url, {"token": registration.token}, format="json")
    assert twice.status_code == 400 and "Already checked in" in twice.json()["non_field_errors"][0]
    assert PointsEntry.objects.filter(member=member, kind=PointsEntry.Kind.EVENT).count() == 1
    member.refresh_from_db()
    assert member.points_balance == 50


def test_check_in_by_a_tail_shared_by_two_asks_for_the_registration(agent, city, project):
    event = EventFactory(city_company=city, project=project, capacity=10)
    for phone in ("13800005678", "13900005678"):
        Registration.objects.create(event=event, member=_member(project, phone=phone), status="confirmed")
    response = client_for(agent).post(
        f"/api/v1/events/{event.pk}/check-in/", {"phone_tail": "5678"}, format="json"
    )
    assert response.status_code == 400 and len(response.json()["matches"]) == 2
    assert "13800005678" not in response.content.decode()
    chosen = response.json()["matches"][0]["id"]
    done = client_for(agent).post(
        f"/api/v1/events/{event.pk}/check-in/", {"registration": chosen}, format="json"
    )
    assert done.status_code == 200


def test_a_read_only_manager_may_not_register_or_check_in(readonly_manager, city, project):
    event = EventFactory(city_company=city, project=project)
    member = _member(project)
    client = client_for(readonly_manager)
    assert (
        client.post(f"/api/v1/events/{event.pk}/register/", {"member": member.pk}, format="json").status_code
        == 403
    )
    assert (
        client.post(f"/api/v1/events/{event.pk}/check-in/", {"phone_tail": "1234"}, format="json").status_code
        == 403
    )


# --- referrals and intentions -----------------------------------------------------------------------


def test_referrals_are_scoped_masked_and_recorded_through_the_service(agent, project, other_project):
    referrer = _member(project)
    mine = ReferralFactory(referrer=referrer, project=project, friend_phone="13711112222")
    ReferralFactory(referrer=_member(other_project), project=other_project)
    client = client_for(agent)
    listed = client.get("/api/v1/referrals/")
    assert [row["id"] for row in listed.json()["results"]] == [mine.pk]
    assert "13711112222" not in listed.content.decode()
    assert listed.json()["results"][0]["friend_phone_masked"] == "137****2222"
    payload = {
        "referrer": referrer.pk,
        "friend_name": "李雷",
        "friend_phone": "13733334444",
        "project": project.pk,
    }
    created = client.post("/api/v1/referrals/", payload, format="json")
    assert created.status_code == 201, created.json()
    assert "13733334444" not in created.content.decode()
    duplicate = client.post("/api/v1/referrals/", payload, format="json")
    assert duplicate.status_code == 400 and "friend_phone" in duplicate.json()
    himself = client.post("/api/v1/referrals/", {**payload, "friend_phone": referrer.phone}, format="json")
    assert himself.status_code == 400


def test_intentions_register_for_upcoming_projects_and_are_counted(agent, city, project):
    upcoming = ProjectFactory(
        city_company=city, launched_on=timezone.localdate() + datetime.timedelta(days=60)
    )
    agent.projects.add(upcoming)
    client = client_for(agent)
    payload = {"project": upcoming.pk, "name": "韩梅梅", "phone": "13655556666", "unit_type": "3br"}
    created = client.post("/api/v1/purchase-intentions/", payload, format="json")
    assert created.status_code == 201, created.json()
    assert "13655556666" not in created.content.decode()
    again = client.post("/api/v1/purchase-intentions/", payload, format="json")
    assert again.status_code == 400 and "unit_type" in again.json()
    client.post("/api/v1/purchase-intentions/", {**payload, "phone": "13655557777"}, format="json")
    client.post(
        "/api/v1/purchase-intentions/", {**payload, "phone": "13655558888", "unit_type": "2br"}, format="json"
    )
    counts = client.get("/api/v1/purchase-intentions/counts/").json()
    assert counts == [
        {
            "project": upcoming.pk,
            "project_name": upcoming.name,
            "by_unit_type": {"3br": 2, "2br": 1},
            "total": 3,
        }
    ]
    assert len(client.get("/api/v1/purchase-intentions/", {"unit_type": "3br"}).json()["results"]) == 2


# --- ledger and benefits ------------------------------------------------------------------------------


def test_points_entries_are_read_only_and_filtered_by_member(agent, project, other_project):
    member, other = _member(project), _member(project)
    points_earn(member=member, kind=PointsEntry.Kind.EVENT, points=30, source="e:1", reason="中秋")
    points_earn(member=other, kind=PointsEntry.Kind.EVENT, points=40, source="e:2", reason="中秋")
    points_earn(
        member=_member(other_project), kind=PointsEntry.Kind.EVENT, points=50, source="e:3", reason="中秋"
    )
    client = client_for(agent)
    assert sorted(r["points"] for r in client.get("/api/v1/points-entries/").json()["results"]) == [30, 40]
    rows = client.get("/api/v1/points-entries/", {"member": member.pk}).json()["results"]
    assert [r["points"] for r in rows] == [30]
    assert client.post("/api/v1/points-entries/", {}, format="json").status_code == 405


def test_redeeming_without_enough_points_is_a_400_and_with_them_a_voucher(agent, readonly_manager, project):
    member = _member(project)
    benefit = BenefitFactory(points_cost=100)
    url = f"/api/v1/benefits/{benefit.pk}/redeem/"
    client = client_for(agent)
    poor = client.post(url, {"member": member.pk}, format="json")
    assert poor.status_code == 400 and poor.json()
    points_earn(member=member, kind=PointsEntry.Kind.EVENT, points=150, source="e:9", reason="中秋")
    assert client_for(readonly_manager).post(url, {"member": member.pk}, format="json").status_code == 403
    redeemed = client.post(url, {"member": member.pk}, format="json")
    assert redeemed.status_code == 201, redeemed.json()
    assert redeemed.json()["code"].startswith("WK") and redeemed.json()["balance"] == 50
    assert client.get(f"/api/v1/benefits/{benefit.pk}/").json()["redeemed_count"] == 1


# --- constant queries ---------------------------------------------------------------------------------


def _grow(kind: str, count: int, city, project, state: dict) -> None:
    for _ in range(count):
        member = _member(project)
        if kind == "events":
            event = EventFactory(city_company=city, project=project, capacity=5)
            Registration.objects.create(event=event, member=member, status="confirmed")
        elif kind == "referrals":
            ReferralFactory(referrer=member, project=project)
        elif kind == "intentions":
            state["n"] = state.get("n", 0) + 1
            from membership.models import PurchaseIntention

            PurchaseIntention.objects.create(
                project=project,
                member=member,
                name="x",
                phone=f"1360000{state['n']:04d}",
                unit_type="2br",
                channel="staff",
            )
        elif kind == "points":
            state["n"] = state.get("n", 0) + 1
            points_earn(
                member=member, kind=PointsEntry.Kind.EVENT, points=10, source=f"q:{state['n']}", reason="x"
            )
        elif kind == "benefits":
            BenefitFactory(city_company=city)
        elif kind == "registrations":
            Registration.objects.create(event=state["event"], member=member, status="confirmed")


@pytest.mark.parametrize(
    ("kind", "url"),
    [
        ("events", "/api/v1/events/"),
        ("referrals", "/api/v1/referrals/"),
        ("intentions", "/api/v1/purchase-intentions/"),
        ("intentions", "/api/v1/purchase-intentions/counts/"),
        ("points", "/api/v1/points-entries/"),
        ("benefits", "/api/v1/benefits/"),
        ("registrations", "registrations"),
    ],
)
def test_every_list_costs_the_same_for_two_or_twenty(
    kind, url, city_head, city, project, django_assert_max_num_queries
):
    state: dict = {}
    if kind == "registrations":
        state["event"] = EventFactory(city_company=city, project=project, capacity=100)
        url = f"/api/v1/events/{state['event'].pk}/registrations/"
    client = client_for(city_head)
    client.get(url)  # the token's first use
    for count in (2, 18):
        _grow(kind, count, city, project, state)
        with django_assert_max_num_queries(5):
            response = client.get(url)
        assert response.status_code == 200
        rows = response.json() if isinstance(response.json(), list) else response.json()["results"]
        if kind not in ("intentions",) or "counts" not in url:
            assert len(rows) == 2 + (count == 18) * 18
