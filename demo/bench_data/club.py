"""The bench's club (万客会): `members` members (100,000 by default) over the bench's city companies and
projects, about half of them linked to a bench customer; both consents each, points entries (purchase
points for the linked, attendance points for events attended, a few redemptions' worth of spending)
with each member's balance their sum; a referral for about one member in thirty; events (past ones
attended, upcoming ones filling up, some with a waitlist); a benefits catalogue; purchase
intentions. Written with COPY like the rest of the bench; the member-number counters move past the
numbers written so that enrolments after the load take fresh ones.

Derived columns as save() writes them: Member.phone_last4; Member.points_balance = the ledger's sum.
Member phones are 166 + eight digits of their index (unique, as one active membership per phone asks).
"""

from __future__ import annotations

import base64
import datetime
import json
import random
from collections import defaultdict
from dataclasses import dataclass

from django.utils import timezone

from customers.models import Customer
from membership.consent_texts import current_text
from membership.models import (
    Benefit,
    ClubMonth,
    ClubPurchase,
    Consent,
    Event,
    Member,
    MemberNumberSequence,
    PointsEntry,
    PurchaseIntention,
    Referral,
    Registration,
)
from membership.purchases import club_purchases_rebuild
from membership.services.enrolment import NUMBER_DIGITS, NUMBER_PREFIX
from membership.services.points import points_expiry_date
from properties.models import CityCompany, Project

from . import bulk
from .customers import GIVEN, SURNAMES
from .writer import RowWriter, next_id

LINKED_SHARE = 0.5
REFERRAL_EVERY = 30  # one referral per this many members
EVENTS_PER_1000 = 2  # events per thousand members
INTENTIONS_PER_1000 = 20
INTERESTS = ("new_projects", "family", "children", "culture", "sports", "elderly", "festivals", "home")
MEMBER_COLUMNS = ["id", "number", "city_company_id", "project_id", "name", "gender", "birth_date", "nationality",
                  "employer", "education", "phone", "phone_last4", "id_number", "id_number_hash", "email",
                  "interests", "care_wish", "customer_id", "link_status", "referred_by_id", "channel", "enrolled_at",
                  "enrolled_by_id", "left_at", "tier", "tier_reason", "tier_computed_at", "points_balance",
                  "version", "created_at", "updated_at"]  # fmt: skip
CONSENT_COLUMNS = [
    "id",
    "member_id",
    "kind",
    "granted",
    "text_version",
    "channel",
    "recorded_at",
    "recorded_by_id",
]
EVENT_COLUMNS = ["id", "title", "kind", "description", "city_company_id", "project_id", "place", "starts_at", "ends_at",
                 "capacity", "registration_closes_at", "attendance_points", "status", "created_by_id", "version",
                 "created_at", "updated_at"]  # fmt: skip
ENTRY_COLUMNS = [
    "id",
    "member_id",
    "kind",
    "points",
    "reason",
    "source",
    "actor_id",
    "created_at",
    "expires_on",
]
REFERRAL_COLUMNS = ["id", "referrer_id", "friend_name", "friend_phone", "friend_id_number", "friend_id_number_hash",
                    "project_id", "status", "contract_id", "attributed_at", "created_by_id", "version",
                    "created_at", "updated_at"]  # fmt: skip
REGISTRATION_COLUMNS = ["id", "event_id", "member_id", "status", "guests", "token", "registered_at",
                        "registered_by_id", "cancelled_at", "promoted_at", "checked_in_at", "checked_in_by_id"]  # fmt: skip
INTENTION_COLUMNS = ["id", "project_id", "member_id", "name", "phone", "unit_type", "budget_10k", "notes", "channel",
                     "created_at", "created_by_id"]  # fmt: skip
EVENT_TITLES = ("中秋业主联谊会", "端午包粽子", "重阳敬老茶话会", "春节写春联", "亲子烘焙课", "少儿绘画班",
                "业主羽毛球赛", "社区读书会", "业主答谢晚宴")  # fmt: skip
