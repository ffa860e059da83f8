"""The customers: ~4,000 people with valid resident IDs and phones, the homes they own, share or
rent, their contracts at every lifecycle stage, referrals, and one duplicate record to merge.

Person 0 is the showcase owner 张伟 (SHOWCASE_PHONE) of the showcase unit; about one person in
eight is a prospect registered at a sales office, with no home yet.
"""

from __future__ import annotations

import datetime
import random
from collections import defaultdict

from core.masking import mask_id_number
from customers.models import (
    AcquisitionChannel,
    ContactChannel,
    Contract,
    Customer,
    CustomerPhone,
    Education,
    Gender,
    HouseholdMember,
    HouseholdRole,
    IdType,
    Stage,
    pii_hash,
)
from customers.services import customers_refresh_contract_dates
from customers.validators import resident_id_check_code
from properties.models import CityCompany

from .batches import BATCH_SIZE, bulk_write, in_batches
from .estate import CITIES
from .names import EMPLOYERS, FEMALE_GIVEN, MALE_GIVEN, MOBILE_PREFIXES, OTHER_REGIONS, SURNAMES
from .plan import SHOWCASE_PHONE, SHOWCASE_PROJECT, Person, Plan, PlannedUnit

DUPLICATE_NOTE = "热线重复登记（未核对证件号码）"
CHANNEL_WEIGHTS = (
    (AcquisitionChannel.WALK_IN, 28),
    (AcquisitionChannel.REFERRAL, 18),
    (AcquisitionChannel.CLUB, 20),
    (AcquisitionChannel.ONLINE, 14),
    (AcquisitionChannel.ADVERTISING, 8),
    (AcquisitionChannel.AGENCY, 7),
    (AcquisitionChannel.EVENT, 5),
)
COMMITMENTS = (
    "赠送一年物业管理费",
    "赠送车位使用权三年",
    "交付时小区会所开放",
    "赠送入户花园",
    "",
    "",
    "",
    "",
)


# --- the plan: pure Python, deterministic ------------------------------------------------------------


