"""The club part of `manage.py seed_demo` (万客会): members, referrals, purchase intentions, events,
points, benefits, then the nightly tasks once.

Everything goes through membership's services, as the staff and the public pages would:
- members: owners enrolled by their project's staff (linked to their customer record by ID number),
  a few dozen people who signed up on the public page and are not customers yet (two with a birthday
  this week, for the care tasks), and the hotline's duplicate owner signed up by phone only, whose
  two matching records wait on the link review page; consents as each answered;
- referrals (老带新): owner members bring prospects; some of those friends then sign a contract
  through customers.services.contract_create, whose contract_signed signal attributes the referral
  and rewards the referrer (the demo's other contracts are bulk-written and send no signal);
- purchase intentions for the upcoming project (estate.UPCOMING_PROJECT), mostly from the public page;
- a past festival with its attendance (checked in at the door: points earned, one cancellation,
  no-shows) and an open children's class that is full with a waitlist;
- the benefits catalogue and a redemption with the referral points;
- the nightly tasks (tiers, ABC/RFM value, care tasks) run once, so the pages show them.

Idempotent: a member is found by phone, an event or a benefit by its title, an intention by its unique
key; the referrals are made once (when there are none); the nightly tasks add nothing on a rerun.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role, User
from complaints.selectors import forget_reference_data
from customers.models import Contract, Customer, CustomerPhone, HouseholdMember
from customers.services import contract_create
from membership.models import (
    Benefit,
    CareTask,
    EnrolmentChannel,
    Event,
    Interest,
    Member,
    PurchaseIntention,
    Referral,
)
from membership.services import benefits as benefit_services
from membership.services import events as event_services
from membership.services.care import care_tasks_create
from membership.services.enrolment import active_member_with_phone, member_enrol
from membership.services.intentions import intention_register
from membership.services.referrals import referral_create
from membership.tiers import tiers_recompute
from membership.value import customer_values_recompute
from properties.models import Unit

from .batches import progress
from .estate import CITIES
from .names import EMPLOYERS, FEMALE_GIVEN, MALE_GIVEN, MOBILE_PREFIXES, SURNAMES
from .plan import SHOWCASE_PROJECT

DAY, HOUR = datetime.timedelta(days=1), datetime.timedelta(hours=1)
DEMO_PROJECTS = ("sjhc", "csgy", "wkc")  # the demo logins' projects
PUBLIC_SIGN_UPS = 24
CARE_WISHES = ("来访前请先电话联系", "不喜欢上门打扰，短信祝福即可", "家中有老人，白天在家", "")
PAST_EVENT = "中秋邻里游园会"
OPEN_EVENT = "亲子烘焙课堂：做一只月饼"
BENEFITS = (
    # title, kind, partner, points, per member, in all
    ("万科物业家政保洁服务券（2小时）", Benefit.Kind.PARTNER_DISCOUNT, "万科物业", 300, 2, 200),
    ("星巴克中杯饮品券", Benefit.Kind.PARTNER_DISCOUNT, "星巴克", 200, 4, None),
    ("新盘开盘优先认购通知", Benefit.Kind.PRIORITY_NOTICE, "", 100, 1, None),
    ("购房总价 1% 优惠（老业主再购）", Benefit.Kind.PURCHASE_DISCOUNT, "", 3000, 1, 50),
)


def seed(cmd) -> None:
    # The estate was bulk-written (no post_save): staff scopes read the cached project list, so drop it.
    forget_reference_data()
    admin = User.objects.filter(role=Role.GROUP_ADMIN, is_active=True).order_by("pk").first()
    cmd.club_join_url = settings.SITE_URL + reverse("club_public:join")
    if admin is None:
        return

    def rng(step: str) -> random.Random:  # one stream per step: a rerun's skips shift no other step
        return random.Random(f"{cmd.seed}:club:{step}")

    users = {u.username: u for u in User.objects.filter(username__in=("agent", "supervisor", "cityhead"))}
    staff = _staff(cmd, users)
    owners = _enrol_owners(cmd, rng("owners"), staff)
    _enrol_public(cmd, rng("public"))
    _enrol_duplicate(cmd)
    _referrals(cmd, rng("referrals"), admin, staff, owners)
    _intentions(cmd, rng("intentions"), users.get("cityhead"))
    _events(cmd, rng("events"), users)
    _benefits(cmd, admin, staff)
    # The nightly tasks, once: tiers, ABC/RFM, and this week's birthdays and home anniversaries.
    tiers_recompute()
    customer_values_recompute()
    cmd.created["care tasks"] += care_tasks_create()


def _staff(cmd, users):
    """Who serves a project's members: the demo agent on its projects, else the city's account."""
    agent = users.get("agent")

    def on(project) -> User | None:
        if agent is not None and agent.scope.covers(project.pk):
            return agent
        return cmd.city_staff.get(project.city_company_id)

    return on


def _enrol_owners(cmd, rng, staff) -> list[Member]:
    """One in five of the demo projects' owners and one in twenty elsewhere, enrolled by staff."""
    # The friends who bought through a referral are left out: they are not in the demo's plan.
    contracts = (
        Contract.objects.filter(status=Contract.Status.ACTIVE, signed_on__isnull=False, referral__isnull=True)
        .select_related("unit__project", "primary_buyer")
        .order_by("primary_buyer_id", "pk")
    )
    chosen, seen = [], set()
    for contract in contracts:
        buyer = contract.primary_buyer
        if buyer.pk in seen:
            continue
        seen.add(buyer.pk)
        share = 0.2 if contract.unit.project.code in DEMO_PROJECTS else 0.05
        if rng.random() < share:
            chosen.append((buyer, contract.unit.project))
    phones = dict(
        CustomerPhone.objects.filter(customer_id__in=[b.pk for b, _p in chosen], is_primary=True).values_list(
            "customer_id", "number"
        )
    )
    members = []
    with progress(cmd, len(chosen), "club members (owners)") as bar:
        for buyer, project in chosen:
            phone = phones.get(buyer.pk)
            draw = (rng.random(), rng.sample(Interest.values, rng.randint(1, 3)), rng.choice(CARE_WISHES))
            bar.update(1)
            if phone is None:
                continue
            existing = active_member_with_phone(phone)
            if existing is not None:
                members.append(existing)
                continue
            by = staff(project)
            if by is None:
                continue
            members.append(
                member_enrol(
                    channel=EnrolmentChannel.STAFF,
                    phone=phone,
                    club_data_consent=True,
                    marketing_consent=draw[0] < 0.7,
                    by=by,
                    project=project,
                    name=buyer.name,
                    gender=buyer.gender,
                    birth_date=buyer.birth_date,
                    nationality=buyer.nationality,
                    employer=buyer.employer,
                    education=buyer.education,
                    id_number=buyer.id_number or "",
                    interests=draw[1],
                    care_wish=draw[2],
                )
            )
            cmd.created["club members"] += 1
    return members