EVENT_KINDS = ("festival", "festival", "festival", "festival", "family", "children", "interest", "interest",
               "thank_you")  # fmt: skip


@dataclass
class _Plan:
    """What the members' rows need from the rest: their balances."""

    balance: list[int]


def member_phone(k: int) -> str:
    return f"166{k:08d}"


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


def _token(rng: random.Random) -> str:
    return base64.urlsafe_b64encode(rng.getrandbits(192).to_bytes(24, "big")).decode()


def _tier(balance: int) -> str:
    return "gold" if balance >= 5000 else "silver" if balance >= 1000 else "standard"


def write_club(
    writer: RowWriter, rng: random.Random, now: datetime.datetime, *, members: int, quiet: bool
) -> dict[str, int]:
    """Every club table of the bench; returns rows written per table. Needs the estate and customers."""
    today = timezone.localdate(now)
    cities = list(CityCompany.objects.order_by("pk").values_list("pk", "code"))
    projects = list(Project.objects.order_by("pk").values_list("pk", "city_company_id"))
    if not cities or not projects:
        raise ValueError("write_club needs the bench's estate first")
    projects_of: dict[int, list[int]] = defaultdict(list)
    for pk, city_id in projects:
        projects_of[city_id].append(pk)
    city_ids = [pk for pk, _code in cities]
    # Linked members: the first customers in id order (the 360 customer among them), one member each.
    linked = min(int(members * LINKED_SHARE), Customer.objects.count())
    customers = list(
        Customer.objects.order_by("pk").values_list("pk", "city_company_id", "registered_project_id")[:linked]
    )
    member_id = next_id(Member)
    # Who each member is: (city, project, customer); the places are drawn once, the rows follow.
    places: list[tuple[int, int | None, int | None]] = []
    for k in range(members):
        if k < len(customers):
            customer_id, city_id, project_id = customers[k]
        else:
            city_id = rng.choice(city_ids)
            project_id = rng.choice(projects_of[city_id]) if rng.random() < 0.9 else None
            customer_id = None
        places.append((city_id, project_id, customer_id))
    plan = _Plan(balance=[0] * members)
    counts: dict[str, int] = {}

    entries: list[tuple] = []  # (member index, kind, points, reason, source, created_at)

    def earn(k: int, kind: str, points: int, reason: str, source: str, at: datetime.datetime) -> None:
        entries.append((k, kind, points, reason, source, at))
        plan.balance[k] += points

    enrolled_at = [now - datetime.timedelta(days=rng.randint(1, 5 * 365)) for _ in range(members)]
    for k, (_city, _project, customer_id) in enumerate(places):
        if customer_id is not None:
            # Within the points' validity: nothing the nightly expiry would take at once.
            earned = max(enrolled_at[k], now - datetime.timedelta(days=600))
            earn(k, "purchase", rng.choice((500, 1000, 2000)), "购房积分", f"bench-contract:{k}", earned)
    members_of_city: dict[int, list[int]] = defaultdict(list)
    for k, (city_id, _p, _c) in enumerate(places):
        members_of_city[city_id].append(k)

    # Events: two per thousand members, a third upcoming (some full with a waitlist), the rest past.
    event_id, registration_id = next_id(Event), next_id(Registration)
    event_rows, registration_rows = [], []
    for n in range(max(3, members * EVENTS_PER_1000 // 1000)):
        city_id = city_ids[n % len(city_ids)]
        upcoming = n % 3 == 0
        starts = (
            now + datetime.timedelta(days=rng.randint(3, 60))
            if upcoming
            else now - datetime.timedelta(days=rng.randint(3, 600))
        )
        capacity = rng.choice((30, 50, 80, 120))
        points = rng.choice((0, 50, 100))
        title_index = n % len(EVENT_TITLES)
        event_rows.append((
            event_id, EVENT_TITLES[title_index], EVENT_KINDS[title_index], "", city_id,
            rng.choice(projects_of[city_id]), "会所多功能厅", starts, starts + datetime.timedelta(hours=3),
            capacity, None, points, "open" if upcoming else "closed", None, 1, starts - datetime.timedelta(days=20),
            starts - datetime.timedelta(days=20),
        ))  # fmt: skip
        pool = members_of_city[city_id]
        wanted = min(len(pool), int(capacity * rng.uniform(0.5, 1.3)))
        taken = 0
        for k in rng.sample(pool, wanted):
            guests = rng.choice((0, 0, 1, 2))
            at = starts - datetime.timedelta(days=rng.randint(1, 19))
            fits = taken + 1 + guests <= capacity
            status, checked_in = ("confirmed" if fits else "waitlisted"), None
            if fits:
                taken += 1 + guests
                if not upcoming and rng.random() < 0.85:
                    status, checked_in = "attended", starts + datetime.timedelta(minutes=rng.randint(0, 30))
                    if points:
                        earn(k, "event", points, f"参加{EVENT_TITLES[title_index]}",
                             f"registration:{registration_id}", checked_in)  # fmt: skip
            elif not upcoming:
                status = "cancelled"  # a past event's waitlist never came off it
            registration_rows.append((
                registration_id, event_id, member_id + k, status, guests, _token(rng), at, None,
                at + datetime.timedelta(days=1) if status == "cancelled" else None, None, checked_in, None,
            ))  # fmt: skip
            registration_id += 1
        event_id += 1

    # A redemption's worth of spending for a few members with points (their entries only: the
    # vouchers themselves are the redemption's, which the bench does not read).
    for k in range(0, members, 17):
        if plan.balance[k] >= 300:
            earn(
                k,
                "redemption",
                -200,
                "兑换：合作商户九折券",
                f"bench-redemption:{k}",
                now - datetime.timedelta(days=5),
            )

    def member_rows():
        for k, (city_id, project_id, customer_id) in enumerate(places):
            phone = member_phone(k)
            balance = plan.balance[k]
            left = now - datetime.timedelta(days=rng.randint(1, 300)) if rng.random() < 0.02 else None
            interests = json.dumps(rng.sample(INTERESTS, rng.randint(0, 3)))
            birth = datetime.date(rng.randint(1950, 2000), rng.randint(1, 12), rng.randint(1, 28))
            yield (
                member_id + k, numbers[k], city_id, project_id, _name(rng), rng.choice(("M", "F", "")), birth,
                "中国", "", "", phone, phone[-4:], None, "", "", interests, "", customer_id,
                "linked" if customer_id else "none", None, rng.choice(("staff", "staff", "public")),
                enrolled_at[k], None, left, _tier(balance), "", None, balance, 1, enrolled_at[k], enrolled_at[k],
            )  # fmt: skip

    code_of = dict(cities)
    sequence: dict[int, int] = defaultdict(int)
    numbers = []
    for city_id, _p, _c in places:
        sequence[city_id] += 1
        prefix = NUMBER_PREFIX + "".join(ch for ch in code_of[city_id].upper() if ch.isalnum())[:10]
        numbers.append(f"{prefix}{sequence[city_id]:0{NUMBER_DIGITS}d}")

    club_data, marketing = current_text(Consent.Kind.CLUB_DATA), current_text(Consent.Kind.MARKETING)
    consent_id, entry_id = next_id(Consent), next_id(PointsEntry)

    def consent_rows():
        nonlocal consent_id
        for k in range(members):
            at = enrolled_at[k]
            yield (consent_id, member_id + k, "club_data", True, club_data.version, "staff", at, None)
            yield (
                consent_id + 1,
                member_id + k,
                "marketing",
                rng.random() < 0.6,
                marketing.version,
                "staff",
                at,
                None,
            )
            consent_id += 2

    def entry_rows():
        nonlocal entry_id
        for k, kind, points, reason, source, at in entries:
            expires = points_expiry_date(timezone.localdate(at)) if points > 0 else None
            yield (entry_id, member_id + k, kind, points, reason, source, None, at, expires)
            entry_id += 1

    referral_id = next_id(Referral)

    def referral_rows():
        nonlocal referral_id
        for k in range(0, members, REFERRAL_EVERY):
            city_id, project_id, _c = places[k]
            at = enrolled_at[k] + datetime.timedelta(days=rng.randint(1, 200))
            at = min(at, now)
            status = "open" if rng.random() < 0.8 else "lapsed"
            yield (
                referral_id, member_id + k, _name(rng), f"177{k:08d}", None, "",
                project_id or rng.choice(projects_of[city_id]), status, None, None, None, 1, at, at,
            )  # fmt: skip
            referral_id += 1

    intention_id = next_id(PurchaseIntention)

    def intention_rows():
        nonlocal intention_id
        for n in range(members * INTENTIONS_PER_1000 // 1000):
            project_id = projects[n % len(projects)][0]
            at = now - datetime.timedelta(days=rng.randint(0, 120))
            yield (
                intention_id, project_id, None, _name(rng), f"178{n:08d}",
                rng.choice(("1br", "2br", "3br", "4br", "villa")), rng.choice((None, 200, 300, 500)), "", "public",
                at, None,
            )  # fmt: skip
            intention_id += 1

    tables = (Member, Consent, PointsEntry, Referral, Event, Registration, PurchaseIntention)
    with bulk.indexes_dropped(tables, quiet=quiet):
        writer.write(Member, MEMBER_COLUMNS, member_rows(), members)
        writer.write(Consent, CONSENT_COLUMNS, consent_rows(), 2 * members)
        writer.write(PointsEntry, ENTRY_COLUMNS, entry_rows(), len(entries))
        writer.write(Referral, REFERRAL_COLUMNS, referral_rows(), len(range(0, members, REFERRAL_EVERY)))
        writer.write(Event, EVENT_COLUMNS, iter(event_rows), len(event_rows))
        writer.write(Registration, REGISTRATION_COLUMNS, iter(registration_rows), len(registration_rows))
        writer.write(
            PurchaseIntention, INTENTION_COLUMNS, intention_rows(), members * INTENTIONS_PER_1000 // 1000
        )
    MemberNumberSequence.objects.bulk_create(
        MemberNumberSequence(city_company_id=city_id, last=last) for city_id, last in sequence.items()
    )
    _write_benefits(city_ids, today)
    bulk.reset_sequences(tables)
    bulk.analyze(*tables)
    counts.update({model._meta.db_table: writer.counts.get(model._meta.db_table, 0) for model in tables})
    # COPY bypasses the saves that keep the dashboards' club purchases and monthly sums: compute them
    # once, now that the members (the buyers' earlier memberships) are in.
    counts[ClubPurchase._meta.db_table] = club_purchases_rebuild(progress=not quiet)
    bulk.analyze(ClubPurchase, ClubMonth)
    return counts


def _write_benefits(city_ids: list[int], today: datetime.date) -> None:
    """A catalogue: a few group-wide benefits and two per city company."""
    benefits = [
        Benefit(title="优先认购新盘通知", kind="priority", points_cost=100),
        Benefit(title="购房额外九九折", kind="purchase", points_cost=5000, per_member_limit=1),
        Benefit(
            title="合作商户九折券",
            kind="partner",
            partner="万客会合作商户",
            points_cost=200,
            total_limit=100_000,
        ),
    ]
    for n, city_id in enumerate(city_ids):
        benefits.append(Benefit(title=f"本地健身房月卡 {n + 1}", kind="partner", partner="健身房", city_company_id=city_id,
                                points_cost=800, valid_until=today + datetime.timedelta(days=365)))  # fmt: skip
        benefits.append(Benefit(title=f"家居卖场代金券 {n + 1}", kind="partner", partner="家居卖场",
                                city_company_id=city_id, points_cost=300, per_member_limit=2))  # fmt: skip
    Benefit.objects.bulk_create(benefits)