def plan_customers(plan: Plan, rng: random.Random, *, today: datetime.date, count: int) -> None:
    """`count` people; owners (with co-owners, family and tenants) for most planned units, and the
    contracts; the rest are prospects. Runs after estate.plan_estate, on the same random stream."""
    region_of = {code: region for code, _n, _c, region, *_rest in CITIES}
    city_of_project = {p.code: p._city_code for p in plan.projects}
    used_ids, used_phones = set(), {SHOWCASE_PHONE}
    for _index in range(count):
        plan.people.append(_person(rng, today, region_of, used_ids, used_phones))
    plan.people[0].name, plan.people[0].gender = "张伟", Gender.MALE
    plan.people[0].phones = [SHOWCASE_PHONE]

    prospects = max(1, count // 8)
    pool = iter(range(1, count - prospects))  # person 0 is the showcase owner
    owners_by_city: dict[str, list[int]] = defaultdict(list)
    order = list(range(1, len(plan.units)))
    rng.shuffle(order)
    order.insert(0, 0)  # the showcase unit (sorted first) goes to person 0
    for unit_index in order:
        unit = plan.units[unit_index]
        city_code = city_of_project[unit.project_code]
        unsold = 0.25 if unit.stage == Stage.BUYER else 0.08
        if unit_index and rng.random() < unsold:
            continue
        repeat = owners_by_city[city_code] and rng.random() < 0.05
        owner = rng.choice(owners_by_city[city_code]) if repeat else next(pool, None) if unit_index else 0
        if owner is None:
            owner = rng.choice(owners_by_city[city_code]) if owners_by_city[city_code] else None
        if owner is None:
            continue
        dates = _contract_dates(rng, unit, today)
        _attach(plan.people[owner], unit, city_code)
        plan.members.append((unit_index, owner, HouseholdRole.OWNER, dates["handed_over_on"]))
        plan.contracts.append({"unit": unit_index, "buyer": owner, **dates})
        owners_by_city[city_code].append(owner)
        extras = [(HouseholdRole.CO_OWNER, 0.25), (HouseholdRole.FAMILY, 0.1)]
        if dates["handed_over_on"]:
            extras.append((HouseholdRole.TENANT, 0.07))
        for role, chance in extras:
            if rng.random() < chance:
                person = next(pool, None)
                if person is None:
                    break
                since = dates["handed_over_on"]
                if role == HouseholdRole.TENANT:
                    since = min(today, since + datetime.timedelta(days=rng.randint(30, 400)))
                _attach(plan.people[person], unit, city_code)
                plan.members.append((unit_index, person, role, since))
    projects = [p.code for p in plan.projects]
    for index, person in enumerate(plan.people):
        if not person.project_code:  # a prospect: registered at a sales office, no home yet
            person.project_code = rng.choice(projects)
            person.city_code = city_of_project[person.project_code]
        if person.channel == AcquisitionChannel.REFERRAL:
            referrers = [o for o in owners_by_city[person.city_code] if o < index]
            if referrers:
                person.referrer = rng.choice(referrers)
            else:
                person.channel = AcquisitionChannel.WALK_IN


def _attach(person: Person, unit: PlannedUnit, city_code: str) -> None:
    if not person.project_code:
        person.project_code, person.city_code = unit.project_code, city_code


def _person(rng, today, region_of, used_ids, used_phones) -> Person:
    gender = Gender.MALE if rng.random() < 0.52 else Gender.FEMALE
    given_chars = MALE_GIVEN if gender == Gender.MALE else FEMALE_GIVEN
    given = "".join(rng.choice(given_chars) for _ in range(1 if rng.random() < 0.35 else 2))
    age_days = rng.randint(24 * 365, 72 * 365)
    birth = today - datetime.timedelta(days=age_days)
    channel = rng.choices([c for c, _w in CHANNEL_WEIGHTS], weights=[w for _c, w in CHANNEL_WEIGHTS])[0]
    if rng.random() < 0.02:
        id_type, nationality = (
            IdType.PASSPORT,
            rng.choice(("新加坡", "美国", "加拿大", "澳大利亚", "马来西亚")),
        )
        while True:
            id_number = f"{rng.choice('EGKP')}{rng.randint(10_000_000, 99_999_999)}"
            if id_number not in used_ids:
                break
    else:
        id_type, nationality = IdType.RESIDENT_ID, "中国"
        region = rng.choice([*region_of.values(), *OTHER_REGIONS])
        while True:
            # The 17th digit is odd for men and even for women (GB 11643).
            sequence = rng.randint(0, 99) * 10 + rng.choice(
                (1, 3, 5, 7, 9) if gender == "M" else (0, 2, 4, 6, 8)
            )
            first17 = f"{region}{birth:%Y%m%d}{sequence:03d}"
            id_number = first17 + resident_id_check_code(first17)
            if id_number not in used_ids:
                break
    used_ids.add(id_number)
    phones = []
    for _ in range(2 if rng.random() < 0.2 else 1):
        while True:
            number = rng.choice(MOBILE_PREFIXES) + f"{rng.randint(0, 99_999_999):08d}"
            if number not in used_phones:
                break
        used_phones.add(number)
        phones.append(number)
    return Person(
        name=rng.choice(SURNAMES) + given,
        gender=gender,
        birth_date=birth,
        id_type=id_type,
        id_number=id_number,
        nationality=nationality,
        phones=phones,
        employer=rng.choice(EMPLOYERS),
        education=rng.choice([e for e in Education.values if e]),
        channel=channel,
        preferred_channel=rng.choice(
            (ContactChannel.PHONE, ContactChannel.PHONE, ContactChannel.WECHAT, ContactChannel.SMS)
        ),
    )


def _contract_dates(rng: random.Random, unit: PlannedUnit, today: datetime.date) -> dict:
    contractual = today + datetime.timedelta(days=unit.planned_days)
    if unit.stage == Stage.BUYER:
        handed = None
        signed = today - datetime.timedelta(days=rng.randint(10, 600))
    else:
        # About one handover in five is late: the delay metrics need some.
        handed = contractual + datetime.timedelta(days=rng.randint(-30, 8))
        handed = min(handed, today - datetime.timedelta(days=5))
        signed = contractual - datetime.timedelta(days=rng.randint(300, 900))
    return {
        "subscribed_on": signed - datetime.timedelta(days=rng.randint(3, 30)),
        "signed_on": signed,
        "contractual_handover_on": contractual,
        "handed_over_on": handed,
        "commitments": rng.choice(COMMITMENTS),
    }


# --- writing: only what is missing -------------------------------------------------------------------


def write_customers(cmd, plan: Plan) -> None:
    """The missing customers, their referrers and phones; cmd.customers in the plan's order."""
    hashes = [pii_hash(person.id_number) for person in plan.people]
    existing = {
        (c.id_type, c.id_number_hash): c
        for c in in_batches(Customer.objects.only("id", "id_type", "id_number_hash", "referrer_id"),
                            "id_number_hash", hashes)
    }  # fmt: skip
    cities = {c.code: c for c in CityCompany.objects.all()}
    new = []
    for person, id_hash in zip(plan.people, hashes, strict=True):
        if (person.id_type, id_hash) in existing:
            continue
        customer = Customer(
            city_company=cities[person.city_code],
            registered_project=cmd.projects[person.project_code],
            name=person.name,
            gender=person.gender,
            birth_date=person.birth_date,
            id_type=person.id_type,
            id_number=person.id_number,
            # What Customer.save() derives: the search hash and the mask.
            id_number_hash=id_hash,
            id_number_masked=mask_id_number(person.id_number),
            nationality=person.nationality,
            employer=person.employer,
            education=person.education,
            preferred_channel=person.preferred_channel,
            acquisition_channel=person.channel,
        )
        new.append(customer)
        existing[(person.id_type, id_hash)] = customer
    bulk_write(cmd, Customer, new, "customers")
    cmd.customers = [existing[(p.id_type, h)] for p, h in zip(plan.people, hashes, strict=True)]

    referred = []
    for person, customer in zip(plan.people, cmd.customers, strict=True):
        if person.referrer is not None and customer.referrer_id is None:
            customer.referrer_id = cmd.customers[person.referrer].pk
            referred.append(customer)
    Customer.objects.bulk_update(referred, ["referrer"], batch_size=BATCH_SIZE)
    cmd.created["referrals"] += len(referred)

    have = set(
        in_batches(
            CustomerPhone.objects.values_list("customer_id", "number"),
            "customer_id",
            [c.pk for c in cmd.customers],
        )
    )
    has_primary = {customer_id for customer_id, _number in have}
    phones = []
    for person, customer in zip(plan.people, cmd.customers, strict=True):
        for position, number in enumerate(person.phones):
            if (customer.pk, number) in have:
                continue
            primary = position == 0 and customer.pk not in has_primary
            # What CustomerPhone.save() derives: the last four digits agents search by.
            phones.append(
                CustomerPhone(customer=customer, number=number, last4=number[-4:], is_primary=primary)
            )
    bulk_write(cmd, CustomerPhone, phones, "phones")


def write_households_and_contracts(cmd, plan: Plan) -> None:
    unit_ids = [u.pk for u in cmd.units]
    have = set(in_batches(HouseholdMember.objects.values_list("unit_id", "customer_id"), "unit_id", unit_ids))
    owned = set(
        in_batches(HouseholdMember.objects.filter(role=HouseholdRole.OWNER).values_list("unit_id", flat=True),
                   "unit_id", unit_ids)
    )  # fmt: skip
    members = []
    for unit_index, person, role, since in plan.members:
        unit, customer = cmd.units[unit_index], cmd.customers[person]
        if (unit.pk, customer.pk) in have or (role == HouseholdRole.OWNER and unit.pk in owned):
            continue
        have.add((unit.pk, customer.pk))
        # bulk_create skips HouseholdMember.save(): the unit's project is copied here.
        members.append(
            HouseholdMember(unit=unit, customer=customer, role=role, since=since, project_id=unit.project_id)
        )
    bulk_write(cmd, HouseholdMember, members, "household members")

    sold = set(
        in_batches(Contract.objects.filter(status=Contract.Status.ACTIVE).values_list("unit_id", flat=True),
                   "unit_id", unit_ids)
    )  # fmt: skip
    numbers = set(Contract.objects.values_list("number", flat=True))
    contracts = []
    for planned in plan.contracts:
        unit = cmd.units[planned["unit"]]
        number = f"HT-{unit.project.code.upper()}-{unit.code}"
        if number in numbers or unit.pk in sold:
            continue
        contracts.append(
            Contract(
                unit=unit,
                primary_buyer=cmd.customers[planned["buyer"]],
                number=number,
                price=plan.units[planned["unit"]].price,
                subscribed_on=planned["subscribed_on"],
                signed_on=planned["signed_on"],
                contractual_handover_on=planned["contractual_handover_on"],
                handed_over_on=planned["handed_over_on"],
                commitments=planned["commitments"],
            )
        )
    bulk_write(cmd, Contract, contracts, "contracts")
    # bulk_create skips Contract.save(): the buyers' stage dates are refreshed here.
    customers_refresh_contract_dates(customer_ids={c.primary_buyer.pk for c in contracts})


def write_duplicate_record(cmd) -> tuple[Customer, Customer] | None:
    """One owner of the showcase project recorded a second time by the hotline, without the ID
    number: what the 360 page's "possible duplicates" and the merge page are for."""
    existing = Customer.objects.filter(notes=DUPLICATE_NOTE).first()
    owner_row = (
        HouseholdMember.objects.filter(project__code=SHOWCASE_PROJECT, role=HouseholdRole.OWNER)
        .exclude(customer__name="张伟")
        .select_related("customer")
        .order_by("pk")
        .first()
    )
    if owner_row is None:
        return None
    owner = owner_row.customer
    if existing is not None:
        return owner, existing
    phone = owner.phones.order_by("-is_primary", "pk").first()
    again = Customer.objects.create(
        city_company_id=owner.city_company_id,
        registered_project_id=owner_row.project_id,
        name=owner.name,
        gender=owner.gender,
        notes=DUPLICATE_NOTE,
    )
    if phone is not None:
        CustomerPhone.objects.create(customer=again, number=phone.number, is_primary=True)
    cmd.created["duplicate customer records"] += 1
    return owner, again