def _new_phone(rng, taken: set[str]) -> str:
    while True:
        number = rng.choice(MOBILE_PREFIXES) + f"{rng.randint(0, 99_999_999):08d}"
        if number not in taken:
            taken.add(number)
            return number


def _enrol_public(cmd, rng) -> None:
    """People who signed up on the public page and are not customers yet; two have a birthday this week."""
    today = cmd.today
    taken = set(CustomerPhone.objects.values_list("number", flat=True))
    sz = [cmd.projects[code] for code in DEMO_PROJECTS if code in cmd.projects]
    others = [p for code, p in sorted(cmd.projects.items()) if code not in DEMO_PROJECTS]
    for index in range(PUBLIC_SIGN_UPS):
        male = rng.random() < 0.45
        given = "".join(rng.choice(MALE_GIVEN if male else FEMALE_GIVEN) for _ in range(rng.choice((1, 2))))
        birth = today - datetime.timedelta(days=rng.randint(25 * 365, 55 * 365))
        if index < 2:  # a birthday in two and in five days: the care tasks' demo
            age = rng.randint(28, 50)
            soon = today + datetime.timedelta(days=2 + 3 * index)
            birth = soon.replace(year=soon.year - age) if (soon.month, soon.day) != (2, 29) else birth
        phone = _new_phone(rng, taken)
        choices = sz if (index % 3 and sz) or not others else others  # two in three at the demo's projects
        project = choices[index % len(choices)] if choices else None
        marketing, interests = rng.random() < 0.6, rng.sample(Interest.values, rng.randint(1, 3))
        employer, name = rng.choice(EMPLOYERS), rng.choice(SURNAMES) + given
        if project is None or active_member_with_phone(phone) is not None:
            continue
        member_enrol(
            channel=EnrolmentChannel.PUBLIC,
            phone=phone,
            club_data_consent=True,
            marketing_consent=marketing,
            project=project,
            name=name,
            gender="M" if male else "F",
            birth_date=birth,
            employer=employer,
            interests=interests,
        )
        cmd.created["club members"] += 1


def _enrol_duplicate(cmd) -> None:
    """The owner the hotline recorded twice signs up by phone alone: two customers match, to review."""
    if not cmd.duplicate_pair:
        return
    owner, _again = cmd.duplicate_pair
    phone = owner.phones.order_by("-is_primary", "pk").values_list("number", flat=True).first()
    if phone is None or active_member_with_phone(phone) is not None:
        return
    member_enrol(
        channel=EnrolmentChannel.PUBLIC,
        phone=phone,
        club_data_consent=True,
        marketing_consent=True,
        project=owner.registered_project,
        city_company=owner.city_company if owner.registered_project is None else None,
        name=owner.name,
        gender=owner.gender,
        birth_date=owner.birth_date or datetime.date(1985, 6, 1),
        interests=[Interest.HOME],
    )
    cmd.created["club members"] += 1


def _unsold_units(city_company_id: int):
    """Units of the city still on sale: no active contract and no owner, their phase not handed over."""
    sold = Contract.objects.filter(unit=OuterRef("pk"), status=Contract.Status.ACTIVE)
    owned = HouseholdMember.objects.filter(unit=OuterRef("pk"), role="owner")
    return (
        Unit.objects.filter(project__city_company_id=city_company_id)
        .filter(~Exists(sold), ~Exists(owned))
        .select_related("project", "building__phase")
        .order_by("-building__phase__planned_handover_on", "project_id", "pk")
    )


def _referrals(cmd, rng, admin, staff, owners: list[Member]) -> None:
    """Owner members bring prospects of their city; about one friend in three then buys. Done once:
    the friends who bought are no longer prospects, so a rerun would pair other people."""
    if Referral.objects.exists():
        return
    prospects = (
        Customer.objects.filter(latest_signed_on__isnull=True, phones__is_primary=True, notes="")
        .exclude(Exists(Member.objects.filter(customer_id=OuterRef("pk"))))
        .values_list("pk", "name", "city_company_id", "phones__number")
        .order_by("pk")
    )
    friends: dict[int, list[tuple]] = {}
    for row in prospects:
        friends.setdefault(row[2], []).append(row)
    price = {code: per_m2 for code, _n, _c, _r, per_m2, *_rest in CITIES}
    referrers = sorted(
        (m for m in owners if m.project_id), key=lambda m: (m.project.code not in DEMO_PROJECTS, m.pk)
    )
    made = 0
    for referrer in referrers[:16]:
        pool = friends.get(referrer.city_company_id) or []
        if not pool:
            continue
        friend_id, name, _city, phone = pool.pop(0)
        buys = made % 3 == 0
        made += 1
        project = referrer.project
        unit = _unsold_units(referrer.city_company_id).first() if buys else None
        target = unit.project if unit is not None else project
        by = staff(target)
        if by is not None and not by.scope.covers(project.pk):
            by = cmd.city_staff.get(target.city_company_id)  # the city's desk sees both projects
        if by is None:
            continue
        referral_create(referrer=referrer, friend_name=name, friend_phone=phone, project=target, by=by)
        cmd.created["club referrals"] += 1
        if unit is None:
            continue
        # The friend signs: customers' contract_signed attributes the referral and rewards the referrer.
        signed = cmd.today - datetime.timedelta(days=rng.randint(3, 20))
        handover = unit.building.phase.planned_handover_on
        if handover is None or handover <= signed:
            handover = cmd.today + datetime.timedelta(days=180)
        city_code = unit.project.city_company.code
        contract_create(
            unit=unit,
            primary_buyer=Customer.objects.get(pk=friend_id),
            by=admin,
            number=f"HT-{unit.project.code.upper()}-{unit.code}",
            subscribed_on=signed - datetime.timedelta(days=7),
            signed_on=signed,
            contractual_handover_on=handover,
            price=(Decimal(unit.floor_area) * price.get(city_code, 30000) / 100).quantize(Decimal("1")) * 100,
        )
        cmd.created["contracts signed by referred friends"] += 1


def _intentions(cmd, rng, cityhead) -> None:
    """Registrations of interest in the upcoming project: the public page, and the city's sales desk."""
    project = getattr(cmd, "upcoming_project", None)
    if project is None:
        return
    taken = set(CustomerPhone.objects.values_list("number", flat=True))
    members = list(Member.objects.active().filter(city_company_id=project.city_company_id).order_by("pk")[:6])
    types = ("3br", "3br", "3br", "2br", "2br", "4br", "1br", "villa")
    budgets = {
        "1br": (180, 260),
        "2br": (280, 420),
        "3br": (400, 650),
        "4br": (600, 900),
        "villa": (900, 1500),
    }
    for index in range(22):
        member = members[index] if index < len(members) else None
        unit_type = rng.choice(types)
        low, high = budgets[unit_type]
        budget = rng.randint(low, high) // 10 * 10
        phone = member.phone if member is not None else _new_phone(rng, taken)
        name = (
            member.name
            if member is not None
            else rng.choice(SURNAMES) + rng.choice(MALE_GIVEN + FEMALE_GIVEN)
        )
        notes = rng.choice(("", "", "希望楼层高一些", "需要学位房", "关注地铁口距离"))
        by = cityhead if index % 4 == 0 else None
        if PurchaseIntention.objects.filter(project=project, phone=phone, unit_type=unit_type).exists():
            continue
        intention_register(
            project=project,
            name=name,
            phone=phone,
            unit_type=unit_type,
            budget_10k=budget,
            notes=notes,
            by=by,
        )
        cmd.created["purchase intentions"] += 1


def _events(cmd, rng, users) -> None:
    supervisor, agent = users.get("supervisor"), users.get("agent")
    project = cmd.projects.get(SHOWCASE_PROJECT)
    if supervisor is None or agent is None or project is None:
        return
    pool = list(Member.objects.visible_to(agent).active().order_by("pk"))
    if len(pool) < 4:
        return
    now = timezone.now()
    if not Event.objects.filter(title=PAST_EVENT).exists():
        _past_event(cmd, rng, supervisor, agent, project, pool, now)
    if not Event.objects.filter(title=OPEN_EVENT).exists():
        _open_event(cmd, rng, supervisor, agent, project, pool, now)


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def _past_event(cmd, rng, supervisor, agent, project, pool, now) -> None:
    starts = _at(cmd.today - datetime.timedelta(days=24), 18, 30)
    event = event_services.event_create(
        by=supervisor,
        title=PAST_EVENT,
        kind=Event.Kind.FESTIVAL,
        description="猜灯谜、做月饼、亲子游园，欢迎业主和家人参加。",
        city_company=project.city_company,
        project=project,
        place=f"{project.name}中心花园",
        starts_at=starts,
        ends_at=starts + 2.5 * HOUR,
        capacity=80,
        attendance_points=100,
        status=Event.Status.OPEN,
    )
    cmd.created["club events"] += 1
    guests_of = [0, 0, 1, 1, 2]
    registrations = []
    for member in pool[: min(len(pool), 24)]:
        at = starts - rng.randint(2, 14) * DAY
        registrations.append(
            event_services.registration_create(
                event=event, member=member, guests=rng.choice(guests_of), by=agent, now=at
            )
        )
    registrations.sort(key=lambda r: r.pk)
    cancelled = registrations[1]
    event_services.registration_cancel(registration=cancelled, by=agent, now=starts - DAY)
    with progress(cmd, len(registrations) - 1, "club check-ins") as bar:
        for position, registration in enumerate(registrations):
            if registration is cancelled:
                continue
            bar.update(1)
            if position % 6 == 5:
                continue  # did not come
            event_services.registration_check_in(
                registration=registration,
                by=agent,
                now=starts + rng.randint(-10, 40) * datetime.timedelta(minutes=1),
            )
            cmd.created["club check-ins"] += 1
    event.refresh_from_db()
    event_services.event_update(
        event=event, by=supervisor, expected_version=event.version, status=Event.Status.CLOSED
    )


def _open_event(cmd, rng, supervisor, agent, project, pool, now) -> None:
    starts = _at(cmd.today + datetime.timedelta(days=9), 10)
    event = event_services.event_create(
        by=supervisor,
        title=OPEN_EVENT,
        kind=Event.Kind.CHILDREN,
        description="烘焙老师带小朋友亲手做月饼，每位会员可带家人同来。名额有限，额满后进入候补。",
        city_company=project.city_company,
        project=project,
        place=f"{project.name}会所二楼活动室",
        starts_at=starts,
        ends_at=starts + 2 * HOUR,
        capacity=12,
        registration_closes_at=starts - DAY,
        attendance_points=50,
        status=Event.Status.OPEN,
    )
    cmd.created["club events"] += 1
    waiting = 0
    for position, member in enumerate(reversed(pool)):
        registration = event_services.registration_create(
            event=event,
            member=member,
            guests=1 if position % 3 else 2,
            by=agent if position % 2 else None,  # staff, or the member through their own link
            now=now - datetime.timedelta(minutes=30 * (50 - min(position, 49))),
        )
        waiting += registration.status == registration.Status.WAITLISTED
        if waiting >= 3:
            break


def _benefits(cmd, admin, staff) -> None:
    for title, kind, partner, points, per_member, total in BENEFITS:
        if Benefit.objects.filter(title=title).exists():
            continue
        benefit_services.benefit_create(
            by=admin,
            title=title,
            kind=kind,
            partner=partner,
            points_cost=points,
            per_member_limit=per_member,
            total_limit=total,
            valid_from=cmd.today - datetime.timedelta(days=60),
            valid_until=cmd.today + datetime.timedelta(days=300),
        )
        cmd.created["club benefits"] += 1
    # A referrer spends their reward on the cleaning voucher (once: a rerun finds the redemption).
    benefit = Benefit.objects.filter(title=BENEFITS[0][0]).first()
    if benefit is None or benefit.redemptions.exists():
        return
    member = (
        Member.objects.active()
        .filter(points_balance__gte=benefit.points_cost, project__isnull=False)
        .select_related("project")
        .order_by("-points_balance", "pk")
        .first()
    )
    if member is None:
        return
    by = staff(member.project)
    benefit_services.benefit_redeem(benefit=benefit, member=member, by=by)
    cmd.created["club redemptions"] += 1


def club_summary() -> dict:
    members = Member.objects.active()
    return {
        "members": members.count(),
        "linked": members.filter(link_status=Member.LinkStatus.LINKED).count(),
        "prospects": members.filter(link_status=Member.LinkStatus.NOT_A_CUSTOMER).count(),
        "to_review": members.filter(link_status=Member.LinkStatus.TO_REVIEW).count(),
        "referrals": Referral.objects.count(),
        "bought": Referral.objects.filter(status=Referral.Status.BOUGHT).count(),
        "events": Event.objects.count(),
        "care_tasks": CareTask.objects.filter(status=CareTask.Status.OPEN).count(),
        "gold_silver": members.filter(~Q(tier="standard")).count(),
    }
